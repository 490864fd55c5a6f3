import { ChildProcess, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { resolve } from 'node:path';
import { EmulatorEndpoints } from '../../emulators/index';
import { portOpen } from '../../sandbox/azurite';
import { secretClientAs } from '../support/clients';
import { RunningProcess, startProcess } from '../support/processes';

const root = resolve(__dirname, '..', '..');

/** `npm run sandbox`'s program as a child process on free ports, with its output collected. */
function startSandboxProcess(extraEnv: Record<string, string> = {}): RunningProcess {
  // Its own process group, so a test that fails half-way can end tsx and the node process it runs, together.
  return startProcess([resolve(root, 'node_modules', '.bin', 'tsx'), resolve(root, 'sandbox', 'start.ts')], extraEnv, {
    detached: true,
  });
}

describe('npm run sandbox, as a process', () => {
  const children: ChildProcess[] = [];
  /** Process groups started here: whatever is left of them goes at the end. */
  const groups: number[] = [];
  afterAll(() => {
    for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
    for (const group of groups) {
      try {
        process.kill(-group, 'SIGKILL');
      } catch {
        // The group is gone already, as it should be.
      }
    }
  });

  it('starts emulators, Azurite and the API, serves the product over HTTP, and stops cleanly on SIGTERM', async () => {
    const stateDir = process.env.EMULATOR_STATE_DIR!;
    const sandbox = startSandboxProcess({ EMULATOR_STATE_DIR: stateDir });
    children.push(sandbox.child);
    groups.push(sandbox.child.pid!);
    await sandbox.waitFor('sandbox is running');
    expect(sandbox.output()).not.toMatch(/NOT BUILT YET/i);

    const endpoints = JSON.parse(readFileSync(resolve(stateDir, 'endpoints.json'), 'utf8')) as EmulatorEndpoints;
    expect(endpoints.api.baseUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/api$/);
    for (const name of ['functionIdentity', 'tenantAdmin', 'portal', 'logicApp', 'operator', 'noRoles']) {
      expect(endpoints.principals[name]?.clientId).toMatch(/^[0-9a-f-]{36}$/);
    }
    expect(endpoints.caCertPath).toBe(resolve(stateDir, 'tls', 'ca.pem'));
    const tablePort = Number(/Azurite\s+blob \d+, queue \d+, table (\d+)/.exec(sandbox.output())?.[1]);
    expect(await portOpen(tablePort)).toBe(true);

    // Without a token: 401 with a challenge naming the emulated authority.
    const anonymous = await fetch(`${endpoints.api.baseUrl!}/applications`, { method: 'POST' });
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('www-authenticate')).toContain(endpoints.entra.authorityHost);

    // The commands it printed, run as printed: a token from the token endpoint, then an authenticated create.
    await sandbox.waitFor('Read a secret back');
    const printed = sandbox.output().split('\n');
    const commandAfter = (heading: string): string => {
      const start = printed.findIndex((l) => l.includes(heading)) + 1;
      const end = printed.findIndex((l, i) => i > start && l.trim() === '');
      return printed
        .slice(start, end)
        .map((l) => l.trim())
        .join('\n');
    };
    const runPrinted = (tokenHeading: string) => {
      const script = `${commandAfter(tokenHeading)}\n${commandAfter('Then create an app')}`;
      const run = spawnSync('bash', ['--noprofile', '--norc', '-eo', 'pipefail', '-c', script], {
        encoding: 'utf8',
        cwd: root,
      });
      expect({ status: run.status, stderr: run.stderr }).toEqual({ status: 0, stderr: '' });
      return JSON.parse(run.stdout) as {
        application: { owners: string[] };
        secret: { keyVault: { secretName: string; version: string }; hint: string };
      };
    };
    const created = runPrinted('A token as the portal');
    expect(created.application.owners).toEqual([endpoints.principals.portal!.objectId]);
    const byUser = runPrinted('A token as dana');
    expect(byUser.application.owners).toEqual([endpoints.users.dana!.objectId]);
    const stored = await secretClientAs(endpoints, 'operator').getSecret(created.secret.keyVault.secretName, {
      version: created.secret.keyVault.version,
    });
    expect(stored.value?.slice(0, 3)).toBe(created.secret.hint);

    // `npm run scan -- --sandbox --dry-run --json`: the terminal scan, against this sandbox, through its settings.
    const scan = spawnSync(
      process.execPath,
      [resolve(root, 'scripts', 'scan.mjs'), `--sandbox=${stateDir}`, '--dry-run', '--json'],
      { cwd: root, encoding: 'utf8', env: { PATH: process.env.PATH } },
    );
    expect({ status: scan.status, stderr: scan.stderr }).toEqual({ status: 0, stderr: '' });
    const report = JSON.parse(scan.stdout) as { dryRun: boolean; trigger: string; applications: number };
    expect(report).toMatchObject({ dryRun: true, trigger: 'cli', applications: 2 });
    // The timer, run on demand as the host's admin API does (on a fresh connection: the dry run may have outlasted
    // the server's keep-alive, and a pooled socket closing under a request is not what this test is about).
    const adminStatus = await new Promise<number | undefined>((done, fail) => {
      const request = httpRequest(`${new URL(endpoints.api.baseUrl!).origin}/admin/functions/expiryScan`, {
        method: 'POST',
        agent: false,
      });
      request.on('response', (response) => {
        response.resume();
        done(response.statusCode);
      });
      request.on('error', fail);
      request.end();
    });
    expect(adminStatus).toBe(202);
    await sandbox.waitFor('expiry scan finished');

    sandbox.child.kill('SIGTERM');
    expect(await sandbox.exited).toBe(0);
    const apiPort = Number(new URL(endpoints.api.baseUrl!).port);
    expect(await portOpen(apiPort)).toBe(false);
    expect(await portOpen(Number(new URL(endpoints.graph.baseUrl).port))).toBe(false);
    expect(await portOpen(tablePort)).toBe(false);
  }, 90_000);

  it('stops everything when `npm run sandbox` itself gets SIGTERM, after a start without warning noise', async () => {
    const stateDir = resolve(process.env.EMULATOR_STATE_DIR!, 'npm-run-sandbox');
    // npm as the user runs it (its own CLI when this runs under npm), in a process group of its own so that
    // afterAll can clean up whatever it would leave behind.
    const npm = process.env.npm_execpath ? [process.execPath, process.env.npm_execpath] : ['npm'];
    const sandbox = startProcess([...npm, 'run', 'sandbox'], { EMULATOR_STATE_DIR: stateDir }, { detached: true });
    groups.push(sandbox.child.pid!);
    await sandbox.waitFor('sandbox is running');
    const output = sandbox.output();
    expect(output).toMatch(/Functions host\s+none: the app's registered handlers are served outside it/);
    // Nothing warns at start (npm's own notices aside): no "test mode" lines from @azure/functions, no warnings.
    const warnings = output.split('\n').filter((line) => /warn/i.test(line) && !/^npm warn/i.test(line));
    expect(warnings).toEqual([]);

    const endpoints = JSON.parse(readFileSync(resolve(stateDir, 'endpoints.json'), 'utf8')) as EmulatorEndpoints;
    const azurite = /Azurite\s+blob (\d+), queue (\d+), table (\d+)/.exec(output)!.slice(1).map(Number);
    const ports = [
      Number(new URL(endpoints.api.baseUrl!).port),
      Number(new URL(endpoints.entra.authorityHost).port),
      Number(new URL(endpoints.managedIdentity.endpoint).port),
      Number(new URL(endpoints.graph.baseUrl).port),
      Number(new URL(endpoints.keyVault.url).port),
      ...azurite,
    ];
    expect(ports).toHaveLength(8);
    for (const port of ports) expect(await portOpen(port)).toBe(true);

    sandbox.child.kill('SIGTERM');
    await sandbox.exited;
    for (const port of ports) expect(await portOpen(port)).toBe(false);
    expect(sandbox.output()).toContain('SIGTERM: stopping the sandbox');
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
