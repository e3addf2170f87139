// Scan: a form built from the selected scanner's capabilities, a live bar per page while the
// job runs (from its job events), cancel, a fast preview where the device allows, and the result.
import { h, fill, api, topic, size, docPath } from './dom.js';
import { pageOutline, AREA_PRESETS } from './area.js';
import { openViewer } from './library.js';

const form = { scanner: null, source: null, resolution: null, color_mode: null, format: null, profile: '', area: null, preset: 'full' };
const jobs = new Map(); // scanner id -> { id, event, pageBytes: [], preview }
let message = '';

window.scan2mqttSelect = (id) => { form.scanner = id; form.source = null; };

function selected(state) {
  const list = [...state.scanners.values()];
  let s = state.scanners.get(form.scanner);
  if (!s) s = list.find((x) => x.online && x.capabilities) ?? list[0];
  form.scanner = s?.id ?? null;
  return s;
}

function pick(value, options, fallback) {
  if (options.includes(value)) return value;
  if (options.includes(fallback)) return fallback;
  return options[0];
}

function select(name, label, options, value, onchange, text = (v) => v) {
  return h('label', {}, label, h('select', { name, id: `scan-${name}`, onchange: (e) => onchange(e.target.value) },
    options.map((o) => h('option', { value: o, selected: String(o) === String(value) }, text(o)))));
}

/** Estimated bytes of a page still arriving: the previous page's size, else a rough JPEG-sized guess. */
function estimate(job) {
  const last = job.pageBytes.at(-1);
  if (last) return last;
  const s = job.event.settings;
  if (!s) return 1_000_000;
  const px = ((s.region?.width ?? 210) / 25.4 * s.resolution) * ((s.region?.height ?? 297) / 25.4 * s.resolution);
  return Math.max(50_000, px * (s.color_mode === 'color' ? 3 : 1) / 10);
}

function progressView(scannerId) {
  const job = jobs.get(scannerId);
  if (!job) return h('p', { class: 'muted' }, 'No job yet.');
  const e = job.event;
  const running = !['done', 'failed', 'cancelled'].includes(e.state);
  const bars = job.pageBytes.map((bytes, i) => h('div', {}, `Page ${i + 1}`, h('progress', { max: 1, value: 1, 'aria-label': `Page ${i + 1} received` }), size(bytes)));
  if (running && job.arriving && e.state === 'scanning' && e.bytes_received !== undefined) {
    const n = job.pageBytes.length + 1;
    bars.push(h('div', {}, `Page ${n}`, h('progress', { max: 1, value: Math.min(0.95, e.bytes_received / estimate(job)), 'aria-label': `Page ${n} arriving`, 'data-current': 'true' }), size(e.bytes_received)));
  }
  return h('div', { id: 'job', 'data-state': e.state, 'data-pages': e.pages, 'data-job': e.id, 'aria-live': 'polite' },
    h('p', {}, h('strong', {}, `Job ${e.id}: ${e.state}`), ` · ${e.pages} page(s) · ${size(e.bytes_total ?? 0)} `, topic(`${scannerId}/job`)),
    h('div', { class: 'pages' }, bars),
    e.error ? h('p', { class: 'error' }, `${e.error.code}: ${e.error.message}`) : null,
    e.adapted?.length ? h('p', { class: 'muted' }, `Adapted: ${e.adapted.join('; ')}`) : null,
    e.state === 'done' ? resultView(e, job) : null,
  );
}

function resultView(e, job) {
  if (job.preview) return h('img', { src: `api/scanners/${encodeURIComponent(e.scanner)}/preview.jpg?job=${encodeURIComponent(e.id)}`, alt: 'Preview scan', class: 'thumb', style: undefined, id: 'preview-image' });
  const docs = (e.stored ?? []).map((f, i) => ({ id: `${e.id}~${i}`, job: e.id, scanner: e.scanner, location: f.location, format: f.format, pages: f.pages, bytes: f.bytes })).filter((d) => d.location);
  if (docs.length === 0) return h('p', {}, 'Stored: ', (e.files ?? []).join(', ') || 'nothing in the folder');
  return h('div', { id: 'result', class: 'grid' }, docs.map((d) => h('div', { class: 'card doc' },
    h('img', { class: 'thumb', src: `api/documents/${docPath(d.id)}/pages/1.jpg`, alt: `First page of ${d.location}` }),
    h('div', {}, d.location), h('div', { class: 'muted' }, `${d.format}, ${d.pages} page(s), ${size(d.bytes)}`),
    h('div', { class: 'row' }, h('button', { type: 'button', onclick: () => openViewer(d), 'data-action': 'open' }, 'Open'), h('a', { href: `api/documents/${docPath(d.id)}/file?download=1` }, 'Download')))));
}

function command() {
  if (form.profile) return { profile: form.profile, ...(form.area ? { region: form.area } : {}) };
  return { source: form.source, resolution: Number(form.resolution), color_mode: form.color_mode, format: form.format, ...(form.area ? { region: form.area } : {}) };
}

