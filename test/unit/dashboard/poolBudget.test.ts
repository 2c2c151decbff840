// The pool budget: the pools of the workspace that may connect to a database, their maxima times
// their replicas, against capacity.
import * as assert from 'node:assert/strict';
import type { PoolSite } from '../../../src/analysis/sql/pools';
import { buildPoolBudget, poolOverCapacity, replicasOf, sessionsByApplication } from '../../../src/dashboard/poolBudget';

const range = { startLine: 0, startColumn: 0, endLine: 0, endColumn: 10 };
const pool = (max: number, more: Partial<PoolSite> = {}): PoolSite => ({ kind: 'node-postgres', max, defaulted: false, how: `max ${max}`, range, ...more });

describe('the pool budget', () => {
  const pools = [
    { place: 'src/api.js:3', pool: pool(20, { applicationName: 'orders-api', database: 'shop' }) },
    { place: 'jobs/db.py:5', pool: pool(10, { kind: 'psycopg2', how: 'maxconn 10', applicationName: 'billing' }) },
    { place: 'other/db.js:1', pool: pool(50, { database: 'analytics' }) },
  ];
  const seen = new Map([['orders-api', 7]]);

  it('sums the pools that may connect here, one process each, and says how many more replicas fit', () => {
    const budget = buildPoolBudget(pools, 'shop', 97, {}, seen);
    assert.deepEqual(
      budget?.rows.map((r) => [r.place, r.total, r.now, r.database]),
      [
        ['src/api.js:3', 20, 7, 'shop'],
        ['jobs/db.py:5', 10, 0, null],
      ],
      'the analytics pool connects elsewhere; the billing pool names no database, so it may be this one',
    );
    assert.equal(budget?.summary, '2 pools can open 30 connections per set of processes; capacity 97 leaves room for 2 more replicas');
    assert.equal(budget?.overCapacity, false);
  });

  it('multiplies by the replicas per application_name, "*" for the rest, and says by how much they pass capacity', () => {
    const budget = buildPoolBudget(pools, 'shop', 97, { 'orders-api': 4, '*': 2 }, seen);
    assert.deepEqual(budget?.rows.map((r) => [r.replicas, r.total]), [
      [4, 80],
      [2, 20],
    ]);
    assert.equal(
      budget?.summary,
      '2 pools can open 30 connections per set of processes; 100 with the replicas set; that is 3 more than capacity 97: when they all fill up, new connections fail with "too many clients"',
    );
    assert.equal(budget?.overCapacity, true);
  });

  it('has nothing to say without a pool that may connect here', () => {
    assert.equal(buildPoolBudget([pools[2] as (typeof pools)[number]], 'shop', 97, {}, seen), undefined);
  });

  it('warns at a pool whose maximum alone, with its replicas, passes capacity', () => {
    assert.equal(poolOverCapacity(pool(20), 1, 97, 'shop'), undefined);
    assert.equal(
      poolOverCapacity(pool(40), 3, 97, 'shop'),
      'This pool may open 120 connections (max 40 × 3 replicas), more than the capacity of shop (97): when it fills up, new connections fail with "too many clients".',
    );
    assert.equal(replicasOf({ '*': 0 }, undefined), 1, 'a replica count below 1 reads as 1');
  });

  it('counts the sessions per application_name, not the monitor', () => {
    const counts = sessionsByApplication([
      { application: 'a', isMonitor: false },
      { application: 'a', isMonitor: false },
      { application: 'pg-health monitor', isMonitor: true },
      { application: null, isMonitor: false },
    ]);
    assert.deepEqual([...counts], [['a', 2]]);
  });
});
