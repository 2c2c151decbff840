// Every use of @vscode/webview-ui-toolkit lives in this file. The toolkit is archived and deprecated
// since January 2025; replacing it (for example with @vscode-elements/elements) means rewriting
// these few functions and nothing else. Elements are built with createElement and textContent.
import {
  provideVSCodeDesignSystem,
  vsCodeButton,
  vsCodeDataGrid,
  vsCodeDataGridCell,
  vsCodeDataGridRow,
  vsCodeDivider,
  vsCodePanels,
  vsCodePanelTab,
  vsCodePanelView,
} from '@vscode/webview-ui-toolkit';
import { append, Attributes, Child } from './dom';

/** Registers only the components the dashboard uses, which keeps the bundle small. */
export function registerToolkit(): void {
  provideVSCodeDesignSystem().register(
    vsCodeButton(),
    vsCodeDataGrid(),
    vsCodeDataGridCell(),
    vsCodeDataGridRow(),
    vsCodeDivider(),
    vsCodePanels(),
    vsCodePanelTab(),
    vsCodePanelView(),
  );
}

function element(tag: string, attributes: Attributes, children: readonly Child[]): HTMLElement {
  const e = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) if (value !== undefined && name !== 'style') e.setAttribute(name, String(value));
  append(e, children);
  return e;
}

export interface ButtonOptions {
  appearance?: 'primary' | 'secondary';
  testId?: string;
  title?: string;
  /** The name a screen reader reads when the visible label alone is ambiguous ("Copy" → "Copy the PgBouncer settings"). */
  ariaLabel?: string;
  pid?: number;
  disabled?: boolean;
}

export function button(label: string, onClick: (target: HTMLElement) => void, options: ButtonOptions = {}): HTMLElement {
  const b = element(
    'vscode-button',
    { appearance: options.appearance ?? 'secondary', 'data-testid': options.testId, title: options.title, 'aria-label': options.ariaLabel, 'data-pid': options.pid },
    [label],
  );
  if (options.disabled) b.setAttribute('disabled', '');
  b.addEventListener('click', () => {
    if (!b.hasAttribute('disabled')) onClick(b);
  });
  return b;
}

export function setButtonDisabled(b: HTMLElement, disabled: boolean): void {
  if (disabled) b.setAttribute('disabled', '');
  else b.removeAttribute('disabled');
}

/**
 * A badge in the toolkit's look. Not <vscode-badge>: its template carries a style attribute, which
 * the CSP (no 'unsafe-inline' styles) reports as a violation every time the template is parsed.
 */
export function badge(text: string, testId?: string): HTMLElement {
  return element('span', { class: 'badge', 'data-testid': testId }, [text]);
}

export function divider(): HTMLElement {
  return element('vscode-divider', { role: 'separator' }, []);
}

export interface GridColumn {
  title: string;
  /** A CSS grid track size, e.g. '6em' or '2fr'. */
  width: string;
}

export interface GridRow {
  cells: readonly Child[];
  attributes?: Attributes;
}

export function dataGrid(columns: readonly GridColumn[], rows: readonly GridRow[], attributes: Attributes = {}): HTMLElement {
  const grid = element('vscode-data-grid', { ...attributes, 'generate-header': 'none', 'grid-template-columns': columns.map((c) => c.width).join(' ') }, []);
  const header = element('vscode-data-grid-row', { 'row-type': 'header' }, []);
  columns.forEach((column, i) => header.appendChild(element('vscode-data-grid-cell', { 'cell-type': 'columnheader', 'grid-column': i + 1 }, [column.title])));
  grid.appendChild(header);
  for (const row of rows) {
    const r = element('vscode-data-grid-row', row.attributes ?? {}, []);
    row.cells.forEach((cell, i) => r.appendChild(element('vscode-data-grid-cell', { 'grid-column': i + 1 }, [cell])));
    grid.appendChild(r);
  }
  return grid;
}

export interface Tab {
  id: string;
  title: string;
}

/** Tabs whose views stay in place across updates (so the selected tab survives a refresh). */
export function tabs(list: readonly Tab[], attributes: Attributes = {}): { element: HTMLElement; views: Map<string, HTMLElement> } {
  const panels = element('vscode-panels', attributes, []);
  const views = new Map<string, HTMLElement>();
  for (const tab of list) panels.appendChild(element('vscode-panel-tab', { id: `tab-${tab.id}` }, [tab.title]));
  for (const tab of list) {
    const view = element('vscode-panel-view', { id: `view-${tab.id}` }, []);
    views.set(tab.id, view);
    panels.appendChild(view);
  }
  return { element: panels, views };
}
