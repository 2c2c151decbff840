// Small DOM builders. Text only ever goes in through text nodes (textContent), never innerHTML:
// application names, users and queries come from clients and are hostile input.

export type Child = Node | string | number | null | undefined | false;

export type Attributes = Record<string, string | number | undefined>;

function setAttributes(element: Element, attributes: Attributes): void {
  for (const [name, value] of Object.entries(attributes)) {
    // Inline styles would need 'unsafe-inline' in the CSP; everything is styled by class.
    if (value === undefined || name === 'style') continue;
    element.setAttribute(name, String(value));
  }
}

export function append(parent: Node, children: readonly Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    parent.appendChild(typeof child === 'string' || typeof child === 'number' ? document.createTextNode(String(child)) : child);
  }
}

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attributes: Attributes = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  setAttributes(element, attributes);
  append(element, children);
  return element;
}

const SVG_NS = 'http://www.w3.org/2000/svg';

export function svg<K extends keyof SVGElementTagNameMap>(tag: K, attributes: Attributes = {}, ...children: Child[]): SVGElementTagNameMap[K] {
  const element = document.createElementNS(SVG_NS, tag);
  setAttributes(element, attributes);
  append(element, children);
  return element;
}

/** Replaces the children, putting keyboard focus back on the element with the same test id and pid. */
export function replaceContent(container: Element, children: readonly Child[]): void {
  const focused = document.activeElement;
  const key = focused && container.contains(focused) ? focusKey(focused) : undefined;
  container.replaceChildren();
  append(container, children);
  if (key) {
    const again = [...container.querySelectorAll<HTMLElement>('[data-testid]')].find((e) => focusKey(e) === key);
    again?.focus();
  }
}

function focusKey(element: Element): string | undefined {
  const id = element.getAttribute('data-testid');
  return id ? `${id}#${element.getAttribute('data-pid') ?? ''}` : undefined;
}
