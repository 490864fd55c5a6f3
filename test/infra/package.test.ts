// What `azd deploy` uploads: azure.yaml's api service points azd at a folder that its prepackage hook fills with
// scripts/package.mjs. This runs that hook command exactly as azure.yaml spells it, after a build, and checks the
// folder azd would zip: the bundle, host.json and a minimal package.json, under 5 MiB, nothing from node_modules, and
// that folder alone, with only the host's module beside it, starts and registers every function.
import { spawnSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { functionList } from '../../src/functionList';

const root = resolve(__dirname, '..', '..');
const packager = join(root, 'scripts', 'package.mjs');
const FIVE_MIB = 5 * 1024 * 1024;

type YamlMap = { [key: string]: YamlValue };
type YamlValue = string | YamlMap;

/** The block-mapping subset of YAML azure.yaml uses: `key: scalar` and `key:` + an indented map; `#` comments. */
function parseYamlMap(text: string): YamlMap {
  const top: YamlMap = {};
  const stack: { indent: number; map: YamlMap }[] = [{ indent: -1, map: top }];
  for (const raw of text.split('\n')) {
    const line = raw.replace(/\s+#.*$/, '').replace(/^\s*#.*$/, '');
    if (line.trim() === '') continue;
    const match = /^( *)([\w-]+):(?: (.*))?$/.exec(line);
    if (!match) throw new Error(`azure.yaml: unsupported line ${JSON.stringify(raw)}`);
    const indent = match[1]!.length;
    while (stack[stack.length - 1]!.indent >= indent) stack.pop();
    const parent = stack[stack.length - 1]!.map;
    if (match[3] === undefined) {
      const child: YamlMap = {};
      parent[match[2]!] = child;
      stack.push({ indent, map: child });
    } else {
      parent[match[2]!] = match[3].trim();
    }
  }
  return top;
}

const at = (value: YamlValue | undefined, ...path: string[]): YamlValue | undefined =>
  path.reduce<YamlValue | undefined>((v, key) => (typeof v === 'object' ? v[key] : undefined), value);

/** The scalar at `path`, or a clear failure when azure.yaml has none there. */
function scalar(value: YamlValue | undefined, ...path: string[]): string {
  const found = at(value, ...path);
  if (typeof found !== 'string') throw new Error(`azure.yaml: no scalar at ${path.join('.')}`);
  return found;
}

function runPackager(args: string[]) {
  return spawnSync(process.execPath, [packager, ...args], { cwd: root, encoding: 'utf8', timeout: 60_000 });
}

describe('the package azd deploys (azure.yaml, scripts/package.mjs)', () => {
  const azureYaml = parseYamlMap(readFileSync(join(root, 'azure.yaml'), 'utf8'));
  const service = at(azureYaml, 'services', 'api');
  const hook = at(service, 'hooks', 'prepackage');
  const projectDir = resolve(root, scalar(service, 'project'));
  const packageDir = resolve(projectDir, scalar(service, 'dist'));
  const bundle = join(root, 'dist', 'bundle', 'main.js');

  beforeAll(() => {
    // The build step azd runs before the hook (its esbuild half: the tsc half writes nothing that is deployed), fresh,
    // so the package under test is never a stale one.
    const built = spawnSync(process.execPath, [join(root, 'scripts', 'bundle.mjs')], { cwd: root, encoding: 'utf8' });
    if (built.status !== 0) throw new Error(`bundle failed:\n${built.stdout}${built.stderr}`);
    const command = scalar(hook, 'posix', 'run');
    const ran = spawnSync(command, { cwd: projectDir, shell: '/bin/sh', encoding: 'utf8', timeout: 60_000 });
    if (ran.status !== 0) throw new Error(`prepackage hook \`${command}\` failed:\n${ran.stdout}${ran.stderr}`);
  }, 120_000);

  test('azure.yaml deploys that folder as it is, filled by the same Node command on POSIX and Windows', () => {
    expect(at(service, 'host')).toBe('function');
    expect(at(service, 'language')).toBe('ts');
    expect(at(service, 'dist')).toBe('dist/package');
    // Without this azd asks the platform to build (and npm install) JavaScript function apps.
    expect(at(service, 'remoteBuild')).toBe('false');
    expect(hook).toEqual({
      posix: { shell: 'sh', run: 'node scripts/package.mjs' },
      windows: { shell: 'pwsh', run: 'node scripts/package.mjs' },
    });
    // No project-level hook is left over (the Graph step runs inside the deployment now).
    expect(Object.keys(azureYaml).sort()).toEqual(['name', 'services']);
  });

  test('it holds the bundle, host.json and a package.json naming the bundle, and nothing else, under 5 MiB', () => {
    expect(readdirSync(packageDir).sort()).toEqual(['host.json', 'main.js', 'package.json']);
    const sizes = readdirSync(packageDir).map((name) => statSync(join(packageDir, name)).size);
    const total = sizes.reduce((a, b) => a + b, 0);
    console.log(`deployment package: ${total} bytes (${(total / 1024 / 1024).toFixed(2)} MiB) in ${packageDir}`);
    expect(total).toBeLessThan(FIVE_MIB);

    expect(readFileSync(join(packageDir, 'main.js')).equals(readFileSync(bundle))).toBe(true);
    expect(readFileSync(join(packageDir, 'host.json'), 'utf8')).toBe(readFileSync(join(root, 'host.json'), 'utf8'));
    const project = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { name: string; version: string };
    // No dependencies of any kind and no scripts: nothing to install or build where it runs.
    expect(JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8'))).toEqual({
      name: project.name,
      version: project.version,
      main: 'main.js',
    });
  });

  test('that folder alone runs: the host finds main through package.json and it registers every function', () => {
    // Outside the repository, so no node_modules up the tree can help; the host provides only @azure/functions-core.
    const dir = mkdtempSync(join(tmpdir(), 'package-load-'));
    try {
      cpSync(packageDir, dir, { recursive: true });
      const standIn = join(dir, 'node_modules', '@azure', 'functions-core');
      cpSync(join(root, 'test', 'fixtures', 'functions-core'), standIn, { recursive: true });
      const record = join(dir, 'record.json');
      const run = spawnSync(process.execPath, ['-r', standIn, '-e', `require(${JSON.stringify(dir)})`], {
        cwd: dir,
        encoding: 'utf8',
        env: {
          PATH: process.env.PATH,
          FUNCTIONS_CORE_RECORD: record,
          KEY_VAULT_URL: 'https://kv-vending.vault.azure.net',
          AZURE_CLIENT_ID: '3f2a1b0c-9d8e-4f7a-8b6c-5d4e3f2a1b01',
          API_AUDIENCE: '5c1e9f0a-3b7d-4e2a-8f6c-1a2b3c4d5e60',
          API_TENANT_ID: '7d0c8a5e-4b1f-4c3e-9a6d-2f5e8b1c0a11',
          STORAGE_TABLE_SERVICE_URI: 'https://stvending.table.core.windows.net/',
          STORAGE_QUEUE_SERVICE_URI: 'https://stvending.queue.core.windows.net/',
        },
      });
      expect({ status: run.status, stderr: run.stderr }).toEqual({ status: 0, stderr: '' });
      const recorded = JSON.parse(readFileSync(record, 'utf8')) as { functions: { name: string }[] };
      expect(recorded.functions.map((f) => f.name)).toEqual(
        functionList.map((f) => (f.kind === 'http' ? f.route.name : f.name)),
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  describe('scripts/package.mjs refuses rather than deploying the wrong thing', () => {
    let scratch: string;
    beforeEach(() => {
      scratch = mkdtempSync(join(tmpdir(), 'package-test-'));
    });
    afterEach(() => rmSync(scratch, { recursive: true, force: true }));

    test('no bundle: exit 1 and what to run, no folder to deploy', () => {
      const out = join(scratch, 'out');
      const run = runPackager(['--bundle', join(scratch, 'nothing'), '--out', out]);
      expect(run.status).toBe(1);
      expect(run.stderr).toContain('npm run build');
      expect(existsSync(out)).toBe(false);
    });

    test('a package over 5 MiB: exit 1 naming the sizes', () => {
      const bundleDir = join(scratch, 'bundle');
      mkdirSync(bundleDir);
      writeFileSync(join(bundleDir, 'main.js'), Buffer.alloc(FIVE_MIB, 0x20));
      const run = runPackager(['--bundle', bundleDir, '--out', join(scratch, 'out')]);
      expect(run.status).toBe(1);
      expect(run.stderr).toMatch(/over the 5242880-byte limit: host\.json \d+, main\.js 5242880, package\.json \d+/);
    });

    test('an unknown option: exit 2 with the usage', () => {
      const run = runPackager(['--outdir', scratch]);
      expect(run.status).toBe(2);
      expect(run.stderr).toContain('Usage: node scripts/package.mjs');
    });

    test('--json reports exactly the files written', () => {
      const out = join(scratch, 'out');
      const run = runPackager(['--out', out, '--json']);
      expect(run.status).toBe(0);
      const result = JSON.parse(run.stdout) as {
        outDir: string;
        files: { name: string; bytes: number }[];
        bytes: number;
      };
      expect(result.outDir).toBe(out);
      expect(result.files).toEqual(
        readdirSync(out)
          .sort()
          .map((name) => ({ name, bytes: statSync(join(out, name)).size })),
      );
      expect(result.bytes).toBe(result.files.reduce((a, f) => a + f.bytes, 0));
    });
  });
});
