// The gallery webview's HTML: one script tag with a nonce under a strict Content-Security-Policy.
// No vscode import (the panel passes cspSource and the script URI), so the CSP is unit tested.
import { randomBytes } from 'node:crypto';

export function makeNonce(): string {
  return randomBytes(18).toString('base64');
}

/** Escapes text for an HTML attribute value or text node (only host-made values go here). */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);
}

export function contentSecurityPolicy(cspSource: string, nonce: string): string {
  return [
    "default-src 'none'",
    `img-src ${cspSource} data:`,
    `style-src ${cspSource} 'nonce-${nonce}'`,
    `script-src 'nonce-${nonce}'`,
    `font-src ${cspSource}`,
  ].join('; ');
}

export function galleryHtml(opts: { cspSource: string; nonce: string; scriptUri: string; title?: string }): string {
  return scriptPageHtml(contentSecurityPolicy(opts.cspSource, opts.nonce), opts.nonce, opts.scriptUri, opts.title ?? 'Predictions');
}

/** The page every webview of ours serves: its policy, a title, and one script with the nonce (the gallery and the run dashboard). */
export function scriptPageHtml(csp: string, nonce: string, scriptUri: string, title: string): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${escapeHtml(csp)}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<title>${escapeHtml(title)}</title>
</head>
<body>
<script nonce="${escapeHtml(nonce)}" src="${escapeHtml(scriptUri)}"></script>
</body>
</html>`;
}

/** A static page with one message (no script at all), e.g. when a restored panel's run is gone. */
export function messageHtml(text: string): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'">
</head>
<body><p>${escapeHtml(text)}</p></body>
</html>`;
}
