// Commands behind the "Get started" walkthrough (package.json contributes.walkthroughs): copy the SQL
// for a monitoring role, turn on fix-on-save, and open the walkthrough from the Databases view.
import * as vscode from 'vscode';

export const WALKTHROUGH_ID = 'pg-health.pg-connection-health#pgHealth.gettingStarted';

const ROLE_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/** The statements that give a role what the extension needs, for a server version (16 or newer, or older). */
export function monitoringRoleSql(role: string, sixteenOrNewer: boolean): string {
  if (!ROLE_NAME.test(role)) throw new Error(vscode.l10n.t('"{0}" is not a plain role name (lowercase letters, digits and _).', role));
  const lines = [
    `CREATE ROLE ${role} LOGIN;`,
    `\\password ${role}`,
    `GRANT pg_monitor TO ${role};          -- see every session and its query`,
    `GRANT pg_signal_backend TO ${role};   -- terminate / cancel other (non-superuser) sessions`,
  ];
  if (sixteenOrNewer) {
    lines.push(
      '-- keep a way in when the server is full (reserved_connections needs a restart)',
      'ALTER SYSTEM SET reserved_connections = 3;',
      `GRANT pg_use_reserved_connections TO ${role};`,
    );
  }
  return lines.join('\n') + '\n';
}

/** Asks for the server version and the role's name, copies the SQL and says how to run it. */
export async function copyMonitoringRoleSql(): Promise<boolean> {
  const version = await vscode.window.showQuickPick(
    [
      { label: vscode.l10n.t('PostgreSQL 16 or newer'), detail: vscode.l10n.t('pg_monitor, pg_signal_backend and pg_use_reserved_connections'), sixteen: true },
      { label: vscode.l10n.t('PostgreSQL 10 to 15'), detail: vscode.l10n.t('pg_monitor and pg_signal_backend'), sixteen: false },
    ],
    { title: vscode.l10n.t('Monitoring role (1/2): which server version?') },
  );
  if (!version) return false;
  const role = await vscode.window.showInputBox({
    title: vscode.l10n.t('Monitoring role (2/2): its name'),
    value: 'pg_health_monitor',
    validateInput: (v) => (ROLE_NAME.test(v.trim()) ? undefined : vscode.l10n.t('Lowercase letters, digits and _, starting with a letter or _')),
  });
  if (role === undefined) return false;
  await vscode.env.clipboard.writeText(monitoringRoleSql(role.trim(), version.sixteen));
  void vscode.window.showInformationMessage(
    vscode.l10n.t({
      message: "The SQL for {0} is on the clipboard. Run it in psql as a superuser (\\password asks for the new password), then use {0} as the connection's user.",
      args: [role.trim()],
      comment: ['\\password is the psql command that sets a password; keep it as it is'],
    }),
  );
  return true;
}

/** Adds "source.fixAll.pgHealth": "explicit" to the user's editor.codeActionsOnSave, keeping what is there. */
export async function enableFixOnSave(): Promise<void> {
  const config = vscode.workspace.getConfiguration('editor');
  const current = config.inspect<unknown>('codeActionsOnSave')?.globalValue;
  let next: unknown;
  if (Array.isArray(current)) next = current.includes('source.fixAll.pgHealth') ? current : [...current, 'source.fixAll.pgHealth'];
  else next = { ...(current && typeof current === 'object' ? current : {}), 'source.fixAll.pgHealth': 'explicit' };
  await config.update('codeActionsOnSave', next, vscode.ConfigurationTarget.Global);
  void vscode.window.showInformationMessage(vscode.l10n.t('Saving a JavaScript, TypeScript or Python file now applies the pg-health fixes in it (editor.codeActionsOnSave).'));
}

export function openWalkthrough(): Thenable<unknown> {
  return vscode.commands.executeCommand('workbench.action.openWalkthrough', WALKTHROUGH_ID, false);
}
