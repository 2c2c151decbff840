// One quick input that walks through steps, with the step count in its title bar and a Back
// button, as VS Code's own multi-step flows do (Add Connection, Edit Connection). Each step reads and
// writes a shared state and returns the next step; Back returns to the previous one with its answer
// kept; Escape (or the input losing focus without ignoreFocusOut) ends the whole flow.
import * as vscode from 'vscode';

export type Step<S> = (input: MultiStepInput, state: S) => Promise<Step<S> | undefined>;

class BackSignal extends Error {}
class CancelSignal extends Error {}

interface Common {
  title: string;
  step: number;
  totalSteps: number;
}

export interface InputBoxStep extends Common {
  prompt: string;
  value: string;
  placeholder?: string;
  password?: boolean;
  ignoreFocusOut?: boolean;
  validate?: (value: string) => string | undefined;
}

export interface PickStep<T extends vscode.QuickPickItem> extends Common {
  placeholder: string;
  items: readonly T[];
  active?: T;
}

export class MultiStepInput {
  private current: vscode.QuickInput | undefined;

  /** Runs the steps from `start`; resolves true when the last step finished, false when the user cancelled. */
  static async run<S>(start: Step<S>, state: S): Promise<boolean> {
    const input = new MultiStepInput();
    return input.stepThrough(start, state);
  }

  private async stepThrough<S>(start: Step<S>, state: S): Promise<boolean> {
    const steps: Step<S>[] = [];
    let step: Step<S> | undefined = start;
    try {
      while (step) {
        steps.push(step);
        try {
          step = await step(this, state);
        } catch (err) {
          if (!(err instanceof BackSignal)) throw err;
          steps.pop();
          step = steps.pop();
        }
      }
      return true;
    } catch (err) {
      if (err instanceof CancelSignal) return false;
      throw err;
    } finally {
      this.current?.dispose();
    }
  }

  async inputBox(options: InputBoxStep): Promise<string> {
    const box = vscode.window.createInputBox();
    box.title = options.title;
    box.step = options.step;
    box.totalSteps = options.totalSteps;
    box.prompt = options.prompt;
    box.value = options.value;
    box.placeholder = options.placeholder;
    box.password = options.password ?? false;
    box.ignoreFocusOut = options.ignoreFocusOut ?? false;
    box.buttons = options.step > 1 ? [vscode.QuickInputButtons.Back] : [];
    // As showInputBox does: the prompt shows until the user types something that does not validate.
    const validate = (value: string): void => {
      box.validationMessage = options.validate?.(value);
    };
    return this.show(box, (resolve, reject) => [
      box.onDidChangeValue(validate),
      box.onDidAccept(() => {
        const message = options.validate?.(box.value);
        box.validationMessage = message;
        if (message === undefined) resolve(box.value);
      }),
      box.onDidTriggerButton((b) => {
        if (b === vscode.QuickInputButtons.Back) reject(new BackSignal());
      }),
    ]);
  }

  async pick<T extends vscode.QuickPickItem>(options: PickStep<T>): Promise<T> {
    const pick = vscode.window.createQuickPick<T>();
    pick.title = options.title;
    pick.step = options.step;
    pick.totalSteps = options.totalSteps;
    pick.placeholder = options.placeholder;
    pick.items = options.items;
    if (options.active) pick.activeItems = [options.active];
    pick.buttons = options.step > 1 ? [vscode.QuickInputButtons.Back] : [];
    return this.show(pick, (resolve, reject) => [
      pick.onDidAccept(() => {
        const chosen = pick.selectedItems[0] ?? pick.activeItems[0];
        if (chosen) resolve(chosen);
      }),
      pick.onDidTriggerButton((b) => {
        if (b === vscode.QuickInputButtons.Back) reject(new BackSignal());
      }),
    ]);
  }

  private show<R>(input: vscode.QuickInput, wire: (resolve: (value: R) => void, reject: (err: Error) => void) => vscode.Disposable[]): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      let settled = false;
      const done = (): void => {
        settled = true;
        for (const d of disposables) d.dispose();
      };
      const disposables = [
        ...wire(
          (value) => {
            done();
            resolve(value);
          },
          (err) => {
            done();
            reject(err);
          },
        ),
        input.onDidHide(() => {
          if (settled) return;
          done();
          reject(new CancelSignal());
        }),
      ];
      // The previous step's input is replaced, not hidden first: no flicker, and no "cancelled".
      const previous = this.current;
      this.current = input;
      input.show();
      previous?.dispose();
    });
  }
}
