import { randomBytes } from 'node:crypto';
import type { WebDevice } from './device.js';

/** The HTML of the simulated PLC web UI. Kept plain: the checks read status, headers and text, never a layout. */

export const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (char) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[char]!);

function layout(title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>
<link rel="stylesheet" href="/static/app.css"><script src="/static/plc.js" defer></script></head>
<body><header><img src="/static/logo.svg" alt=""> <span class="product">PLC-17 Web Management</span></header>
<main>
${body}
</main></body></html>
`;
}

export function loginPage(device: WebDevice, message?: string): string {
  const { parameters, flaws } = device;
  const banner = flaws.has('no-banner') ? '' : `<div class="use-notice" role="note">${escapeHtml(parameters.banner)}</div>\n`;
  // A per-page nonce, as real login forms carry one; it makes every page differ a little.
  const nonce = randomBytes(12).toString('hex');
  return layout(
    'Login - PLC-17',
    `${banner}<h1>Log in</h1>
${message ? `<p class="error">${escapeHtml(message)}</p>\n` : ''}<form method="post" action="/login">
<input type="hidden" name="nonce" value="${nonce}">
<label>User name <input name="${parameters.usernameField}" autocomplete="username"></label>
<label>Password <input name="${parameters.passwordField}" type="password" autocomplete="current-password"></label>
<button type="submit">Log in</button>
</form>`,
  );
}

export function statusPage(device: WebDevice, username: string): string {
  return layout(
    'Status - PLC-17',
    `<h1>Controller status</h1>
<p>Logged in as ${escapeHtml(username)} | <a href="/settings">Settings</a> | <form method="post" action="/logout" class="inline"><button>Logout</button></form></p>
<table class="status">
<tr><th>Operating mode</th><td>RUN</td></tr>
<tr><th>Cycle time</th><td>${(8 + Math.random()).toFixed(2)} ms</td></tr>
<tr><th>Tank level</th><td>${(60 + Math.random() * 5).toFixed(1)} %</td></tr>
<tr><th>Device name</th><td>${escapeHtml(device.settings.deviceName)}</td></tr>
</table>`,
  );
}

export function settingsPage(device: WebDevice, note?: string): string {
  return layout(
    'Settings - PLC-17',
    `<h1>Device settings</h1>
${note ? `<p class="note">${escapeHtml(note)}</p>\n` : ''}<form method="post" action="/settings">
<label>Device name <input name="deviceName" value="${escapeHtml(device.settings.deviceName)}"></label>
<label>NTP server <input name="ntpServer" value="${escapeHtml(device.settings.ntpServer)}"></label>
<button type="submit">Apply configuration</button>
</form>
<form method="post" action="/settings/identify"><button>Flash the identification LED</button></form>`,
  );
}

export function messagePage(title: string, text: string): string {
  return layout(title, `<h1>${escapeHtml(title)}</h1>\n<p>${escapeHtml(text)}</p>`);
}

export const STATIC_FILES: Record<string, { type: string; body: string }> = {
  'app.css': { type: 'text/css', body: 'body{font-family:sans-serif;margin:0}header{background:#234;color:#fff;padding:8px}main{padding:16px}.error{color:#b00}\n' },
  'plc.js': { type: 'text/javascript', body: 'document.addEventListener("DOMContentLoaded",()=>{});\n' },
  'logo.svg': { type: 'image/svg+xml', body: '<svg xmlns="http://www.w3.org/2000/svg" width="16" height="16"><rect width="16" height="16" fill="#4a8"/></svg>\n' },
};

export function directoryListing(folder: string, names: string[]): string {
  const rows = names.map((name) => `<tr><td><a href="${escapeHtml(name)}">${escapeHtml(name)}</a></td><td>2019-03-14 09:12</td></tr>`).join('\n');
  return `<!doctype html>
<html><head><title>Index of ${escapeHtml(folder)}</title></head>
<body><h1>Index of ${escapeHtml(folder)}</h1>
<table><tr><th>Name</th><th>Last modified</th></tr>
<tr><td><a href="../">Parent Directory</a></td><td></td></tr>
${rows}
</table></body></html>
`;
}

/** The sample pages the web server shipped with, left installed on the weak device. */
export const SAMPLE_PAGES: Record<string, string> = {
  '/examples/': `<!doctype html><html><head><title>Web Server Examples</title></head><body><h1>Examples</h1><ul><li><a href="/examples/hello.html">Hello World</a></li><li><a href="/examples/form.html">Form handling sample</a></li></ul></body></html>\n`,
  '/examples/hello.html': `<!doctype html><html><head><title>Hello World</title></head><body><h1>Hello World!</h1><p>This is a sample page of the embedded web server.</p></body></html>\n`,
};

export function stackTracePage(error: Error): string {
  return `<!doctype html>
<html><head><title>500 Internal Server Error</title></head>
<body><h1>Internal Server Error</h1>
<pre>${escapeHtml(error.stack ?? String(error))}
    at routeRequest (/opt/plcweb/lib/router.js:214:17)
    at Server.handle (/opt/plcweb/lib/server.js:88:5)</pre>
<hr><address>PLCWeb/2.3.1 (Node.js ${process.version}) at /opt/plcweb</address>
</body></html>
`;
}
