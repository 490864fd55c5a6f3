import { ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { EmulatorEndpoints } from '../../emulators/index';
import { portOpen } from '../../sandbox/azurite';
import { secretClientAs } from '../support/clients';

const root = resolve(__dirname, '..', '..');

describe('npm run sandbox, as a process', () => {
  let child: ChildProcess | undefined;
  let output = '';

  afterAll(() => {
    if (child && child.exitCode === null) child.kill('SIGKILL');
  });

  it('starts emulators, Azurite and the API, serves the product over HTTP, and stops cleanly on SIGTERM', async () => {
    const stateDir = process.env.EMULATOR_STATE_DIR!;
    child = spawn(resolve(root, 'node_modules', '.bin', 'tsx'), [resolve(root, 'sandbox', 'start.ts')], {
      cwd: root,
      env: {
        ...process.env,
        EMULATOR_STATE_DIR: stateDir,
        API_PORT: '0',
        EMULATOR_PORT_ENTRA: '0',
        EMULATOR_PORT_MANAGED_IDENTITY: '0',
        EMULATOR_PORT_GRAPH: '0',
        EMULATOR_PORT_KEY_VAULT: '0',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<number | null>((done) => child!.once('exit', (code) => done(code)));

    const deadline = Date.now() + 60_000;
    while (!output.includes('sandbox is running')) {
      if (child.exitCode !== null || Date.now() > deadline) throw new Error(`sandbox did not start:\n${output}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(output).toMatch(/CALLER AUTHENTICATION IS NOT BUILT YET/);

    const endpoints = JSON.parse(readFileSync(resolve(stateDir, 'endpoints.json'), 'utf8')) as EmulatorEndpoints;
    expect(endpoints.api?.baseUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/api$/);
    for (const name of ['functionIdentity', 'tenantAdmin', 'portal', 'logicApp', 'operator', 'noRoles']) {
      expect(endpoints.principals[name]?.clientId).toMatch(/^[0-9a-f-]{36}$/);
    }
    expect(endpoints.caCertPath).toBe(resolve(stateDir, 'tls', 'ca.pem'));
    expect(await portOpen(10002)).toBe(true); // Azurite table service

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

    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    const apiPort = Number(new URL(endpoints.api!.baseUrl).port);
    expect(await portOpen(apiPort)).toBe(false);
    expect(await portOpen(Number(new URL(endpoints.graph.baseUrl).port))).toBe(false);
    expect(await portOpen(10002)).toBe(false);
  }, 90_000);
});
