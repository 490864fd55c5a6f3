import { ChildProcess, spawn } from 'node:child_process';
import { resolve } from 'node:path';

const root = resolve(__dirname, '..', '..');

/** A program of this repository running as a child process, its output collected. */
export interface ChildProgram {
  child: ChildProcess;
  output: () => string;
  /** Resolves once the output contains `text`; rejects if the process exits first. */
  waitFor: (text: string) => Promise<void>;
  exited: Promise<number | null>;
}

/**
 * Runs a TypeScript program (a path from the repository root) in one Node process with tsx's loader, with this
 * process's environment plus `env`. One process, not the tsx CLI (which runs the program in a child of its own): a
 * signal sent to `child` reaches the program itself, so SIGKILL really kills it.
 */
export function startTsxProgram(script: string, env: Record<string, string> = {}): ChildProgram {
  const child = spawn(process.execPath, ['--import', 'tsx', resolve(root, script)], {
    cwd: root,
    env: { ...process.env, ...env },
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
          throw new Error(`${script} exited (${code}) before printing '${text}':\n${output}`);
        }),
      ]),
  };
}
