import { ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { EmulatorEndpoints } from '../../emulators/index';
import { portOpen } from '../../sandbox/azurite';
import { secretClientAs } from '../support/clients';

const root = resolve(__dirname, '..', '..');

/** `npm run sandbox`'s program as a child process on free ports, with its output collected. */
function startSandboxProcess(extraEnv: Record<string, string> = {}): {
  child: ChildProcess;
  output: () => string;
  /** Resolves once the output contains `text`; rejects if the process exits first. */
  waitFor: (text: string) => Promise<void>;
  exited: Promise<number | null>;
} {
  const child = spawn(resolve(root, 'node_modules', '.bin', 'tsx'), [resolve(root, 'sandbox', 'start.ts')], {
    cwd: root,
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
          throw new Error(`sandbox exited (${code}) before printing '${text}':\n${output}`);
        }),
      ]),
  };
}

describe('npm run sandbox, as a process', () => {
  const children: ChildProcess[] = [];
  afterAll(() => {
    for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  });

  it('starts emulators, Azurite and the API, serves the product over HTTP, and stops cleanly on SIGTERM', async () => {
    const stateDir = process.env.EMULATOR_STATE_DIR!;
    const sandbox = startSandboxProcess({ EMULATOR_STATE_DIR: stateDir });
    children.push(sandbox.child);
    await sandbox.waitFor('sandbox is running');
    expect(sandbox.output()).toMatch(/CALLER AUTHENTICATION IS NOT BUILT YET/);

    const endpoints = JSON.parse(readFileSync(resolve(stateDir, 'endpoints.json'), 'utf8')) as EmulatorEndpoints;
    expect(endpoints.api?.baseUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/api$/);
    for (const name of ['functionIdentity', 'tenantAdmin', 'portal', 'logicApp', 'operator', 'noRoles']) {
      expect(endpoints.principals[name]?.clientId).toMatch(/^[0-9a-f-]{36}$/);
    }
    expect(endpoints.caCertPath).toBe(resolve(stateDir, 'tls', 'ca.pem'));
    const tablePort = Number(/Azurite\s+blob \d+, queue \d+, table (\d+)/.exec(sandbox.output())?.[1]);
    expect(await portOpen(tablePort)).toBe(true);

    const created = (await (
      await fetch(`${endpoints.api!.baseUrl}/applications`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ displayName: 'sandbox-process' }),
      })
    ).json()) as { secret: { keyVault: { secretName: string; version: string }; hint: string } };
    const stored = await secretClientAs(endpoints, 'operator').getSecret(created.secret.keyVault.secretName, {
      version: created.secret.keyVault.version,
    });
    expect(stored.value?.slice(0, 3)).toBe(created.secret.hint);

    sandbox.child.kill('SIGTERM');
    expect(await sandbox.exited).toBe(0);
    const apiPort = Number(new URL(endpoints.api!.baseUrl).port);
    expect(await portOpen(apiPort)).toBe(false);
    expect(await portOpen(Number(new URL(endpoints.graph.baseUrl).port))).toBe(false);
    expect(await portOpen(tablePort)).toBe(false);
  }, 90_000);

  it('refuses to start on a bad app setting, naming it and not its value', async () => {
    const sandbox = startSandboxProcess({
      EMULATOR_STATE_DIR: process.env.EMULATOR_STATE_DIR!,
      SECRET_MAX_LIFETIME_DAYS: '4000',
      GRAPH_BASE_URL: 'https://graph.example/?token=hush',
    });
    children.push(sandbox.child);
    expect(await sandbox.exited).toBe(1);
    expect(sandbox.output()).toContain('Invalid app setting: SECRET_MAX_LIFETIME_DAYS');
    expect(sandbox.output()).toContain('Invalid app setting: GRAPH_BASE_URL');
    expect(sandbox.output()).toMatch(/Refusing to start: fix .*SECRET_MAX_LIFETIME_DAYS/);
    expect(sandbox.output()).not.toContain('hush');
    expect(sandbox.output()).not.toContain('sandbox is running');
  }, 90_000);
});
