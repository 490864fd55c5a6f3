import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { functionList } from '../../src/functionList';
import { createRecordingHost } from '../../sandbox/recordingHost';
import { startApp } from '../../src/app';

const root = resolve(__dirname, '..', '..');

/** Valid settings for a start-up that makes no network call (composition builds clients only). */
const SETTINGS = {
  KEY_VAULT_URL: 'https://kv-vending.vault.azure.net',
  AZURE_CLIENT_ID: '3f2a1b0c-9d8e-4f7a-8b6c-5d4e3f2a1b01',
  API_AUDIENCE: '5c1e9f0a-3b7d-4e2a-8f6c-1a2b3c4d5e60',
  API_TENANT_ID: '7d0c8a5e-4b1f-4c3e-9a6d-2f5e8b1c0a11',
  STORAGE_TABLE_SERVICE_URI: 'https://stvending.table.core.windows.net/',
  STORAGE_QUEUE_SERVICE_URI: 'https://stvending.queue.core.windows.net/',
};

interface Binding {
  type: string;
  direction: string;
  route?: string;
  methods?: string[];
  authLevel?: string;
  schedule?: string;
}
interface Recorded {
  programmingModel: string | null;
  functions: { name: string; bindings: Record<string, Binding> }[];
}

describe('the deployed bundle, loaded as the Functions host loads it', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'vending-bundle-'));
    const built = spawnSync(process.execPath, [resolve(root, 'scripts', 'bundle.mjs'), '--outdir', dir], {
      encoding: 'utf8',
    });
    if (built.status !== 0) throw new Error(`bundle failed: ${built.stderr}`);
    // The host resolves `@azure/functions-core` for its worker; next to the bundle, the stand-in plays that part.
    cpSync(
      resolve(__dirname, '..', 'fixtures', 'functions-core'),
      join(dir, 'node_modules', '@azure', 'functions-core'),
      {
        recursive: true,
      },
    );
  }, 60_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** Loads main.js in a fresh Node process with exactly these settings; returns what it registered. */
  function load(settings: Record<string, string>): { status: number | null; stderr: string; recorded: Recorded } {
    const recordPath = join(dir, `record-${Math.random().toString(36).slice(2)}.json`);
    // Preloaded, so the record is written even when the app registers nothing.
    const standIn = join(dir, 'node_modules', '@azure', 'functions-core');
    const run = spawnSync(process.execPath, ['-r', standIn, '-e', `require(${JSON.stringify(join(dir, 'main.js'))})`], {
      cwd: dir,
      encoding: 'utf8',
      env: { PATH: process.env.PATH, FUNCTIONS_CORE_RECORD: recordPath, ...settings },
    });
    return {
      status: run.status,
      stderr: run.stderr,
      recorded: JSON.parse(readFileSync(recordPath, 'utf8')) as Recorded,
    };
  }

  it('holds nothing but itself: no node_modules are needed beside it but the host module', () => {
    expect(statSync(join(dir, 'main.js')).size).toBeLessThan(5 * 1024 * 1024);
    const run = load(SETTINGS);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(run.recorded.programmingModel).toMatch(/^@azure\/functions@4\./);
  });

  it('registers exactly the functions of the one list, with their bindings', () => {
    const { recorded } = load(SETTINGS);
    const summary = recorded.functions.map((f) => {
      const trigger = Object.values(f.bindings).find((b) => b.direction === 'in')!;
      return {
        name: f.name,
        trigger: trigger.type,
        ...(trigger.route !== undefined ? { route: trigger.route, methods: trigger.methods } : {}),
        ...(trigger.authLevel !== undefined ? { authLevel: trigger.authLevel } : {}),
        ...(trigger.schedule !== undefined ? { schedule: trigger.schedule } : {}),
        outputs: Object.values(f.bindings)
          .filter((b) => b.direction === 'out')
          .map((b) => b.type),
      };
    });
    const http = (name: string, methods: string[], route: string) => ({
      name,
      trigger: 'httpTrigger',
      route,
      methods,
      authLevel: 'anonymous',
      outputs: ['http'],
    });
    expect(summary).toEqual([
      http('createApplication', ['POST'], 'applications'),
      http('listApplications', ['GET'], 'applications'),
      http('addSecret', ['POST'], 'applications/{appId}/secrets'),
      http('listSecrets', ['GET'], 'applications/{appId}/secrets'),
      http('revokeSecret', ['DELETE'], 'applications/{appId}/secrets/{keyId}'),
      http('addCertificate', ['POST'], 'applications/{appId}/certificates'),
      http('listCertificates', ['GET'], 'applications/{appId}/certificates'),
      http('revokeCertificate', ['DELETE'], 'applications/{appId}/certificates/{keyId}'),
      http('getApplicationOwners', ['GET'], 'applications/{appId}/owners'),
      http('setApplicationOwners', ['PUT'], 'applications/{appId}/owners'),
      http('getRotation', ['GET'], 'applications/{appId}/rotation'),
      http('setRotation', ['PUT'], 'applications/{appId}/rotation'),
      http('startScan', ['POST'], 'scans'),
      http('latestScan', ['GET'], 'scans/latest'),
      http('openApi', ['GET', 'OPTIONS'], 'openapi.json'),
      http('connectorDefinition', ['GET', 'OPTIONS'], 'connector/swagger.json'),
      http('health', ['GET'], 'health'),
      http('readAudit', ['GET'], 'audit'),
      {
        name: 'purgeIdempotencyRecords',
        trigger: 'timerTrigger',
        schedule: '%IDEMPOTENCY_PURGE_SCHEDULE%',
        outputs: [],
      },
      // The expiry scan: schedule from the app setting, as the host resolves %NAME%; no runOnStartup.
      { name: 'expiryScan', trigger: 'timerTrigger', schedule: '%EXPIRY_SCAN_SCHEDULE%', outputs: [] },
    ]);
    // The sandbox registers from the same list: the same names, in the same order.
    const sandboxHost = createRecordingHost();
    startApp(sandboxHost, SETTINGS);
    expect([...sandboxHost.httpFunctions.keys(), ...sandboxHost.timerFunctions.keys()]).toEqual(
      recorded.functions.map((f) => f.name),
    );
    expect(functionList).toHaveLength(recorded.functions.length);
  });

  it('refuses to start on bad settings: names each one, never its value, and registers nothing', () => {
    const bad = { ...SETTINGS, KEY_VAULT_URL: 'http://not-https.example/?sig=hush', SECRET_MAX_LIFETIME_DAYS: '0' };
    delete (bad as Partial<typeof bad>).AZURE_CLIENT_ID;
    const run = load(bad);
    expect(run.status).not.toBe(0);
    for (const setting of ['KEY_VAULT_URL', 'AZURE_CLIENT_ID', 'SECRET_MAX_LIFETIME_DAYS']) {
      expect(run.stderr).toContain(`Invalid app setting: ${setting}`);
    }
    expect(run.stderr).not.toContain('hush');
    expect(run.stderr).not.toContain('not-https');
    expect(run.recorded.functions).toEqual([]);
  });

  it.each([
    ['missing', undefined],
    ['empty (the API app registration not made yet)', ''],
  ])('refuses to serve with the API audience %s: no function at all, never an anonymous API', (_case, audience) => {
    const settings: Record<string, string> = { ...SETTINGS };
    if (audience === undefined) delete settings.API_AUDIENCE;
    else settings.API_AUDIENCE = audience;
    const run = load(settings);
    expect(run.status).not.toBe(0);
    expect(run.stderr).toContain('Invalid app setting: API_AUDIENCE is required');
    expect(run.stderr).toContain('Refusing to start: fix API_AUDIENCE.');
    expect(run.recorded.functions).toEqual([]);
  });
});
