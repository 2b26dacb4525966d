// DOM building without innerHTML: every value becomes a text node, so nothing the platform stores
// (a reason, a model name, an audit subject) can inject markup into the console.

/**
 * An element: h('td', { class: 'num', dataset: { value: 0.5 } }, '0.500').
 * Attributes starting with `on` are event listeners; `dataset` sets data-* attributes.
 */
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'dataset') for (const [k, v] of Object.entries(value)) el.dataset[k] = String(v);
    else if (key.startsWith('on') && typeof value === 'function') el.addEventListener(key.slice(2), value);
    else if (key === 'style')
      el.style.cssText = String(value); // through the CSSOM: the console's CSP allows no inline style attribute
    else el.setAttribute(key, value === true ? '' : String(value));
  }
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

/** A number to `digits` decimals (— for null / undefined / non-finite). */
export function fmt(value, digits = 4) {
  return typeof value === 'number' && Number.isFinite(value) ? value.toFixed(digits) : '—';
}

/** An ISO time as `YYYY-MM-DD HH:MM:SS` (UTC). */
export function when(iso) {
  return typeof iso === 'string' ? iso.replace('T', ' ').replace(/\.\d+Z$/, 'Z') : '—';
}

/** A table: header labels, then rows of cells (a cell is a node, text or a `{ text, attrs }`). */
export function table(headers, rows, attrs) {
  return h(
    'div',
    { class: 'table-wrap' },
    h(
      'table',
      attrs || {},
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          headers.map((x) => h('th', { scope: 'col' }, x)),
        ),
      ),
      h(
        'tbody',
        {},
        rows.map((row) =>
          h(
            'tr',
            {},
            row.map((cell) =>
              cell && typeof cell === 'object' && !(cell instanceof Node) && 'text' in cell ? h('td', cell.attrs || {}, cell.text) : h('td', {}, cell),
            ),
          ),
        ),
      ),
    ),
  );
}

/** A titled section (card). */
export function card(title, ...children) {
  return h('section', { class: 'card' }, h('h2', {}, title), ...children);
}

/** A canvas in a sized box, drawn once it is in the document by `draw(canvas)`. */
export function chartBox(label, draw, tall) {
  const canvas = h('canvas', { role: 'img', 'aria-label': label });
  const box = h('div', { class: tall ? 'chart tall' : 'chart' }, canvas);
  queueMicrotask(() => draw(canvas));
  return box;
}

/** A figure: label and value, with the raw number in data-value for tests and copy. */
export function stat(label, value, digits = 4, name) {
  return h(
    'div',
    { class: 'stat', dataset: { stat: name || label, value: typeof value === 'number' ? value : '' } },
    h('span', { class: 'stat-label' }, label),
    h('span', { class: 'stat-value' }, typeof value === 'number' ? fmt(value, digits) : (value ?? '—')),
  );
}
