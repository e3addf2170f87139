// The scan area drawn on a page outline: drag on it (or use the preset list) to choose the region in mm.
import { h } from './dom.js';

/** Paper sizes offered as areas, in mm. */
export const AREA_PRESETS = { A4: { width: 210, height: 297 }, A5: { width: 148, height: 210 }, Letter: { width: 215.9, height: 279.4 }, 'Photo 10×15': { width: 100, height: 150 } };
const SVG = 'http://www.w3.org/2000/svg';

function svg(tag, attrs) {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  return el;
}

/** An outline of the source's largest page with the area on it; `onchange` gets the new region (mm). */
export function pageOutline(src, area, onchange) {
  const W = src.max_width_mm;
  const H = src.max_height_mm;
  const clampArea = (a) => ({ x: Math.max(0, a.x), y: Math.max(0, a.y), width: Math.min(a.width, W - Math.max(0, a.x)), height: Math.min(a.height, H - Math.max(0, a.y)) });
  let current = clampArea(area);
  const outline = svg('svg', { viewBox: `0 0 ${W} ${H}`, class: 'outline', role: 'img', 'aria-label': 'Scan area on the page; drag to choose' });
  const rect = svg('rect', { class: 'area' });
  const place = () => { rect.setAttribute('x', current.x); rect.setAttribute('y', current.y); rect.setAttribute('width', current.width); rect.setAttribute('height', current.height); };
  place();
  outline.append(rect);
  const toMm = (e) => {
    const box = outline.getBoundingClientRect();
    return { x: Math.min(W, Math.max(0, ((e.clientX - box.left) / box.width) * W)), y: Math.min(H, Math.max(0, ((e.clientY - box.top) / box.height) * H)) };
  };
  let from = null;
  outline.addEventListener('pointerdown', (e) => { from = toMm(e); outline.setPointerCapture(e.pointerId); });
  outline.addEventListener('pointermove', (e) => {
    if (!from) return;
    const to = toMm(e);
    current = { x: Math.min(from.x, to.x), y: Math.min(from.y, to.y), width: Math.abs(to.x - from.x), height: Math.abs(to.y - from.y) };
    place();
  });
  outline.addEventListener('pointerup', () => {
    from = null;
    if (current.width < 5 || current.height < 5) current = { x: 0, y: 0, width: W, height: H };
    const round = (v) => Math.round(v * 10) / 10;
    current = { x: round(current.x), y: round(current.y), width: round(current.width), height: round(current.height) };
    place();
    onchange(current.x === 0 && current.y === 0 && current.width === W && current.height === H ? null : current);
  });
  return h('div', {}, outline, h('div', { class: 'muted' }, `Page ${W} × ${H} mm`));
}
