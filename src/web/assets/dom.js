// Small DOM and API helpers shared by the pages. Every URL is relative, so the page works
// under Home Assistant's ingress prefix as well as at the root.

/** Builds an element: h('div', {class: 'x', onclick: fn}, 'text', child). */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith('on')) el.addEventListener(key.slice(2), value);
    else if (key === 'dataset') Object.assign(el.dataset, value);
    else el.setAttribute(key, value === true ? '' : String(value));
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

/** Replaces the children of `el`. */
export function fill(el, ...children) {
  el.replaceChildren();
  for (const child of children.flat()) if (child !== undefined && child !== null && child !== false) el.append(child);
  return el;
}

/**
 * Makes `el` look like `next` while keeping every node that stays the same kind, so a live
 * update does not take away the keyboard focus, a text selection or an open <details>.
 * Listeners stay those of the kept nodes: callers give a node a `data-key` when what it
 * stands for can change (a different key replaces the node).
 */
export function morph(el, next) {
  for (const { name } of [...el.attributes]) if (!next.hasAttribute(name)) el.removeAttribute(name);
  for (const { name, value } of [...next.attributes]) if (el.getAttribute(name) !== value) el.setAttribute(name, value);
  const kids = [...next.childNodes];
  kids.forEach((kid, i) => {
    const old = el.childNodes[i];
    if (!old) el.append(kid);
    else if (!sameKind(old, kid)) old.replaceWith(kid);
    else if (old.nodeType === Node.TEXT_NODE) { if (old.nodeValue !== kid.nodeValue) old.nodeValue = kid.nodeValue; }
    else morph(old, kid);
  });
  while (el.childNodes.length > kids.length) el.lastChild.remove();
  return el;
}

function sameKind(a, b) {
  if (a.nodeType !== b.nodeType) return false;
  if (a.nodeType !== Node.ELEMENT_NODE) return true;
  return a.tagName === b.tagName && a.dataset.key === b.dataset.key;
}

/** Calls the API; resolves with the JSON body, rejects with its error message. */
export async function api(path, options = {}) {
  const init = { method: options.method ?? 'GET', headers: {}, credentials: 'same-origin' };
  if (options.body !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(options.body);
  }
  const res = await fetch(`api/${path}`, init);
  const body = res.headers.get('content-type')?.includes('json') ? await res.json() : undefined;
  if (!res.ok) throw new Error(body?.error?.message ?? `HTTP ${res.status}`);
  return body;
}

let baseTopic = 'scan2mqtt';
/** Sets the MQTT base topic the topic labels start with. */
export function setBaseTopic(topic) {
  baseTopic = topic;
}

/** The MQTT topic a shown value comes from, as a button that copies it. */
export function topic(suffix) {
  const text = `${baseTopic}/${suffix}`;
  return h('button', {
    type: 'button', class: 'topic', title: 'MQTT topic (click to copy)', 'aria-label': `MQTT topic ${text}, copy`,
    // Reads its own text, which stays true when a live update changes the label in place.
    onclick: (e) => navigator.clipboard?.writeText(e.currentTarget.textContent).catch(() => undefined),
  }, text);
}

/** Bytes as KiB/MiB. */
export function size(bytes) {
  if (bytes === undefined || bytes === null) return '';
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(0)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

/** A document's id as a URL path segment. */
export const docPath = (id) => encodeURIComponent(id);