async function start(path, body, preview) {
  message = '';
  try {
    const job = await api(`scanners/${encodeURIComponent(form.scanner)}/${path}`, { method: 'POST', body });
    jobs.set(form.scanner, { id: job.id, event: job, pageBytes: [], preview });
  } catch (error) {
    message = error.message;
  }
  redrawProgress();
}

function redrawProgress() {
  const el = document.getElementById('scan-progress');
  if (el) fill(el, message ? h('p', { class: 'error', role: 'alert' }, message) : null, progressView(form.scanner));
}

/** Follows a job event: completed pages keep the size their last progress event reported. */
export function onJobEvent(state, scannerId, event) {
  let job = jobs.get(scannerId);
  if (!job || job.id !== event.id) job = { id: event.id, event, pageBytes: [], preview: job?.id === event.id && job.preview };
  // The event that counts a page done carries that page's size in bytes_received (src/jobs/run-scan-job.ts);
  // later events of the same count carry the next page's bytes as it arrives.
  const missing = event.pages - job.pageBytes.length;
  if (missing > 0) {
    const before = job.pageBytes.reduce((a, b) => a + b, 0);
    const last = event.bytes_received ?? 0;
    const others = Math.max(0, (event.bytes_total ?? 0) - last - before);
    for (let i = 1; i < missing; i += 1) job.pageBytes.push(Math.round(others / (missing - 1)));
    job.pageBytes.push(last);
    job.arriving = false;
  } else if (event.state === 'scanning' && event.bytes_received !== undefined) {
    job.arriving = true;
  }
  job.event = event;
  jobs.set(scannerId, job);
  if (state.page === 'scan' && scannerId === form.scanner) redrawProgress();
}

/** Draws the Scan page. */
export function renderScan(state) {
  const root = document.getElementById('scan-view');
  const s = selected(state);
  if (!s) return fill(root, h('p', { class: 'muted' }, 'No scanner found yet.'));
  const caps = s.capabilities;
  const sources = Object.keys(caps?.sources ?? {});
  const prefs = s.preferences ?? {};
  form.source = pick(form.source, sources, prefs.source);
  const src = caps?.sources?.[form.source];
  const again = () => renderScan(state);
  const fields = [select('scanner', 'Scanner', [...state.scanners.keys()], s.id, (v) => { form.scanner = v; form.source = null; again(); }, (id) => state.scanners.get(id)?.name ?? id)];
  if (src) {
    form.resolution = pick(Number(form.resolution), src.resolutions, prefs.resolution ?? 300);
    form.color_mode = pick(form.color_mode, src.color_modes, prefs.color_mode);
    form.format = pick(form.format, src.formats, prefs.format ?? 'pdf');
    const area = form.area ?? { x: 0, y: 0, width: src.max_width_mm, height: src.max_height_mm };
    fields.push(
      select('source', 'Source', sources, form.source, (v) => { form.source = v; form.area = null; form.preset = 'full'; again(); }),
      select('resolution', 'Resolution (dpi)', src.resolutions, form.resolution, (v) => { form.resolution = Number(v); }),
      select('color_mode', 'Colour mode', src.color_modes, form.color_mode, (v) => { form.color_mode = v; }),
      select('format', 'Format', src.formats, form.format, (v) => { form.format = v; }),
      select('profile', 'Profile (sets the rest)', ['', ...(state.bridge?.profiles ?? [])], form.profile, (v) => { form.profile = v; }, (p) => p || '(none)'),
      h('div', {}, pageOutline(src, area, (next) => { form.area = next; form.preset = next ? 'drawn' : 'full'; again(); }),
        select('area', 'Area', ['full', ...Object.keys(AREA_PRESETS), 'drawn'], form.preset, (v) => { form.preset = v; if (v !== 'drawn') form.area = v === 'full' ? null : { x: 0, y: 0, ...AREA_PRESETS[v] }; again(); })),
    );
  }
  fill(root,
    h('div', { class: 'card' },
      h('p', { class: 'muted' }, 'Sent like ', topic(`${s.id}/scan`), ' (the gateway\'s own command, not an MQTT round trip).'),
      h('form', { class: 'scan', onsubmit: (e) => { e.preventDefault(); start('scan', command(), false); } }, fields,
        h('div', { class: 'row' },
          h('button', { type: 'submit', class: 'primary', id: 'scan-start', disabled: !src || !s.online }, 'Scan'),
          s.preview_dpi ? h('button', { type: 'button', id: 'scan-preview', disabled: !s.online, onclick: () => start('preview', { source: 'platen' }, true) }, `Preview (${s.preview_dpi} dpi)`) : null,
          h('button', { type: 'button', id: 'scan-cancel', onclick: () => api(`scanners/${encodeURIComponent(s.id)}/cancel`, { method: 'POST', body: {} }).catch((e) => { message = e.message; redrawProgress(); }) }, 'Cancel'),
        )),
      !s.online ? h('p', { class: 'error' }, 'This scanner is offline.') : null,
    ),
    h('div', { class: 'card', id: 'scan-progress' }),
  );
  redrawProgress();
}
