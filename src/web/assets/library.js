// Library: the last documents as a gallery (thumbnails rendered by the gateway), a page viewer,
// download, delete, send again to a target; and the outbox of deliveries with retry and drop.
import { h, fill, api, topic, size, docPath } from './dom.js';

let status = '';

/** Shows a document's pages one by one in the viewer dialog (PDFs can also be opened whole). */
export function openViewer(doc) {
  const dialog = document.getElementById('viewer');
  let page = 1;
  const pages = Math.max(1, doc.pages || 1);
  const draw = () => fill(dialog,
    h('h2', {}, doc.location),
    h('div', { class: 'row' },
      h('button', { type: 'button', disabled: page <= 1, onclick: () => { page -= 1; draw(); } }, '‹ Previous'),
      h('span', { id: 'viewer-page' }, `Page ${page} of ${pages}`),
      h('button', { type: 'button', disabled: page >= pages, onclick: () => { page += 1; draw(); } }, 'Next ›'),
      h('a', { href: `api/documents/${docPath(doc.id)}/file`, target: '_blank', rel: 'noopener' }, doc.format === 'pdf' ? 'Open PDF' : 'Open file'),
      h('a', { href: `api/documents/${docPath(doc.id)}/file?download=1` }, 'Download'),
      h('button', { type: 'button', onclick: () => dialog.close(), 'data-action': 'close' }, 'Close')),
    h('img', { id: 'viewer-image', src: `api/documents/${docPath(doc.id)}/pages/${page}.jpg?size=page`, alt: `Page ${page} of ${doc.location}` }),
  );
  draw();
  if (!dialog.open) dialog.showModal();
}

/** How a retry went, from its answer: one {id, status, error?} per delivery tried. */
function retried(answer) {
  return (Array.isArray(answer) ? answer : []).map((r) => `${r.status}${r.error ? ` (${r.error})` : ''}`).join(', ') || 'nothing to retry';
}

async function act(what, run, describe = () => 'done') {
  try {
    status = `${what}: ${describe(await run())}`;
  } catch (error) {
    status = `${what}: ${error.message}`;
  }
  renderLibrary();
}

function documentCard(doc, targets) {
  let target = targets[0];
  return h('article', { class: 'card doc', 'data-document': doc.id },
    h('button', { type: 'button', class: 'topic', style: undefined, onclick: () => openViewer(doc), 'aria-label': `View ${doc.location}` },
      h('img', { class: 'thumb', loading: 'lazy', src: `api/documents/${docPath(doc.id)}/pages/1.jpg`, alt: '' })),
    h('div', {}, doc.location),
    h('div', { class: 'muted' }, `${new Date(doc.created_at).toLocaleString()} · ${doc.scanner} · ${doc.format}, ${doc.pages} page(s), ${size(doc.bytes)}`),
    h('div', { class: 'row' },
      h('button', { type: 'button', onclick: () => openViewer(doc) }, 'View'),
      h('a', { href: `api/documents/${docPath(doc.id)}/file?download=1` }, 'Download'),
      h('button', { type: 'button', 'data-action': 'delete', onclick: () => confirm(`Delete ${doc.location}?`) && act('Delete', () => api(`documents/${docPath(doc.id)}`, { method: 'DELETE' })) }, 'Delete')),
    targets.length === 0 ? null : h('div', { class: 'row' },
      h('select', { 'aria-label': 'Target', onchange: (e) => { target = e.target.value; } }, targets.map((t) => h('option', { value: t }, t))),
      h('button', { type: 'button', 'data-action': 'resend', onclick: () => act(`Send to ${target}`, () => api(`documents/${docPath(doc.id)}/resend`, { method: 'POST', body: { target } }), (r) => r.status + (r.error ? ` (${r.error})` : '')) }, 'Send again')),
  );
}

function outbox(deliveries) {
  if (deliveries.length === 0) return h('p', { class: 'muted' }, 'Nothing waiting.');
  return h('div', { class: 'scroll' }, h('table', {},
    h('thead', {}, h('tr', {}, ['Target', 'Job', 'State', 'Attempts', 'Last error', 'Next try', ''].map((c) => h('th', { scope: 'col' }, c)))),
    h('tbody', {}, deliveries.map((d) => h('tr', { 'data-delivery': d.id },
      h('td', {}, d.target), h('td', {}, d.job), h('td', {}, d.state), h('td', {}, d.attempts), h('td', {}, d.last_error ?? ''), h('td', {}, d.next_attempt_at ? new Date(d.next_attempt_at).toLocaleString() : ''),
      h('td', {}, h('button', { type: 'button', 'data-action': 'retry', onclick: () => act('Retry', () => api(`deliveries/${encodeURIComponent(d.id)}/retry`, { method: 'POST', body: {} }), retried) }, 'Retry'), ' ',
        h('button', { type: 'button', 'data-action': 'drop', onclick: () => confirm('Drop this delivery?') && act('Drop', () => api(`deliveries/${encodeURIComponent(d.id)}`, { method: 'DELETE' })) }, 'Drop')))))));
}

/** Draws the Library page from the API (documents, targets, outbox). */
export async function renderLibrary() {
  const root = document.getElementById('library-view');
  try {
    const [docs, deliveries, bridge] = await Promise.all([api('documents?limit=60'), api('deliveries'), api('bridge')]);
    fill(root,
      status ? h('p', { role: 'status', id: 'library-status' }, status) : null,
      h('p', { class: 'muted' }, 'From the job history ', topic('bridge/request/history'), '; the last documents still in the storage folder.'),
      docs.length === 0 ? h('p', { class: 'muted', id: 'library-empty' }, 'No documents yet.') : h('div', { class: 'grid', id: 'gallery' }, docs.map((d) => documentCard(d, bridge.targets ?? []))),
      h('div', { class: 'card' }, h('h2', {}, 'Outbox ', topic('bridge/request/delivery/retry')), outbox(deliveries),
        deliveries.length > 1 ? h('button', { type: 'button', onclick: () => act('Retry all', () => api('deliveries/retry', { method: 'POST', body: {} }), retried) }, 'Retry all') : null),
    );
  } catch (error) {
    fill(root, h('p', { class: 'error' }, error.message));
  }
}
