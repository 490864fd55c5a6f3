// What azd deploys (azure.yaml: services.api.dist): a folder with the bundle, host.json and a package.json whose
// `main` names the bundle. Nothing else: the bundle carries every dependency but @azure/functions-core, which the
// Functions host provides, so the package has no node_modules, the platform runs no npm install (remoteBuild: false)
// and no dev dependency reaches Azure. Plain Node, no dependencies.
//
//   node scripts/package.mjs [--bundle DIR] [--out DIR] [--json]
//
// --bundle defaults to dist/bundle (written by `npm run build`), --out to dist/package (emptied first). The source map
// stays behind: the host does not load it (Node runs without --enable-source-maps) and it is twice the bundle's size.
// Exit codes: 0 ok; 1 no bundle to package, or the package is over PACKAGE_LIMIT_BYTES; 2 usage.
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = resolve(fileURLToPath(new URL('.', import.meta.url)), '..');

/** Largest package this project deploys: a bigger one means something that does not run got in. */
export const PACKAGE_LIMIT_BYTES = 5 * 1024 * 1024;

/** Thrown when there is nothing (or too much) to package. */
export class PackageError extends Error {
  constructor(message) {
    super(message);
    this.name = 'PackageError';
  }
}

/**
 * Writes the deployment package into `outDir` (emptied first) from the bundle in `bundleDir`.
 * @param {{bundleDir?: string, outDir?: string}} [options] defaults dist/bundle and dist/package under the repository.
 * @returns {{outDir: string, files: {name: string, bytes: number}[], bytes: number}} what the package holds.
 * @throws {PackageError} when `bundleDir` has no main.js, or the package exceeds PACKAGE_LIMIT_BYTES.
 */
export function assemblePackage({
  bundleDir = join(root, 'dist', 'bundle'),
  outDir = join(root, 'dist', 'package'),
} = {}) {
  const bundle = join(bundleDir, 'main.js');
  if (!existsSync(bundle)) throw new PackageError(`No bundle at ${bundle}: run \`npm run build\` first.`);
  const project = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));

  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  copyFileSync(bundle, join(outDir, 'main.js'));
  copyFileSync(join(root, 'host.json'), join(outDir, 'host.json'));
  // The host reads `main` to find the functions; no dependencies, so nothing is installed next to the bundle.
  const manifest = { name: project.name, version: project.version, main: 'main.js' };
  writeFileSync(join(outDir, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);

  const files = readdirSync(outDir)
    .sort()
    .map((name) => ({ name, bytes: statSync(join(outDir, name)).size }));
  const bytes = files.reduce((sum, f) => sum + f.bytes, 0);
  if (bytes > PACKAGE_LIMIT_BYTES) {
    throw new PackageError(
      `The package in ${outDir} is ${bytes} bytes, over the ${PACKAGE_LIMIT_BYTES}-byte limit: ` +
        `${files.map((f) => `${f.name} ${f.bytes}`).join(', ')}.`,
    );
  }
  return { outDir, files, bytes };
}

function main(argv) {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: { bundle: { type: 'string' }, out: { type: 'string' }, json: { type: 'boolean' } },
    }));
  } catch (error) {
    console.error(`${error.message}\nUsage: node scripts/package.mjs [--bundle DIR] [--out DIR] [--json]`);
    return 2;
  }
  try {
    const result = assemblePackage({
      ...(values.bundle ? { bundleDir: resolve(values.bundle) } : {}),
      ...(values.out ? { outDir: resolve(values.out) } : {}),
    });
    if (values.json) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    else {
      const names = result.files.map((f) => f.name).join(', ');
      console.log(`package: ${names}; ${(result.bytes / 1024).toFixed(0)} KiB → ${result.outDir}`);
    }
    return 0;
  } catch (error) {
    if (!(error instanceof PackageError)) throw error;
    console.error(error.message);
    return 1;
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exitCode = main(process.argv.slice(2));
}
