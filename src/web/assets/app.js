// The page's state and live updates: one EventSource on api/events (no polling), the scanner
// list kept from its snapshot and events, and a hash router between the four pages.
import { setBaseTopic } from './dom.js';
import { renderDevices } from './devices.js';
import { renderScan, onJobEvent } from './scan.js';
import { renderLibrary } from './library.js';
import { renderBridge, onLogRecord } from './bridge.js';

const PAGES = ['devices', 'scan', 'library', 'bridge'];
export const state = { scanners: new Map(), bridge: null, page: 'devices', selected: null };
let source;

function currentPage() {
  const name = location.hash.replace('#', '');
  return PAGES.includes(name) ? name : 'devices';
}

/** Draws the page in view again from the state. */
export function render(what) {
  if (state.page === 'devices') renderDevices(state);
  if (state.page === 'scan' && what !== 'state') renderScan(state);
  if (state.page === 'library' && what !== 'state') renderLibrary(state);
  if (state.page === 'bridge' && what === 'page') renderBridge(state);
}

function connect() {
  source?.close();
  // The Bridge page's live log rides on the same stream, asked for only while it is shown.
  source = new EventSource(`api/events${state.page === 'bridge' ? '?logs=1' : ''}`);
  const live = document.getElementById('live');
  source.onopen = () => { live.textContent = 'live'; live.className = 'badge on'; };
  source.onerror = () => { live.textContent = 'reconnecting…'; live.className = 'badge off'; };
  const on = (name, handle) => source.addEventListener(name, (e) => handle(JSON.parse(e.data)));
  on('snapshot', (data) => {
    state.bridge = data.bridge;
    setBaseTopic(data.bridge.base_topic);
    state.scanners = new Map(data.scanners.map((s) => [s.id, s]));
    render('snapshot');
  });
  on('scanner', (view) => {
    const known = state.scanners.get(view.id);
    state.scanners.set(view.id, { ...known, ...view });
    if (!known) render('added');
    else render('state');
  });
  on('scanner_removed', ({ id }) => { state.scanners.delete(id); render('removed'); });
  on('state', ({ id, state: scannerState }) => {
    const known = state.scanners.get(id);
    if (known) known.state = scannerState;
    render('state');
  });
  on('job', ({ id, job }) => onJobEvent(state, id, job));
  on('log', (record) => onLogRecord(record));
}

function show() {
  const page = currentPage();
  const changedStream = (page === 'bridge') !== (state.page === 'bridge');
  state.page = page;
  for (const section of document.querySelectorAll('main > section')) section.hidden = section.dataset.page !== page;
  for (const link of document.querySelectorAll('nav a')) {
    if (link.dataset.page === page) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
  if (changedStream || !source) connect();
  render('page');
}

window.addEventListener('hashchange', show);
// The page tabs are links, which Enter follows; Space follows them too, as on a tab or button.
document.querySelector('nav').addEventListener('keydown', (e) => {
  if (e.key !== ' ' || !e.target.matches('a[data-page]')) return;
  e.preventDefault();
  e.target.click();
});
show();
