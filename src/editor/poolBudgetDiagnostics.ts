// The pool budget in the editor: a pool whose maximum alone, times its replicas, exceeds the capacity
// of the database it connects to gets a warning at its constructor. The database is the one the code
// names, matched to a monitored connection's; when the code names none and one database is monitored,
// that one. Updated when the pools change (Analyze Workspace, saves, the disk) and as capacities are read.
import * as vscode from 'vscode';
import type { PoolSite } from '../analysis/sql/pools';
import { poolOverCapacity, replicasOf, type Replicas } from '../dashboard/poolBudget';
import { connectedDatabase } from '../postgres/snapshot';
import type { DatabaseState } from '../postgres/store';

export const POOL_BUDGET_CODE = 'pool-budget';

interface Capacity {
  connection: string;
  database: string | undefined;
  capacity: number;
}

export class PoolBudgetDiagnostics implements vscode.Disposable {
  private readonly collection = vscode.languages.createDiagnosticCollection('pg-health-pools');
  private shown = '';
  private readonly subscriptions: vscode.Disposable[];

  constructor(
    private readonly pools: () => { file: string; pool: PoolSite }[],
    private readonly databases: () => readonly DatabaseState[],
    private readonly replicas: () => Replicas,
    changes: vscode.Event<unknown>[],
  ) {
    this.subscriptions = changes.map((event) => event(() => this.update()));
  }

  update(): void {
    const capacities: Capacity[] = this.databases().flatMap((db) =>
      db.snapshot ? [{ connection: db.name, database: connectedDatabase(db.snapshot), capacity: db.snapshot.capacity }] : [],
    );
    const replicas = this.replicas();
    const byFile = new Map<string, vscode.Diagnostic[]>();
    for (const { file, pool } of this.pools()) {
      const target = pool.database !== undefined ? capacities.filter((c) => c.database === pool.database) : capacities.length === 1 ? capacities : [];
      // Several connections to databases of that name: the smallest capacity decides.
      const tightest = target.sort((a, b) => a.capacity - b.capacity)[0];
      if (!tightest) continue;
      const message = poolOverCapacity(pool, replicasOf(replicas, pool.applicationName), tightest.capacity, tightest.connection);
      if (!message) continue;
      const r = pool.range;
      const diagnostic = new vscode.Diagnostic(new vscode.Range(r.startLine, r.startColumn, r.endLine, r.endColumn), message, vscode.DiagnosticSeverity.Warning);
      diagnostic.source = 'pg-health';
      diagnostic.code = POOL_BUDGET_CODE;
      const list = byFile.get(file) ?? [];
      list.push(diagnostic);
      byFile.set(file, list);
    }
    const key = JSON.stringify([...byFile].map(([file, list]) => [file, list.map((d) => [d.range.start.line, d.message])]));
    if (key === this.shown) return;
    this.shown = key;
    this.collection.clear();
    for (const [file, list] of byFile) this.collection.set(vscode.Uri.parse(file), list);
  }

  dispose(): void {
    for (const s of this.subscriptions) s.dispose();
    this.collection.dispose();
  }
}
