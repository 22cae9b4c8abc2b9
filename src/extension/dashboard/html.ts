// The run dashboard webview's HTML: one script with a nonce under a strict Content-Security-Policy
// (no images, no remote anything, styles only from the extension or with the nonce). No vscode
// import (the panel passes cspSource and the script URI), so the policy is unit tested.
import { escapeHtml } from '../gallery/html';

export function dashboardCsp(cspSource: string, nonce: string): string {
  return [
    "default-src 'none'",
    `style-src ${cspSource} 'nonce-${nonce}'`,
    `script-src 'nonce-${nonce}'`,
    `font-src ${cspSource}`,
  ].join('; ');
}

export function dashboardHtml(opts: { cspSource: string; nonce: string; scriptUri: string; title: string }): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${escapeHtml(dashboardCsp(opts.cspSource, opts.nonce))}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<title>${escapeHtml(opts.title)}</title>
</head>
<body>
<script nonce="${escapeHtml(opts.nonce)}" src="${escapeHtml(opts.scriptUri)}"></script>
</body>
</html>`;
}
