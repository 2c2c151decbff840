import * as assert from 'node:assert/strict';
import { contentSecurityPolicy, createNonce, dashboardHtml } from '../../../src/dashboard/dashboardHtml';

describe('dashboard HTML shell', () => {
  const html = dashboardHtml({
    cspSource: 'https://file+.vscode-resource.vscode-cdn.net',
    nonce: 'abc123',
    styleNonce: 'sty1e',
    scriptUri: 'https://x/dist/webview/dashboard.js',
    styleUri: 'https://x/media/dashboard.css',
    title: 'PostgreSQL Health: <b>prod</b>',
  });

  it('allows scripts only by nonce and styles only from the extension', () => {
    const csp = contentSecurityPolicy('https://src', 'n0nce', 'sty1e');
    assert.equal(
      csp,
      "default-src 'none'; script-src 'nonce-n0nce'; style-src https://src 'nonce-sty1e'; img-src https://src data:; font-src https://src",
    );
    assert.ok(!csp.includes('unsafe'));
  });

  it('loads the one bundled script with the nonce, and nothing inline', () => {
    assert.equal(html.match(/<script/g)?.length, 1);
    assert.match(html, /<script nonce="abc123" src="https:\/\/x\/dist\/webview\/dashboard.js"><\/script>/);
    assert.ok(!html.includes('<style'));
    assert.ok(!/ style=/.test(html));
  });

  it('gives the toolkit its style nonce, which is not the script nonce', () => {
    assert.ok(html.includes('<meta property="csp-nonce" content="sty1e">'));
  });

  it('escapes the connection name in the title', () => {
    assert.ok(html.includes('<title>PostgreSQL Health: &#60;b&#62;prod&#60;/b&#62;</title>'));
  });

  it('makes a new nonce each time', () => {
    assert.notEqual(createNonce(), createNonce());
    assert.match(createNonce(), /^[A-Za-z0-9+/]{24}$/);
  });
});
