import * as vscode from 'vscode';

/** Passwords per connection name, in VS Code's SecretStorage (never in settings). */
export class PasswordStore {
  constructor(private readonly secrets: vscode.SecretStorage) {}

  private key(name: string): string {
    return `pgHealth.password:${name}`;
  }

  get(name: string): Thenable<string | undefined> {
    return this.secrets.get(this.key(name));
  }

  set(name: string, password: string): Thenable<void> {
    return this.secrets.store(this.key(name), password);
  }

  delete(name: string): Thenable<void> {
    return this.secrets.delete(this.key(name));
  }
}
