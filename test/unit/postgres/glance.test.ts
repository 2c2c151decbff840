import * as assert from 'node:assert/strict';
import { ageText, glanceOf, loadOf } from '../../../src/postgres/glance';
import { DatabaseState, Overview } from '../../../src/postgres/store';
import { session, snapshot as makeSnapshot } from '../dashboard/snapshotFixtures';

// What a database row and the status bar show, from the store's state: the held monitor's snapshot
// while it is live, else the overview's number (or the last snapshot, whichever is newer), else the error.
describe('glance: what a database shows at a glance', () => {
  const snapshot = makeSnapshot([session({ database: 'orders' }), session({ database: 'orders' }), session({ database: 'billing' })]);
  const usage = (at: number, used = 40): Overview => ({
    kind: 'usage',
    at,
    server: '127.0.0.1:5432',
    used,
    capacity: 97,
    maxConnections: 100,
    databaseSessions: 7,
    byState: { idle: 7 },
    source: 'probe',
  });
  const state = (partial: Partial<DatabaseState>): DatabaseState => ({
    name: 'orders',
    status: { kind: 'idle' },
    snapshot: undefined,
    overview: undefined,
    history: [],
    peak: 0,
    ...partial,
  });

  it('shows the held snapshot while the monitor is live, counting the database\'s own sessions', () => {
    const g = glanceOf(state({ status: { kind: 'live' }, snapshot, overview: usage(Date.now() + 60_000), history: [{ at: 1000, used: 3, capacity: 97, maxConnections: 100, byState: {} }] }), 'orders');
    assert.equal(g.kind, 'usage');
    if (g.kind !== 'usage') return;
    assert.equal(g.held, true);
    assert.equal(g.used, snapshot.used);
    assert.equal(g.databaseSessions, 2);
    assert.equal(g.at, 1000);
  });

  it('shows the overview when nothing holds the database, or the last snapshot when that is newer', () => {
    const fromOverview = glanceOf(state({ overview: usage(5000), snapshot, history: [{ at: 1000, used: 3, capacity: 97, maxConnections: 100, byState: {} }] }), 'orders');
    assert.equal(fromOverview.kind === 'usage' && !fromOverview.held && fromOverview.used === 40 && fromOverview.databaseSessions === 7, true);
    const fromSnapshot = glanceOf(state({ overview: usage(500), snapshot, history: [{ at: 1000, used: 3, capacity: 97, maxConnections: 100, byState: {} }] }), 'orders');
    assert.equal(fromSnapshot.kind === 'usage' && !fromSnapshot.held && fromSnapshot.used === snapshot.used, true);
  });

  it('shows errors: a held monitor that failed, and an overview that could not look', () => {
    assert.deepEqual(
      { ...glanceOf(state({ status: { kind: 'failed', reason: 'Wrong password' } }), 'orders'), at: 0 },
      { kind: 'error', message: 'Wrong password', at: 0, retrying: false },
    );
    const g = glanceOf(state({ overview: { kind: 'error', at: 42, server: '127.0.0.1:1', message: 'Server not reachable' } }), 'orders');
    assert.deepEqual(g, { kind: 'error', message: 'Server not reachable', at: 42, retrying: true });
    assert.deepEqual(glanceOf(undefined, 'orders'), { kind: 'pending' });
  });

  it('orders by load: down first, then the fullest, pending last', () => {
    const down = loadOf({ kind: 'error', message: 'x', at: 0, retrying: true });
    const full = loadOf({ kind: 'usage', used: 96, capacity: 97, databaseSessions: 1, at: 0, held: false });
    const light = loadOf({ kind: 'usage', used: 3, capacity: 97, databaseSessions: 1, at: 0, held: false });
    assert.ok(down > full && full > light && light > loadOf({ kind: 'pending' }));
  });

  it('says how old a number is', () => {
    assert.equal(ageText(10_000, 22_400), '12 s ago');
    assert.equal(ageText(0, 180_000), '3 min ago');
    assert.equal(ageText(0, 7_200_000), '2 h ago');
  });
});
