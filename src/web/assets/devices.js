// Devices: every scanner with protocol, address, online state, live status, feeder state,
// capabilities as a table and the bound triggers, each beside the MQTT topic it comes from.
import { h, morph, topic } from './dom.js';

const SOURCE_NAMES = { platen: 'Flatbed', adf: 'Feeder', adf_duplex: 'Feeder, both sides' };

function capabilitiesTable(caps) {
  const sources = Object.entries(caps?.sources ?? {});
  if (sources.length === 0) return h('p', { class: 'muted' }, 'Capabilities not known yet.');
  return h('div', { class: 'scroll' }, h('table', {},
    h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Source'), h('th', { scope: 'col' }, 'Resolutions (dpi)'), h('th', { scope: 'col' }, 'Colour'), h('th', { scope: 'col' }, 'Formats'), h('th', { scope: 'col' }, 'Max area (mm)'))),
    h('tbody', {}, sources.map(([name, s]) => h('tr', {},
      h('th', { scope: 'row' }, SOURCE_NAMES[name] ?? name),
      h('td', {}, s.resolutions.join(', ')),
      h('td', {}, s.color_modes.join(', ')),
      h('td', {}, s.formats.join(', ')),
      h('td', {}, `${s.max_width_mm} × ${s.max_height_mm}`)))),
  ));
}

function scannerCard(s) {
  const st = s.state;
  const online = s.online;
  return h('article', { class: 'card', 'data-scanner': s.id, 'data-key': s.id, 'aria-label': s.name },
    h('h2', {}, s.name, ' ', h('span', { class: `badge ${online ? 'on' : 'off'}`, 'data-field': 'online' }, online ? 'online' : 'offline')),
    h('dl', { class: 'facts' },
      h('dt', {}, 'Id'), h('dd', {}, s.id, ' ', topic('bridge/devices')),
      h('dt', {}, 'Model'), h('dd', {}, [s.manufacturer, s.model].filter(Boolean).join(' ') || '—'),
      h('dt', {}, 'Protocol'), h('dd', {}, s.protocol),
      h('dt', {}, 'Address'), h('dd', {}, s.url),
      s.admin_url ? [h('dt', {}, 'Admin page'), h('dd', {}, h('a', { href: s.admin_url, target: '_blank', rel: 'noopener noreferrer' }, s.admin_url))] : null,
      h('dt', {}, 'Availability'), h('dd', {}, online ? 'online' : 'offline', ' ', topic(`${s.id}/availability`)),
      h('dt', {}, 'Status'), h('dd', { 'data-field': 'status' }, st?.status ?? 'unknown', ' ', topic(s.id)),
      h('dt', {}, 'Feeder'), h('dd', { 'data-field': 'adf' }, st?.adf ?? 'no feeder reported', ' ', topic(s.id)),
      st?.job ? [h('dt', {}, 'Last job'), h('dd', {}, `${st.job.state}, ${st.job.pages} page(s)`, ' ', topic(`${s.id}/job`))] : null,
    ),
    h('h3', {}, 'Capabilities ', topic(`${s.id}/capabilities`)),
    capabilitiesTable(s.capabilities),
    h('h3', {}, 'Triggers ', topic(`${s.id}/button`)),
    (s.triggers ?? []).length === 0
      ? h('p', { class: 'muted' }, s.capabilities?.buttons?.length ? `Buttons ${s.capabilities.buttons.join(', ')}; none bound (config buttons).` : 'No buttons bound.')
      : h('ul', {}, s.triggers.map((t) => h('li', {}, `${t.button}: ${t.action}${t.profile ? ` with profile ${t.profile}` : ''}`))),
    h('div', { class: 'row' }, h('a', { href: '#scan', onclick: () => { window.scan2mqttSelect?.(s.id); } }, 'Scan with this scanner')),
  );
}

/**
 * Draws the Devices page. State events arrive often (every status poll while a job runs), so
 * the page is updated in place: a control that has the keyboard focus keeps it.
 */
export function renderDevices(state) {
  const list = [...state.scanners.values()].sort((a, b) => a.name.localeCompare(b.name));
  const next = h('div', { id: 'devices-view' },
    list.length === 0 ? h('p', { class: 'muted' }, 'No scanner found yet. ', h('a', { href: '#bridge' }, 'Discover now')) : h('div', { 'data-key': 'list' }, list.map(scannerCard)),
  );
  morph(document.getElementById('devices-view'), next);
}
