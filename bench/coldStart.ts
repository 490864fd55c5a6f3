/**
 * Cold start: how long loading the app takes in a fresh Node process — the deployed package (dist/bundle/main.js,
 * one esbuild file) against the unbundled tsc build of the same entry (dist/src/main.js, which resolves its
 * dependencies from node_modules). Each load registers every function as the Functions host would make it, with the
 * host's `@azure/functions-core` played by the stand-in the bundle test uses. Timed inside the child, from just before
 * `require` to just after, so Node's own start-up is left out; the median of several processes per build.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { median } from './measure';

const root = resolve(__dirname, '..');
export const BUNDLE = resolve(root, 'dist', 'bundle', 'main.js');
export const UNBUNDLED = resolve(root, 'dist', 'src', 'main.js');

/** Settings for a start-up that makes no network call (composition builds clients only), as the bundle test uses. */
const SETTINGS = {
  KEY_VAULT_URL: 'https://kv-vending.vault.azure.net',
  AZURE_CLIENT_ID: '3f2a1b0c-9d8e-4f7a-8b6c-5d4e3f2a1b01',
  API_AUDIENCE: '5c1e9f0a-3b7d-4e2a-8f6c-1a2b3c4d5e60',
  API_TENANT_ID: '7d0c8a5e-4b1f-4c3e-9a6d-2f5e8b1c0a11',
  STORAGE_TABLE_SERVICE_URI: 'https://stvending.table.core.windows.net/',
  STORAGE_QUEUE_SERVICE_URI: 'https://stvending.queue.core.windows.net/',
};

export interface ColdStartFigures {
  bundleMs: number;
  unbundledMs: number;
  /** bundleMs / unbundledMs: below 1, the deployed package loads faster than the unbundled build. */
  ratio: number;
  bundleBytes: number;
  repetitions: number;
  /** Functions registered by each load (the same for both, or the figures compare different things). */
  functions: number;
}

/** Both builds must exist: `npm run bench` builds first; run alone, say how to make them. */
export function requireBuilds(): void {
  const missing = [BUNDLE, UNBUNDLED].filter((path) => !existsSync(path));
  if (missing.length > 0) throw new Error(`missing ${missing.join(', ')}: run \`npm run build\` first`);
}

/** Loads `main` once in a fresh process; answers the load time and how many functions it registered. */
function loadOnce(main: string, dir: string): { ms: number; functions: number } {
  const record = join(dir, 'record.json');
  const script = `const t = performance.now(); require(${JSON.stringify(main)}); process.stdout.write(String(performance.now() - t));`;
  const run = spawnSync(process.execPath, ['-e', script], {
    cwd: dir,
    encoding: 'utf8',
    // NODE_PATH: where `@azure/functions-core` resolves from, for the bundle and for node_modules/@azure/functions.
    env: { PATH: process.env.PATH, NODE_PATH: join(dir, 'node_modules'), FUNCTIONS_CORE_RECORD: record, ...SETTINGS },
  });
  if (run.status !== 0) throw new Error(`loading ${main} failed: ${run.stderr}`);
  const recorded = JSON.parse(readFileSync(record, 'utf8')) as { functions: unknown[] };
  return { ms: Number(run.stdout), functions: recorded.functions.length };
}

/** Loads each build `repetitions` times, alternating, and answers the medians. */
export function benchColdStart(repetitions: number): ColdStartFigures {
  requireBuilds();
  const dir = mkdtempSync(join(tmpdir(), 'vending-cold-start-'));
  try {
    cpSync(resolve(root, 'test', 'fixtures', 'functions-core'), join(dir, 'node_modules', '@azure', 'functions-core'), {
      recursive: true,
    });
    const bundle: number[] = [];
    const unbundled: number[] = [];
    const registered = new Set<number>();
    // One throw-away load each first: the file cache is warm for both, as on a host that just unpacked the package.
    loadOnce(BUNDLE, dir);
    loadOnce(UNBUNDLED, dir);
    for (let i = 0; i < repetitions; i++) {
      for (const [main, times] of [
        [BUNDLE, bundle],
        [UNBUNDLED, unbundled],
      ] as const) {
        const { ms, functions } = loadOnce(main, dir);
        times.push(ms);
        registered.add(functions);
      }
    }
    if (registered.size !== 1)
      throw new Error(`the builds registered different functions: ${[...registered].join(', ')}`);
    const bundleMs = median(bundle);
    const unbundledMs = median(unbundled);
    return {
      bundleMs,
      unbundledMs,
      ratio: bundleMs / unbundledMs,
      bundleBytes: statSync(BUNDLE).size,
      repetitions,
      functions: [...registered][0]!,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
