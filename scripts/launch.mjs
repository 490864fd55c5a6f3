// Starts a command with the emulator CA trusted. Node reads NODE_EXTRA_CA_CERTS only when a process starts, so the
// CA is made here first (fresh each time), then the command is spawned with the variable set.
//   node scripts/launch.mjs test [jest args]   -> jest, state in .sandbox/test; with options only (no file or name
//                                                 pattern, no --config), then the chaos suites (jest.chaos.config.js)
//   node scripts/launch.mjs sandbox            -> the product on this machine, state in .sandbox (or EMULATOR_STATE_DIR)
//   node scripts/launch.mjs emulators          -> the emulators alone, state in .sandbox (or EMULATOR_STATE_DIR)
//   node scripts/launch.mjs bench [args]       -> benchmarks, state in .sandbox/bench
// SIGINT and SIGTERM are passed on to the command, and this exits when it has: npm runs the sandbox and emulators
// scripts with `exec`, so a signal sent to `npm run sandbox` reaches this process (a plain `sh -c` would die of it
// without passing it on, and leave the stack running).
import { spawn, spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const tsx = resolve(root, 'node_modules', '.bin', 'tsx');
const [what, ...args] = process.argv.slice(2);

const commands = {
  test: {
    stateDir: '.sandbox/test',
    command: [process.execPath, resolve(root, 'node_modules', 'jest', 'bin', 'jest.js')],
  },
  // Node itself with tsx's loader: one process to signal, not a tsx CLI that relays to a second one.
  sandbox: {
    stateDir: '.sandbox',
    command: [process.execPath, '--import', 'tsx', resolve(root, 'sandbox', 'start.ts')],
  },
  emulators: {
    stateDir: '.sandbox',
    command: [process.execPath, '--import', 'tsx', resolve(root, 'emulators', 'start.ts')],
  },
  bench: { stateDir: '.sandbox/bench', command: [tsx, resolve(root, 'bench', 'run.ts')] },
};
const chosen = commands[what];
if (!chosen) {
  console.error(`usage: launch.mjs ${Object.keys(commands).join('|')} [args]`);
  process.exit(2);
}
// Test and bench runs get a private folder, so parallel runs never swap each other's CA; it is removed afterwards.
const privateRun = what === 'test' || what === 'bench';
const stateDir = privateRun
  ? resolve(root, chosen.stateDir, `run-${process.pid}`)
  : resolve(process.env.EMULATOR_STATE_DIR || resolve(root, chosen.stateDir));
const prepared = spawnSync(tsx, [resolve(root, 'scripts', 'prepare-tls.ts'), stateDir], { stdio: 'inherit' });
if (prepared.status !== 0) process.exit(prepared.status ?? 1);

// `npm test` is every test: a whole run (options only) goes on to the chaos suites, one after the other (together they
// would only starve each other of the two cores). A focused run (a path or name pattern) or a chosen config stops.
const wholeRun = what === 'test' && args.every((arg) => arg.startsWith('-')) && !args.includes('--config');
const runs = [args, ...(wholeRun ? [['--config', 'jest.chaos.config.js', ...args]] : [])];

const [command, ...commandArgs] = chosen.command;
let current;
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => current?.kill(signal));
function start([runArgs, ...rest]) {
  current = spawn(command, [...commandArgs, ...runArgs], {
    stdio: 'inherit',
    cwd: root,
    env: { ...process.env, NODE_EXTRA_CA_CERTS: resolve(stateDir, 'tls', 'ca.pem'), EMULATOR_STATE_DIR: stateDir },
  });
  current.on('exit', (code, signal) => {
    if (code === 0 && rest.length > 0) return start(rest);
    if (privateRun) rmSync(stateDir, { recursive: true, force: true });
    process.exit(code ?? (signal ? 1 : 0));
  });
}
start(runs);
