// Bridge: health, the live log with a level filter, the effective config without secrets and
// "discover now", each beside its MQTT topic.
import { h, fill, api, topic } from './dom.js';

const LEVELS = { trace: 10, debug: 20, info: 30, warn: 40, error: 50, fatal: 60 };
const NAMES = Object.fromEntries(Object.entries(LEVELS).map(([k, v]) => [v, k]));
const MAX_LINES = 500;
let minLevel = 30;
let lines = [];

function line(r) {
  const rest = Object.entries(r).filter(([k]) => !['level', 'time', 'msg', 'pid', 'hostname', 'component'].includes(k));
  const extra = rest.length ? ' ' + rest.map(([k, v]) => `${k}=${typeof v === 'object' ? JSON.stringify(v) : v}`).join(' ') : '';
  return h('div', { class: `lv${r.level}` }, `${new Date(r.time).toLocaleTimeString()} ${NAMES[r.level] ?? r.level} ${r.component ? `[${r.component}] ` : ''}${r.msg ?? ''}${extra}`);
}

function drawLog() {
  const el = document.getElementById('log');
  if (!el) return;
  const atBottom = el.scrollHeight - el.scrollTop - el.clientHeight < 30;
  fill(el, lines.filter((r) => r.level >= minLevel).map(line));
  if (atBottom) el.scrollTop = el.scrollHeight;
}

/** A new live log line (only sent while the Bridge page is shown). */
export function onLogRecord(record) {
  lines.push(record);
  if (lines.length > MAX_LINES) lines = lines.slice(-MAX_LINES);
  drawLog();
}

function facts(obj) {
  return h('dl', { class: 'facts' }, Object.entries(obj).flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, typeof v === 'object' ? JSON.stringify(v) : String(v))]));
}

/** Draws the Bridge page. */
export async function renderBridge() {
  const root = document.getElementById('bridge-view');
  let note = '';
  const draw = async () => {
    const [bridge, recent] = await Promise.all([api('bridge'), api('logs')]);
    lines = recent.slice(-MAX_LINES);
    const health = bridge.health;
    fill(root,
      h('div', { class: 'card' }, h('h2', {}, 'Health ', topic('bridge/request/health'), ' ', topic('bridge/state')),
        facts({ version: bridge.version, uptime_s: health.uptime_s, scanners: `${health.scanners.online} of ${health.scanners.total} online`, queue: `${health.queue.running} running, ${health.queue.queued} queued`, memory_rss_mb: health.memory_rss_mb }),
        health.last_errors.length ? h('ul', {}, health.last_errors.map((e) => h('li', { class: 'error' }, `${e.at} ${e.scanner ?? ''} ${e.code}: ${e.message}`))) : null,
        h('div', { class: 'row' }, h('button', { type: 'button', id: 'discover', onclick: async (e) => {
          e.target.disabled = true;
          try { const r = await api('discover', { method: 'POST', body: {} }); note = `Discovery done: ${r.scanners} scanner(s).`; } catch (err) { note = err.message; }
          await draw();
        } }, 'Discover now'), topic('bridge/request/discover'), note ? h('span', { role: 'status' }, note) : null)),
      h('div', { class: 'card' }, h('h2', {}, 'Log'),
        h('label', {}, 'Level', h('select', { id: 'log-level', onchange: (e) => { minLevel = Number(e.target.value); drawLog(); } },
          Object.entries(LEVELS).map(([name, v]) => h('option', { value: v, selected: v === minLevel }, name)))),
        h('div', { class: 'log', id: 'log', 'aria-live': 'off' })),
      h('div', { class: 'card' }, h('h2', {}, 'Configuration (secrets hidden) ', topic('bridge/info')), h('pre', { id: 'config' }, JSON.stringify(bridge.config, null, 2))),
    );
    drawLog();
  };
  try {
    await draw();
  } catch (error) {
    fill(root, h('p', { class: 'error' }, error.message));
  }
}
