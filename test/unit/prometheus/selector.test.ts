import * as assert from 'node:assert/strict';
import { defaultSelector, matchesLabels, parseSelector, Selector, withSelector } from '../../../src/prometheus/selector';
import { parsePrometheusUrl, PrometheusError } from '../../../src/prometheus/prometheusClient';
import { fleetView, isLoopback } from '../../../src/dashboard/prometheusModel';

// What a user writes in prometheusSelector and pgHealth.prometheus.url, and what it selects.

describe('Prometheus selectors and URL', () => {
  it('reads matchers with or without braces, commas inside quotes included, and writes them back as PromQL', () => {
    const s = parseSelector('{instance="db1:9187", job=~"orders|billing", env!="a,b"}') as Selector;
    assert.equal(s.text, 'instance="db1:9187",job=~"orders|billing",env!="a,b"');
    assert.equal(withSelector('pg_up', s), 'pg_up{instance="db1:9187",job=~"orders|billing",env!="a,b"}');
    assert.deepEqual(parseSelector('server="127.0.0.1:5432"'), defaultSelector('127.0.0.1', 5432));
  });

  it('selects series as Prometheus would: anchored regular expressions, a missing label is empty', () => {
    const s = parseSelector('{job=~"orders|billing", env!~"dev.*"}') as Selector;
    assert.equal(matchesLabels(s, { job: 'orders', env: 'prod' }), true);
    assert.equal(matchesLabels(s, { job: 'orders-2', env: 'prod' }), false, 'anchored');
    assert.equal(matchesLabels(s, { job: 'billing', env: 'dev-1' }), false);
    assert.equal(matchesLabels(defaultSelector('127.0.0.1', 5432), { job: 'postgres', instance: '127.0.0.1:9187' }), false, 'pg_up has no server label');
  });

  it('says what is wrong with a selector that is not one', () => {
    assert.equal(parseSelector('server=db'), 'Not a Prometheus label matcher: server=db (expected e.g. instance="127.0.0.1:9187").');
    assert.equal(parseSelector('{}'), 'The Prometheus selector is empty: give at least one label matcher, e.g. {instance="127.0.0.1:9187"}.');
    assert.equal(parseSelector('job=~"("'), 'Not a regular expression: (');
  });

  it('takes http and https URLs only, without credentials, and says why not', () => {
    assert.equal(String(parsePrometheusUrl(' http://127.0.0.1:9090 ')), 'http://127.0.0.1:9090/');
    assert.equal(String(parsePrometheusUrl('https://prom.example/prometheus?x=1')), 'https://prom.example/prometheus/');
    const cases: Array<[string, RegExp]> = [
      ['127.0.0.1:9090', /must start with http:\/\/ or https:\/\/ \(got 127\.0\.0\.1:\)|is not a URL/],
      ['not a url', /is not a URL: "not a url"/],
      ['ftp://127.0.0.1', /must start with http:\/\/ or https:\/\/ \(got ftp:\)/],
      ['http://me:secret@127.0.0.1:9090', /must not hold a user or password/],
    ];
    for (const [text, message] of cases) {
      const parsed = parsePrometheusUrl(text);
      assert.ok(parsed instanceof PrometheusError, text);
      assert.match(parsed.message, message);
      assert.ok(!parsed.message.includes('secret'));
    }
  });

  it('the Fleet probes loopback instances only: another host is offered to add without any traffic from the editor', () => {
    assert.deepEqual(['127.0.0.1', '127.3.2.1', '::1', '[::1]', 'localhost', 'db1.internal', '10.0.0.5', '128.0.0.1'].map(isLoopback), [true, true, true, true, true, false, false, false]);
    const probed: string[] = [];
    const instance = (server: string) => ({ key: server, job: 'pg', instance: 'exp:9187', server, used: 1, capacity: 10, maxConnections: 13, peak: 2, headroom: 9, up: true, lastSeen: 0 });
    const view = fleetView(
      { instances: [instance('db1.internal:5432'), instance('127.0.0.1:5999')], rangeMs: 3_600_000, stepMs: 15_000 },
      { range: '1h', connections: [], reachable: (address: string) => (probed.push(address), false) },
    );
    assert.deepEqual(probed, ['127.0.0.1:5999']);
    assert.deepEqual(view.rows.map((r) => [r.label, r.canAdd]), [['db1.internal:5432', true], ['127.0.0.1:5999', false]]);
  });
});
