/** The admin page of a shared scanner (DNS-SD `adminurl`): its state and last jobs, and its icon. */
import { loadSharp } from '../imaging/sharp-loader.js';
import type { ScannerView, JobHistoryEntry } from '../core/gateway-api.js';
import type { ServedStatus } from '../protocols/escl/server-status.js';

/** Icon side in pixels: macOS Image Capture wants power-of-two sides. */
export const ICON_SIZE = 128;

let icon: Promise<Buffer> | undefined;

/** The scanner icon as PNG (drawn once per process). */
export function iconPng(): Promise<Buffer> {
  icon ??= loadSharp().then((sharp) => sharp(Buffer.from(iconSvg(ICON_SIZE))).png().toBuffer());
  return icon;
}

function iconSvg(size: number): string {
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${size}" height="${size}" viewBox="0 0 128 128">
<rect x="8" y="52" width="112" height="52" rx="10" fill="#3b4a5a"/>
<rect x="16" y="36" width="96" height="20" rx="4" fill="#9fb3c8"/>
<rect x="24" y="70" width="80" height="6" rx="3" fill="#7fd1ff"/>
<circle cx="104" cy="90" r="5" fill="#6ee7a0"/>
</svg>`;
}

const escapeHtml = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** The HTML of the admin page. */
export function adminPageHtml(view: ScannerView | undefined, status: ServedStatus, history: readonly JobHistoryEntry[], sharedUrl: string): string {
  const name = escapeHtml(view?.name ?? 'scanner');
  const rows = status.jobs
    .map((j) => `<tr><td>${escapeHtml(j.uuid)}</td><td>eSCL</td><td>${j.state}</td><td>${j.imagesCompleted}</td><td>${Math.round(j.age)} s ago</td></tr>`)
    .concat(history.map((h) => `<tr><td>${escapeHtml(h.id)}</td><td>${escapeHtml(h.trigger ?? '')}</td><td>${h.state}</td><td>${h.pages}</td><td>${escapeHtml(h.finished_at ?? h.created_at)}</td></tr>`))
    .join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${name} (scan2mqtt)</title>
<style>body{font-family:sans-serif;margin:2em}td,th{padding:.2em .8em;text-align:left}</style></head>
<body><h1><img src="/icon.png" width="32" height="32" alt=""> ${name}</h1>
<p>Shared by scan2mqtt as an eSCL (AirScan) scanner at <code>${escapeHtml(sharedUrl)}</code>.</p>
<table><tr><th>State</th><td id="state">${escapeHtml(status.state)}</td></tr>
<tr><th>Document feeder</th><td id="adf">${escapeHtml(status.adf ?? 'none')}</td></tr>
<tr><th>Model</th><td>${escapeHtml([view?.manufacturer, view?.model].filter(Boolean).join(' '))}</td></tr></table>
<h2>Last jobs</h2>
<table id="jobs"><tr><th>Job</th><th>From</th><th>State</th><th>Pages</th><th>When</th></tr>
${rows}
</table></body></html>
`;
}
