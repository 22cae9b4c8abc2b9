// The run dashboard webview's HTML: one script with a nonce under a strict Content-Security-Policy
// (no images, no remote anything, styles only from the extension or with the nonce). No vscode
// import (the panel passes cspSource and the script URI), so the policy is unit tested.
import { scriptPageHtml } from '../gallery/html';

export function dashboardCsp(cspSource: string, nonce: string): string {
  return [
    "default-src 'none'",
    `style-src ${cspSource} 'nonce-${nonce}'`,
    `script-src 'nonce-${nonce}'`,
    `font-src ${cspSource}`,
  ].join('; ');
}

export function dashboardHtml(opts: { cspSource: string; nonce: string; scriptUri: string; title: string }): string {
  return scriptPageHtml(dashboardCsp(opts.cspSource, opts.nonce), opts.nonce, opts.scriptUri, opts.title);
}
