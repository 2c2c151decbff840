// The theme variables VS Code puts on a webview's <html>, for the colours the dashboard and the
// toolkit read, with the values of Default Light Modern, Default Dark Modern and Default High Contrast.
// Only for rendering the webview outside VS Code.

function theme(vars: Record<string, string>): string {
  return `html { ${Object.entries(vars).map(([k, v]) => `--vscode-${k}: ${v};`).join(' ')} }`;
}

const common = { 'font-family': 'system-ui, sans-serif', 'font-size': '13px', 'editor-font-family': 'monospace', 'editor-font-size': '12px' };

export const THEMES: Record<string, string> = {
  light: theme({
    ...common,
    foreground: '#3b3b3b', 'editor-background': '#ffffff', 'sideBar-background': '#f8f8f8', 'descriptionForeground': '#717171',
    'panel-border': '#e5e5e5', 'widget-border': '#e5e5e5', 'input-background': '#ffffff', 'textCodeBlock-background': '#f8f8f8',
    'button-background': '#005fb8', 'button-foreground': '#ffffff', 'button-secondaryBackground': '#e5e5e5', 'button-secondaryForeground': '#3b3b3b',
    'badge-background': '#cccccc', 'badge-foreground': '#3b3b3b', 'errorForeground': '#f85149', 'editorWarning-foreground': '#bf8803',
    'charts-foreground': '#616161', 'charts-lines': 'rgba(97, 97, 97, 0.5)', 'charts-red': '#e51400', 'charts-blue': '#1a85ff',
    'charts-yellow': '#bf8803', 'charts-orange': '#d18616', 'charts-green': '#388a34', 'charts-purple': '#652d90',
    'focusBorder': '#005fb8', 'panelTitle-activeForeground': '#3b3b3b', 'panelTitle-activeBorder': '#005fb8', 'panelTitle-inactiveForeground': '#3b3b3b',
  }),
  dark: theme({
    ...common,
    foreground: '#cccccc', 'editor-background': '#1f1f1f', 'sideBar-background': '#181818', 'descriptionForeground': '#9d9d9d',
    'panel-border': '#2b2b2b', 'widget-border': '#313131', 'input-background': '#313131', 'textCodeBlock-background': '#2b2b2b',
    'button-background': '#0078d4', 'button-foreground': '#ffffff', 'button-secondaryBackground': '#313131', 'button-secondaryForeground': '#cccccc',
    'badge-background': '#616161', 'badge-foreground': '#f8f8f8', 'errorForeground': '#f85149', 'editorWarning-foreground': '#cca700',
    'charts-foreground': '#cccccc', 'charts-lines': 'rgba(204, 204, 204, 0.5)', 'charts-red': '#f14c4c', 'charts-blue': '#3794ff',
    'charts-yellow': '#cca700', 'charts-orange': '#d18616', 'charts-green': '#89d185', 'charts-purple': '#b180d7',
    'focusBorder': '#0078d4', 'panelTitle-activeForeground': '#cccccc', 'panelTitle-activeBorder': '#0078d4', 'panelTitle-inactiveForeground': '#9d9d9d',
  }),
  'high-contrast': theme({
    ...common,
    foreground: '#ffffff', 'editor-background': '#000000', 'sideBar-background': '#000000', 'descriptionForeground': 'rgba(255, 255, 255, 0.7)',
    'panel-border': '#6fc3df', 'widget-border': '#6fc3df', 'contrastBorder': '#6fc3df', 'input-background': '#000000', 'textCodeBlock-background': '#000000',
    'button-background': '#000000', 'button-foreground': '#ffffff', 'button-border': '#6fc3df', 'button-secondaryBackground': '#000000', 'button-secondaryForeground': '#ffffff',
    'badge-background': '#000000', 'badge-foreground': '#ffffff', 'errorForeground': '#f48771', 'editorWarning-foreground': '#ffd370',
    'charts-foreground': '#ffffff', 'charts-lines': 'rgba(255, 255, 255, 0.5)', 'charts-red': '#f14c4c', 'charts-blue': '#3794ff',
    'charts-yellow': '#ffd370', 'charts-orange': '#d18616', 'charts-green': '#89d185', 'charts-purple': '#b180d7',
    'focusBorder': '#f38518', 'panelTitle-activeForeground': '#ffffff', 'panelTitle-activeBorder': '#6fc3df', 'panelTitle-inactiveForeground': '#ffffff',
  }),
};
