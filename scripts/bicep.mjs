// Finds (or restores) the Bicep CLI and compiles + lints infra/ with it. Plain Node, no dependencies.
//
//   node scripts/bicep.mjs locate            print the CLI found, restore nothing (exit 3 if none)
//   node scripts/bicep.mjs restore           make sure a CLI is available; print its path and version
//   node scripts/bicep.mjs build [--outdir D] lint + compile infra/main.bicep and infra/graph/graph.bicep (any
//                                            warning fails), offline
//   add --json to print one JSON summary on stdout instead of text (messages go to stderr)
//
// Offline: graph.bicep (and main.bicep, which deploys it as a module) declare the Microsoft Graph Bicep extension,
// which infra/bicepconfig.json takes from its registry. `build` never asks that registry: it publishes the vendored
// types (infra/vendor/microsoftgraph-bicep-v1.0-1.0.0) as a local extension package with `bicep publish-extension`
// and compiles with `--config` pointing at a temporary copy of bicepconfig.json that names that package. The same
// linter rules apply; the repository's files are not touched.
//
// The CLI is looked for in this order: `bicep` on PATH; the one `az bicep install` put under the Azure CLI's config
// directory (used only if it is already there: nothing is downloaded); .tools/bicep/bicep, restored from the NuGet
// package Azure.Bicep.CommandLine.<rid> by `dotnet restore tools/bicep/BicepTools.csproj` (pinned there).
//
// Exit codes: 0 ok; 1 diagnostics (an error or warning); 2 usage; 3 no Bicep CLI and no dotnet to restore one;
// 4 dotnet restore failed; 5 the vendored Graph extension could not be published.
import { spawnSync } from 'node:child_process';
import {
  accessSync,
  constants,
  copyFileSync,
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { delimiter, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const EXIT = Object.freeze({ ok: 0, diagnostics: 1, usage: 2, noCli: 3, restoreFailed: 4, extensionFailed: 5 });

const root = resolve(fileURLToPath(new URL('.', import.meta.url)), '..');
const toolsProject = join(root, 'tools', 'bicep', 'BicepTools.csproj');
const toolsDir = join(root, '.tools', 'bicep');
const nugetDir = join(root, '.tools', 'nuget');
const restoredCli = join(toolsDir, process.platform === 'win32' ? 'bicep.exe' : 'bicep');

/** Thrown when no CLI can be found or restored; `code` is the exit code to leave with. */
export class BicepUnavailableError extends Error {
  constructor(message, code) {
    super(message);
    this.name = 'BicepUnavailableError';
    this.code = code;
  }
}

/** The NuGet runtime id of this machine's Bicep package (linux-x64, osx-arm64, win-x64, …). */
function runtimeId() {
  const os = { linux: 'linux', darwin: 'osx', win32: 'win' }[process.platform];
  const arch = { x64: 'x64', arm64: 'arm64' }[process.arch];
  if (!os || !arch)
    throw new BicepUnavailableError(`No Bicep CLI package for ${process.platform}/${process.arch}.`, EXIT.noCli);
  return `${os}-${arch}`;
}

/** The exact version pinned in tools/bicep/BicepTools.csproj. */
export function pinnedVersion() {
  const match = /Azure\.Bicep\.CommandLine\.[^"]*"\s+Version="\[([^\]]+)\]"/.exec(readFileSync(toolsProject, 'utf8'));
  if (!match?.[1]) throw new Error(`No pinned Azure.Bicep.CommandLine version in ${toolsProject}`);
  return match[1];
}

function isExecutable(file) {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function onPath(name) {
  const names = process.platform === 'win32' ? [`${name}.exe`, `${name}.cmd`] : [name];
  for (const dir of (process.env.PATH ?? '').split(delimiter).filter(Boolean)) {
    for (const n of names) if (isExecutable(join(dir, n))) return join(dir, n);
  }
  return undefined;
}

/** `bicep --version` of a binary, e.g. "0.49.2", or undefined when it does not run. */
function versionOf(cli) {
  const result = spawnSync(cli, ['--version'], { encoding: 'utf8', timeout: 60_000 });
  if (result.status !== 0) return undefined;
  return /(\d+\.\d+\.\d+)/.exec(result.stdout)?.[1];
}

/**
 * Finds a working Bicep CLI without installing anything.
 * @returns {{path: string, version: string, source: 'PATH'|'az'|'.tools'} | undefined}
 */
export function locate() {
  const fromPath = onPath('bicep');
  if (fromPath) {
    const version = versionOf(fromPath);
    if (version) return { path: fromPath, version, source: 'PATH' };
  }
  if (onPath('az')) {
    // Where `az bicep install` puts the binary; running it directly avoids az's own version check and download.
    const configDir = process.env.AZURE_CONFIG_DIR ?? join(homedir(), '.azure');
    const azCli = join(configDir, 'bin', process.platform === 'win32' ? 'bicep.exe' : 'bicep');
    const version = isExecutable(azCli) ? versionOf(azCli) : undefined;
    if (version) return { path: azCli, version, source: 'az' };
  }
  if (isExecutable(restoredCli)) {
    const version = versionOf(restoredCli);
    // A bump of the pin in BicepTools.csproj makes the old copy stale: restore again.
    if (version && version === pinnedVersion()) return { path: restoredCli, version, source: '.tools' };
  }
  return undefined;
}

/**
 * Finds a Bicep CLI, restoring the pinned one into .tools/bicep with dotnet when none is found. Idempotent: a second
 * call finds the copy the first one made.
 * @returns {{path: string, version: string, source: string, restored: boolean}}
 * @throws {BicepUnavailableError} without dotnet (code 3) or when the restore fails (code 4).
 */
export function restore({ log = (line) => process.stderr.write(`${line}\n`) } = {}) {
  const found = locate();
  if (found) return { ...found, restored: false };
  const dotnet = onPath('dotnet');
  if (!dotnet) {
    throw new BicepUnavailableError(
      'No Bicep CLI: none on PATH, none installed by `az bicep install`, none in .tools/bicep, and no `dotnet` to ' +
        'restore one from NuGet. Install the .NET SDK (then run `node scripts/bicep.mjs restore`) or the Bicep CLI.',
      EXIT.noCli,
    );
  }
  const version = pinnedVersion();
  const rid = runtimeId();
  log(`Restoring Bicep CLI ${version} (Azure.Bicep.CommandLine.${rid}) with dotnet into .tools/ …`);
  const restored = spawnSync(
    dotnet,
    ['restore', toolsProject, '--packages', nugetDir, `-p:BicepRuntimeId=${rid}`, '--verbosity', 'quiet', '--nologo'],
    {
      cwd: root,
      encoding: 'utf8',
      timeout: 300_000,
      env: {
        ...process.env,
        DOTNET_CLI_TELEMETRY_OPTOUT: '1',
        DOTNET_NOLOGO: '1',
        DOTNET_SKIP_FIRST_TIME_EXPERIENCE: '1',
      },
    },
  );
  if (restored.status !== 0) {
    throw new BicepUnavailableError(
      `dotnet restore of the Bicep CLI failed (exit ${restored.status ?? restored.signal}):\n${restored.stdout}${restored.stderr}`,
      EXIT.restoreFailed,
    );
  }
  const binary = join(
    nugetDir,
    `azure.bicep.commandline.${rid}`,
    version,
    'tools',
    rid.startsWith('win') ? 'bicep.exe' : 'bicep',
  );
  if (!existsSync(binary))
    throw new BicepUnavailableError(`dotnet restore succeeded but ${binary} is missing.`, EXIT.restoreFailed);
  mkdirSync(toolsDir, { recursive: true });
  // Copy then rename, so an interrupted copy never leaves a half-written binary where locate() looks.
  copyFileSync(binary, `${restoredCli}.partial`);
  chmodSync(`${restoredCli}.partial`, 0o755);
  renameSync(`${restoredCli}.partial`, restoredCli);
  const actual = versionOf(restoredCli);
  if (actual !== version)
    throw new BicepUnavailableError(
      `Restored ${restoredCli} reports ${actual ?? 'nothing'}, expected ${version}.`,
      EXIT.restoreFailed,
    );
  return { path: restoredCli, version, source: '.tools', restored: true };
}

const levelOf = (result) => result.level ?? 'warning'; // SARIF: a result without a level is a warning.

/**
 * Lints one file (compiler + linter diagnostics) and sorts the diagnostics by level.
 * @returns {{errors: object[], warnings: object[], notes: object[], exitCode: number}}
 */
export function lint(cli, file, { config } = {}) {
  const args = ['lint', file, '--diagnostics-format', 'sarif', ...(config ? ['--config', config] : [])];
  const run = spawnSync(cli, args, { encoding: 'utf8', timeout: 300_000, maxBuffer: 64 * 1024 * 1024 });
  let results;
  try {
    results = JSON.parse(run.stdout).runs.flatMap((r) => r.results ?? []);
  } catch {
    throw new Error(`bicep lint ${file} printed no SARIF (exit ${run.status}):\n${run.stdout}${run.stderr}`);
  }
  const diagnostics = results.map((r) => ({
    level: levelOf(r),
    code: r.ruleId,
    message: r.message?.text ?? '',
    file: r.locations?.[0]?.physicalLocation?.artifactLocation?.uri?.replace(/^file:\/\//, '') ?? file,
    line: r.locations?.[0]?.physicalLocation?.region?.startLine,
  }));
  return {
    errors: diagnostics.filter((d) => d.level === 'error'),
    warnings: diagnostics.filter((d) => d.level === 'warning'),
    notes: diagnostics.filter((d) => d.level !== 'error' && d.level !== 'warning'),
    exitCode: run.status ?? 1,
  };
}

/** Compiles one file to ARM JSON at `outfile`; `config` replaces the bicepconfig.json files Bicep would discover. */
export function compile(cli, file, outfile, { config } = {}) {
  const run = spawnSync(cli, ['build', file, '--outfile', outfile, ...(config ? ['--config', config] : [])], {
    encoding: 'utf8',
    timeout: 300_000,
  });
  return { ok: run.status === 0 && existsSync(outfile), output: `${run.stdout}${run.stderr}`.trim() };
}

/** The Graph extension as infra/bicepconfig.json names it, and the vendored copy of its types. */
export const GRAPH_EXTENSION = Object.freeze({
  alias: 'microsoftGraphV1',
  types: join(root, 'infra', 'vendor', 'microsoftgraph-bicep-v1.0-1.0.0', 'index.json'),
  packageName: 'microsoftgraph-v1.0-1.0.0.tgz',
});

/**
 * Publishes the vendored Graph extension types as a local extension package in `workdir` and writes beside it a copy
 * of infra/bicepconfig.json whose extension entry names that package (a path relative to the copy) and whose restore
 * cache lives in `workdir` too, so nothing lands in ~/.bicep.
 * @returns {{config: string, reference: string}} the copy's path, and the reference the repository's config holds.
 * @throws {BicepUnavailableError} (code 5) when the package cannot be published.
 */
export function offlineConfig(cli, workdir) {
  const config = JSON.parse(readFileSync(join(root, 'infra', 'bicepconfig.json'), 'utf8'));
  const reference = config.extensions?.[GRAPH_EXTENSION.alias];
  if (typeof reference !== 'string')
    throw new BicepUnavailableError(
      `infra/bicepconfig.json declares no ${GRAPH_EXTENSION.alias}.`,
      EXIT.extensionFailed,
    );
  const target = join(workdir, GRAPH_EXTENSION.packageName);
  const published = spawnSync(cli, ['publish-extension', GRAPH_EXTENSION.types, '--target', target, '--force'], {
    encoding: 'utf8',
    timeout: 120_000,
  });
  if (published.status !== 0 || !existsSync(target)) {
    throw new BicepUnavailableError(
      `bicep publish-extension of ${GRAPH_EXTENSION.types} failed (exit ${published.status ?? published.signal}):\n` +
        `${published.stdout}${published.stderr}`,
      EXIT.extensionFailed,
    );
  }
  config.extensions[GRAPH_EXTENSION.alias] = `./${GRAPH_EXTENSION.packageName}`;
  config.cacheRootDirectory = join(workdir, 'cache');
  const file = join(workdir, 'bicepconfig.json');
  writeFileSync(file, `${JSON.stringify(config, null, 2)}\n`);
  return { config: file, reference };
}

const format = (d) => `${d.file}${d.line ? `(${d.line})` : ''}: ${d.level} ${d.code}: ${d.message}`;

/** Lints and compiles one file; the summary counts its diagnostics by level. */
function buildOne(cli, name, outdir, config, log) {
  const file = join(root, 'infra', ...name.split('/'));
  const linted = lint(cli.path, file, { config });
  const template = join(
    outdir,
    `${name
      .split('/')
      .pop()
      .replace(/\.bicep$/, '')}.json`,
  );
  const built = compile(cli.path, file, template, { config });
  const summary = {
    file,
    compiled: built.ok,
    template: built.ok ? template : undefined,
    errors: linted.errors.length,
    warnings: linted.warnings.length,
    notes: linted.notes.length,
    diagnostics: [...linted.errors, ...linted.warnings, ...linted.notes],
  };
  for (const d of summary.diagnostics) log(format(d));
  log(
    `infra/${name}: ${summary.errors} error(s), ${summary.warnings} warning(s), ${summary.notes} info; ` +
      `${built.ok ? `compiled to ${template}` : `NOT compiled:\n${built.output}`}`,
  );
  return summary;
}

/**
 * Lints and compiles infra/main.bicep and infra/graph/graph.bicep against the vendored Graph extension (see the
 * header). Any error or warning, or a file that does not compile, makes `exitCode` EXIT.diagnostics.
 * @returns {object} a summary; `exitCode` is what the CLI exits with.
 */
export function buildInfra(cli, { outdir, log }) {
  mkdirSync(outdir, { recursive: true });
  const workdir = mkdtempSync(join(tmpdir(), 'bicep-graph-extension-'));
  try {
    const { config, reference } = offlineConfig(cli.path, workdir);
    log(`${GRAPH_EXTENSION.alias}: ${reference} replaced by the vendored types (local extension package)`);
    const main = buildOne(cli, 'main.bicep', outdir, config, log);
    const graph = buildOne(cli, 'graph/graph.bicep', outdir, config, log);
    const failed = [main, graph].some((s) => s.errors + s.warnings > 0 || !s.compiled);
    return {
      cli,
      outdir,
      extension: { alias: GRAPH_EXTENSION.alias, reference, types: GRAPH_EXTENSION.types },
      main,
      graph,
      exitCode: failed ? EXIT.diagnostics : EXIT.ok,
    };
  } finally {
    rmSync(workdir, { recursive: true, force: true });
  }
}

function main(argv) {
  const [command, ...rest] = argv;
  const json = rest.includes('--json');
  const outdirIndex = rest.indexOf('--outdir');
  const log = (line) => (json ? process.stderr : process.stdout).write(`${line}\n`);
  const print = (value, text) => (json ? process.stdout.write(`${JSON.stringify(value, null, 2)}\n`) : log(text));
  try {
    switch (command) {
      case 'locate': {
        const found = locate();
        if (!found) {
          print({ found: false }, 'No Bicep CLI found (run `node scripts/bicep.mjs restore`).');
          return EXIT.noCli;
        }
        print({ found: true, ...found }, `${found.path} (Bicep ${found.version}, from ${found.source})`);
        return EXIT.ok;
      }
      case 'restore': {
        const started = Date.now();
        const cli = restore({ log });
        const took = `${((Date.now() - started) / 1000).toFixed(1)} s`;
        print(
          { found: true, ...cli, seconds: (Date.now() - started) / 1000 },
          `${cli.path} (Bicep ${cli.version}, from ${cli.source}${cli.restored ? ', restored now' : ''}; ${took})`,
        );
        return EXIT.ok;
      }
      case 'build': {
        const cli = restore({ log });
        log(`Bicep ${cli.version}: ${cli.path} (from ${cli.source})`);
        const outdir =
          outdirIndex >= 0 && rest[outdirIndex + 1]
            ? resolve(rest[outdirIndex + 1])
            : mkdtempSync(join(tmpdir(), 'bicep-build-'));
        const summary = buildInfra(cli, { outdir, log });
        if (json) print(summary);
        return summary.exitCode;
      }
      default:
        log('Usage: node scripts/bicep.mjs <locate|restore|build> [--outdir DIR] [--json]');
        return EXIT.usage;
    }
  } catch (error) {
    if (error instanceof BicepUnavailableError) {
      log(error.message);
      if (json)
        process.stdout.write(`${JSON.stringify({ found: false, reason: error.message, exitCode: error.code })}\n`);
      return error.code;
    }
    throw error;
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exitCode = main(process.argv.slice(2));
}
