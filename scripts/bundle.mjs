// The deployed artefact: one esbuild bundle of src/main.ts (dist/bundle/main.js, the package's `main`). main.ts
// starts the app (settings → services → every function of src/functionList.ts), so the bundle registers exactly the
// functions the sandbox serves. Everything is bundled, @azure/functions included; only `@azure/functions-core`, which
// the Functions host provides to its worker, stays external. Nothing from emulators/, sandbox/ or test/ may end up in
// it. Usage: node scripts/bundle.mjs [--outdir <dir>]
import { build } from 'esbuild';
import { rmSync } from 'node:fs';
import { resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const outdirAt = process.argv.indexOf('--outdir');
const out = outdirAt === -1 ? resolve(root, 'dist', 'bundle') : resolve(process.argv[outdirAt + 1]);
rmSync(out, { recursive: true, force: true });

const result = await build({
  entryPoints: [resolve(root, 'src', 'main.ts')],
  outfile: resolve(out, 'main.js'),
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: true,
  external: ['@azure/functions-core'],
  // Some SDK packages (@azure/storage-common) ship ESM that reads import.meta.url, which is empty in a CommonJS
  // bundle: give it the bundle's own file URL.
  define: { 'import.meta.url': '__bundleFileUrl' },
  banner: { js: 'var __bundleFileUrl = require("node:url").pathToFileURL(__filename).href;' },
  metafile: true,
  logLevel: 'warning',
});
const inputs = Object.keys(result.metafile.inputs);
const leaked = inputs.filter((i) => i.startsWith('emulators/') || i.startsWith('sandbox/') || i.startsWith('test/'));
if (leaked.length > 0) {
  console.error(`The bundle must not contain emulator, sandbox or test code: ${leaked.join(', ')}`);
  process.exit(1);
}
const bytes = result.metafile.outputs[Object.keys(result.metafile.outputs).find((o) => o.endsWith('main.js'))].bytes;
console.log(`bundle: ${inputs.length} inputs, ${(bytes / 1024).toFixed(0)} KiB → ${resolve(out, 'main.js')}`);
