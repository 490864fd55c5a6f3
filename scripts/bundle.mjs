// The deployed artefact: one esbuild bundle (dist/bundle/main.js, the package's `main`) that loads every function
// file, so the composition root and the registry exist once per process. Nothing from emulators/, sandbox/ or test/
// may end up in it. `.funcignore` keeps everything but the bundle, host.json and package files out of the deployment.
import { build } from 'esbuild';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const out = resolve(root, 'dist', 'bundle');
rmSync(out, { recursive: true, force: true });
const functionsDir = resolve(root, 'src', 'functions');
// A function file is one that registers a trigger.
const functionFiles = readdirSync(functionsDir).filter(
  (f) => f.endsWith('.ts') && /^register\w+Function\(/m.test(readFileSync(resolve(functionsDir, f), 'utf8')),
);

const result = await build({
  stdin: {
    contents: functionFiles.map((f) => `require('./src/functions/${f.replace(/\.ts$/, '')}');`).join('\n'),
    resolveDir: root,
    sourcefile: 'main.ts',
    loader: 'ts',
  },
  outfile: resolve(out, 'main.js'),
  bundle: true,
  platform: 'node',
  target: 'node22',
  format: 'cjs',
  sourcemap: true,
  // @azure/functions stays a real package: it finds the host's worker through @azure/functions-core at run time.
  external: ['@azure/functions', '@azure/functions-core'],
  metafile: true,
  logLevel: 'warning',
});
const inputs = Object.keys(result.metafile.inputs);
const leaked = inputs.filter((i) => i.startsWith('emulators/') || i.startsWith('sandbox/') || i.startsWith('test/'));
if (leaked.length > 0) {
  console.error(`The bundle must not contain emulator, sandbox or test code: ${leaked.join(', ')}`);
  process.exit(1);
}
const bytes = Object.values(result.metafile.outputs).reduce((n, o) => n + o.bytes, 0);
console.log(
  `bundle: ${functionFiles.length} functions, ${inputs.length} inputs, ${(bytes / 1024).toFixed(0)} KiB → ${out}`,
);
