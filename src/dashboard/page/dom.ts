/** The few DOM helpers the page needs: building elements, state labels and times of day. */

type Child = Node | string | number | false | null | undefined;
type Attrs = Record<string, string | number | boolean | EventListener | undefined>;

/**
 * An element with attributes, event listeners (`onclick: fn`) and children. Text children become
 * text nodes, so nothing from the server is ever parsed as HTML.
 */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Attrs = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === false) continue;
    if (typeof value === 'function') el.addEventListener(key.replace(/^on/, ''), value);
    else if (value === true) el.setAttribute(key, '');
    else el.setAttribute(key, String(value));
  }
  append(el, children);
  return el;
}

function append(parent: Node, children: Child[]): void {
  for (const child of children) {
    if (child === undefined || child === null || child === false) continue;
    parent.appendChild(typeof child === 'object' ? child : document.createTextNode(String(child)));
  }
}

/** Replace everything inside `parent`. */
export function fill(parent: Element, ...children: Child[]): void {
  parent.replaceChildren();
  append(parent, children);
}

/** A time of day (today) or a date and time (earlier), in the browser's locale. */
export function formatTime(epochMs: number): string {
  const d = new Date(epochMs);
  return d.toDateString() === new Date().toDateString() ? d.toLocaleTimeString() : d.toLocaleString();
}

/** A coloured label for a state (`running`, `up-to-date`, `failed`, ...). */
export function pill(text: string): HTMLSpanElement {
  return h('span', { class: `pill pill-${tone(text)}` }, text);
}

function tone(state: string): string {
  if (/^(up-to-date|running|succeeded|done|live)$/i.test(state)) return 'good';
  if (/(fail|error|dead|killed|lost|terminat|refused)/i.test(state)) return 'bad';
  if (/^(cancelled|stopped)$/i.test(state)) return 'muted';
  return 'busy';
}
