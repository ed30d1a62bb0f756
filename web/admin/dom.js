// DOM building without innerHTML: every piece of server text goes through textContent.

/** h('button', {class: 'primary', onclick: fn, disabled: true}, 'text', childNode, [more]) */
export function h(tag, props, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(props || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'class') el.className = value;
    else if (key === 'text') el.textContent = value;
    else if (key === 'dataset') Object.assign(el.dataset, value);
    else if (key.startsWith('on')) el.addEventListener(key.slice(2), value);
    else if (key === 'value' || key === 'checked' || key === 'selected') el[key] = value;
    // Through the CSSOM: the Content-Security-Policy (style-src 'self') refuses style attributes.
    else if (key === 'style') el.style.cssText = value;
    else el.setAttribute(key, value === true ? '' : String(value));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children) {
    if (child === undefined || child === null || child === false) continue;
    if (Array.isArray(child)) append(el, child);
    else if (child instanceof Node) el.appendChild(child);
    else el.appendChild(document.createTextNode(String(child)));
  }
}

export function clear(el) {
  while (el.firstChild) el.removeChild(el.firstChild);
  return el;
}

export function replace(el, ...children) {
  clear(el);
  append(el, children);
  return el;
}

/** A table from column definitions: [{label, cell: row => node|text, class}]. */
export function table(columns, rows, { empty, rowClass } = {}) {
  const head = h('thead', null, h('tr', null, columns.map((c) => h('th', { class: c.class }, c.label))));
  const body = h('tbody');
  if (rows.length === 0 && empty) {
    body.appendChild(h('tr', null, h('td', { class: 'empty', colspan: columns.length }, empty)));
  }
  for (const row of rows) {
    body.appendChild(
      h('tr', { class: rowClass ? rowClass(row) : null }, columns.map((c) => h('td', { class: c.class }, c.cell(row)))),
    );
  }
  return h('div', { class: 'table-wrap' }, h('table', { class: 'data' }, head, body));
}

/** A labelled form field; `name` ties server errors (`errors[].field`) to it. */
export function field(label, input, { hint, name } = {}) {
  const key = name || input.name;
  if (key) input.name = key;
  return h(
    'label',
    { class: 'field', dataset: { field: key || '' } },
    h('span', { class: 'field-label' }, label),
    input,
    hint ? h('span', { class: 'hint' }, hint) : null,
    h('span', { class: 'field-error', role: 'alert' }),
  );
}

export function badge(text, kind) {
  return h('span', { class: `badge ${kind || ''}` }, text);
}

/** Formats an RFC 3339 time in the browser's zone: 2026-05-18 09:30. */
export function when(iso) {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const p = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}`;
}

/** RFC 3339 → the value of an <input type="datetime-local">, in local time. */
export function toLocalInput(iso) {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  const p = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`;
}

/** The value of an <input type="datetime-local"> → RFC 3339 in UTC, or null when empty. */
export function fromLocalInput(value) {
  if (!value) return null;
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? null : d.toISOString();
}
