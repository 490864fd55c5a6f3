import { ChildProcess, spawn } from 'node:child_process';
import { resolve } from 'node:path';

const root = resolve(__dirname, '..', '..');

/** A program of this repository running as a child process, its output collected. */
export interface RunningProcess {
  child: ChildProcess;
  output: () => string;
  /** Resolves once the output contains `text`; rejects if the process exits first. */
  waitFor: (text: string) => Promise<void>;
  exited: Promise<number | null>;
}

/** `command` as a child process with every port free (0), with its output collected. */
export function startProcess(
  [command, ...args]: string[],
  extraEnv: Record<string, string> = {},
  options: { detached?: boolean } = {},
): RunningProcess {
  const child = spawn(command!, args, {
    cwd: root,
    detached: options.detached ?? false,
    env: {
      ...process.env,
      API_PORT: '0',
      EMULATOR_PORT_ENTRA: '0',
      EMULATOR_PORT_MANAGED_IDENTITY: '0',
      EMULATOR_PORT_GRAPH: '0',
      EMULATOR_PORT_KEY_VAULT: '0',
      AZURITE_PORT_BLOB: '0',
      AZURITE_PORT_QUEUE: '0',
      AZURITE_PORT_TABLE: '0',
      ...extraEnv,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const waiters: { text: string; done: () => void }[] = [];
  const onData = (chunk: Buffer): void => {
    output += chunk.toString();
    for (const w of waiters.filter((w) => output.includes(w.text))) {
      waiters.splice(waiters.indexOf(w), 1);
      w.done();
    }
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
  return {
    child,
    output: () => output,
    exited,
    waitFor: (text) =>
      Promise.race([
        new Promise<void>((done) => (output.includes(text) ? done() : waiters.push({ text, done }))),
        exited.then((code) => {
          throw new Error(`${command} exited (${code}) before printing '${text}':\n${output}`);
        }),
      ]),
  };
}

/**
 * Runs a TypeScript program of this repository (a path from its root) in one Node process with tsx's loader, every port
 * free. One process, not the tsx CLI (which runs the program in a child of its own): a signal sent to `child` reaches
 * the program itself, so SIGKILL really kills it.
 */
export function startTsxProgram(script: string, extraEnv: Record<string, string> = {}): RunningProcess {
  return startProcess([process.execPath, '--import', 'tsx', resolve(root, script)], extraEnv);
}
