import { appSettingsSchema, ConfigError, loadConfig, MAX_REQUEST_TIME_MS } from '../../src/config';
import { SCAN_ACTION_SWITCHES } from '../../src/vending/scan/scanSettings';

const CLIENT_ID = '5b1f0c3e-8a2d-4c6b-9e7f-0a1b2c3d4e5f';
const API_APP_ID = '5c1e9f0a-3b7d-4e2a-8f6c-1a2b3c4d5e60';
const TENANT = '0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0';
const BASE = {
  KEY_VAULT_URL: 'https://kv-vending.vault.azure.net',
  AZURE_CLIENT_ID: CLIENT_ID,
  API_AUDIENCE: API_APP_ID,
  API_TENANT_ID: TENANT,
  STORAGE_TABLE_SERVICE_URI: 'https://stvending.table.core.windows.net/',
  STORAGE_QUEUE_SERVICE_URI: 'https://stvending.queue.core.windows.net/',
};

function configError(env: Record<string, string | undefined>): ConfigError {
  try {
    loadConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error('expected loadConfig to throw');
}

describe('loadConfig: the expiry scan settings', () => {
  it('reads SCAN_ACTIONS as all, none or a list of switches', () => {
    expect(loadConfig({ ...BASE, SCAN_ACTIONS: 'none' }).scan.actions).toEqual(new Set());
    expect(loadConfig({ ...BASE, SCAN_ACTIONS: 'events,rotate' }).scan.actions).toEqual(new Set(['events', 'rotate']));
    const error = configError({ ...BASE, SCAN_ACTIONS: 'events,explode' });
    expect(error.settings).toEqual(['SCAN_ACTIONS']);
    expect(error.message).not.toContain('explode');
  });

  it("keeps the rotation overlap above App Service's 24-hour reference refresh", () => {
    expect(configError({ ...BASE, SCAN_ROTATION_OVERLAP_DAYS: '1' }).settings).toEqual(['SCAN_ROTATION_OVERLAP_DAYS']);
    expect(loadConfig({ ...BASE, SCAN_ROTATION_OVERLAP_DAYS: '2' }).scan.rotationOverlapDays).toBe(2);
  });

  it('sends events to a queue reached by identity through an https service URI, and needs one', () => {
    expect(loadConfig({ ...BASE, CREDENTIAL_EVENTS_QUEUE: 'scan-events' }).scan).toMatchObject({
      queueServiceUri: 'https://stvending.queue.core.windows.net',
      eventsQueue: 'scan-events',
    });
    const bad = configError({
      ...BASE,
      STORAGE_QUEUE_SERVICE_URI: 'http://st.queue.core.windows.net/?sig=c2VjcmV0',
      CREDENTIAL_EVENTS_QUEUE: 'No_Caps',
      SCAN_TABLE: 'no-dashes',
    });
    expect(bad.settings).toEqual(['STORAGE_QUEUE_SERVICE_URI', 'CREDENTIAL_EVENTS_QUEUE', 'SCAN_TABLE']);
    expect(bad.message).not.toContain('c2VjcmV0');
    expect(configError({ ...BASE, STORAGE_QUEUE_SERVICE_URI: undefined }).problems).toEqual([
      'STORAGE_QUEUE_SERVICE_URI is required',
    ]);
  });
});
const p = () => appSettingsSchema.properties;

describe('loadConfig', () => {
  it('applies the documented defaults to every optional setting', () => {
    const config = loadConfig({ ...BASE });
    const p = appSettingsSchema.properties;
    expect(config).toEqual({
      keyVaultUrl: BASE.KEY_VAULT_URL,
      managedIdentityClientId: CLIENT_ID,
      graph: {
        baseUrl: p.GRAPH_BASE_URL.default,
        tokenScope: p.GRAPH_TOKEN_SCOPE.default,
        customHosts: ['graph.microsoft.com'],
      },
      keyVaultVerifyChallengeResource: p.KEY_VAULT_VERIFY_CHALLENGE_RESOURCE.default,
      secretLifetime: {
        maxDays: p.SECRET_MAX_LIFETIME_DAYS.default,
        defaultDays: p.SECRET_DEFAULT_LIFETIME_DAYS.default,
        expiringWithinDays: p.SECRET_EXPIRING_WITHIN_DAYS.default,
      },
      certificates: {
        maxDays: p.CERTIFICATE_MAX_LIFETIME_DAYS.default,
        defaultDays: p.CERTIFICATE_DEFAULT_LIFETIME_DAYS.default,
        allowExportable: false,
      },
      expiryScanSchedule: p.EXPIRY_SCAN_SCHEDULE.default,
      api: {
        clientId: API_APP_ID,
        identifierUri: undefined,
        tenantId: TENANT,
        authorityHost: 'https://login.microsoftonline.com',
        audiences: [API_APP_ID],
        issuers: [`https://sts.windows.net/${TENANT}/`, `https://login.microsoftonline.com/${TENANT}/v2.0`],
        openIdConfigurationUrl: `https://login.microsoftonline.com/${TENANT}/v2.0/.well-known/openid-configuration`,
        scopes: { delegated: `${API_APP_ID}/access_as_user`, appOnly: `${API_APP_ID}/.default` },
      },
      ledger: { tableServiceUri: 'https://stvending.table.core.windows.net', tableName: p.LEDGER_TABLE.default },
      idempotency: {
        retentionHours: p.IDEMPOTENCY_RETENTION_HOURS.default,
        purgeSchedule: p.IDEMPOTENCY_PURGE_SCHEDULE.default,
      },
      scan: {
        actions: new Set(SCAN_ACTION_SWITCHES),
        graceDays: p.SCAN_GRACE_DAYS.default,
        rotationOverlapDays: p.SCAN_ROTATION_OVERLAP_DAYS.default,
        writeConcurrency: p.SCAN_WRITE_CONCURRENCY.default,
        tableName: 'scans',
        queueServiceUri: 'https://stvending.queue.core.windows.net',
        eventsQueue: 'credential-events',
      },
      deadlines: { deadlineMs: p.REQUEST_DEADLINE_MS.default, compensationMs: p.COMPENSATION_BUDGET_MS.default },
    });
    // The defaults are typed values, not strings.
    expect(typeof config.secretLifetime.maxDays).toBe('number');
    expect(config.keyVaultVerifyChallengeResource).toBe(true);
  });

  it('reads the certificate policy and refuses a default above its maximum', () => {
    const config = loadConfig({
      ...BASE,
      CERTIFICATE_MAX_LIFETIME_DAYS: '90',
      CERTIFICATE_DEFAULT_LIFETIME_DAYS: '30',
      CERTIFICATE_ALLOW_EXPORTABLE: 'true',
    });
    expect(config.certificates).toEqual({ maxDays: 90, defaultDays: 30, allowExportable: true });
    expect(() => loadConfig({ ...BASE, CERTIFICATE_MAX_LIFETIME_DAYS: '30' })).toThrow(
      /CERTIFICATE_DEFAULT_LIFETIME_DAYS must not exceed CERTIFICATE_MAX_LIFETIME_DAYS/,
    );
  });

  it("keeps a request, deadline and rollback together, under the host's and Logic Apps' timeouts", () => {
    expect(p().REQUEST_DEADLINE_MS.default + p().COMPENSATION_BUDGET_MS.default).toBeLessThanOrEqual(
      MAX_REQUEST_TIME_MS,
    );
    expect(MAX_REQUEST_TIME_MS).toBeLessThan(120_000); // functionTimeout (host.json) and Logic Apps' 120 s
    expect(loadConfig({ ...BASE, REQUEST_DEADLINE_MS: '250', COMPENSATION_BUDGET_MS: '1000' }).deadlines).toEqual({
      deadlineMs: 250,
      compensationMs: 1000,
    });
    expect(configError({ ...BASE, REQUEST_DEADLINE_MS: '90000', COMPENSATION_BUDGET_MS: '30000' }).settings).toEqual([
      'COMPENSATION_BUDGET_MS',
    ]);
    expect(configError({ ...BASE, REQUEST_DEADLINE_MS: '50' }).settings).toEqual(['REQUEST_DEADLINE_MS']);
  });

  it('treats empty strings as unset', () => {
    const config = loadConfig({ ...BASE, SECRET_MAX_LIFETIME_DAYS: '', GRAPH_BASE_URL: '', API_IDENTIFIER_URI: '' });
    expect(config.secretLifetime.maxDays).toBe(appSettingsSchema.properties.SECRET_MAX_LIFETIME_DAYS.default);
    expect(config.graph.baseUrl).toBe('https://graph.microsoft.com');
    expect(config.api.identifierUri).toBeUndefined();
    // An empty audience is a missing one: the start is refused, never anonymous.
    expect(configError({ ...BASE, API_AUDIENCE: '' }).problems).toEqual(['API_AUDIENCE is required']);
  });

  it('coerces numbers and booleans from their string form', () => {
    const config = loadConfig({
      ...BASE,
      SECRET_MAX_LIFETIME_DAYS: '365',
      SECRET_DEFAULT_LIFETIME_DAYS: '30',
      SECRET_EXPIRING_WITHIN_DAYS: '14',
      KEY_VAULT_VERIFY_CHALLENGE_RESOURCE: 'false',
    });
    expect(config.secretLifetime).toEqual({ maxDays: 365, defaultDays: 30, expiringWithinDays: 14 });
    expect(config.keyVaultVerifyChallengeResource).toBe(false);
    expect(loadConfig({ ...BASE, KEY_VAULT_VERIFY_CHALLENGE_RESOURCE: 'true' }).keyVaultVerifyChallengeResource).toBe(
      true,
    );
  });

  it('derives audiences, issuers, discovery and scopes from the API settings', () => {
    const config = loadConfig({
      ...BASE,
      API_AUDIENCE: API_APP_ID.toUpperCase(),
      API_TENANT_ID: TENANT.toUpperCase(),
      API_IDENTIFIER_URI: `api://${TENANT}/entra-app-vending/`,
      ENTRA_AUTHORITY_HOST: 'https://login.microsoftonline.us/',
      EXPIRY_SCAN_SCHEDULE: '0 30 5 * * 1-5',
    });
    const uri = `api://${TENANT}/entra-app-vending`;
    expect(config.api).toEqual({
      clientId: API_APP_ID,
      identifierUri: uri,
      tenantId: TENANT,
      authorityHost: 'https://login.microsoftonline.us',
      audiences: [API_APP_ID, uri],
      issuers: [`https://sts.windows.net/${TENANT}/`, `https://login.microsoftonline.us/${TENANT}/v2.0`],
      openIdConfigurationUrl: `https://login.microsoftonline.us/${TENANT}/v2.0/.well-known/openid-configuration`,
      scopes: { delegated: `${uri}/access_as_user`, appOnly: `${uri}/.default` },
    });
    expect(config.expiryScanSchedule).toBe('0 30 5 * * 1-5');
  });

  it('refuses to start without the API audience or tenant, naming both', () => {
    const error = configError({
      KEY_VAULT_URL: BASE.KEY_VAULT_URL,
      AZURE_CLIENT_ID: CLIENT_ID,
      STORAGE_TABLE_SERVICE_URI: BASE.STORAGE_TABLE_SERVICE_URI,
      STORAGE_QUEUE_SERVICE_URI: BASE.STORAGE_QUEUE_SERVICE_URI,
    });
    expect(error.settings).toEqual(['API_AUDIENCE', 'API_TENANT_ID']);
    expect(error.problems).toEqual(['API_AUDIENCE is required', 'API_TENANT_ID is required']);
  });

  it('returns a deeply frozen object', () => {
    const config = loadConfig({ ...BASE });
    const { api } = config;
    for (const part of [config, config.graph, config.graph.customHosts, config.secretLifetime, api, api.audiences]) {
      expect(Object.isFrozen(part)).toBe(true);
    }
    expect(() => {
      (config as { keyVaultUrl: string }).keyVaultUrl = 'https://evil.vault.azure.net';
    }).toThrow(TypeError);
    expect(() => {
      (config.secretLifetime as { maxDays: number }).maxDays = 9999;
    }).toThrow(TypeError);
    expect(config.secretLifetime.maxDays).toBe(180);
  });

  it('does not modify the environment it reads', () => {
    const env = { ...BASE, SECRET_MAX_LIFETIME_DAYS: '200' };
    const copy = { ...env };
    loadConfig(env);
    expect(env).toEqual(copy);
  });

  it('trims trailing slashes from the vault and Graph URLs', () => {
    const config = loadConfig({
      ...BASE,
      KEY_VAULT_URL: 'https://kv-vending.vault.azure.net///',
      GRAPH_BASE_URL: 'https://graph.microsoft.us/',
    });
    expect(config.keyVaultUrl).toBe('https://kv-vending.vault.azure.net');
    expect(config.graph.baseUrl).toBe('https://graph.microsoft.us');
    expect(config.graph.customHosts).toEqual(['graph.microsoft.us']);
  });

  it('lists the Graph host without its port as the custom host', () => {
    const config = loadConfig({
      ...BASE,
      GRAPH_BASE_URL: 'https://localhost:8443/',
      GRAPH_TOKEN_SCOPE: 'https://localhost/.default',
    });
    expect(config.graph.baseUrl).toBe('https://localhost:8443');
    expect(config.graph.customHosts).toEqual(['localhost']);
    expect(config.graph.tokenScope).toBe('https://localhost/.default');
  });

  it('throws one ConfigError listing every bad setting at once', () => {
    const error = configError({
      AZURE_CLIENT_ID: 'not-a-uuid',
      API_AUDIENCE: API_APP_ID,
      API_TENANT_ID: TENANT,
      STORAGE_TABLE_SERVICE_URI: BASE.STORAGE_TABLE_SERVICE_URI,
      STORAGE_QUEUE_SERVICE_URI: BASE.STORAGE_QUEUE_SERVICE_URI,
      SECRET_MAX_LIFETIME_DAYS: '0',
      SECRET_EXPIRING_WITHIN_DAYS: 'soon',
    });
    const byKey = (key: string) => error.problems.filter((p) => p.includes(key));
    expect(byKey('KEY_VAULT_URL')).toHaveLength(1);
    expect(byKey('AZURE_CLIENT_ID')).toHaveLength(1);
    expect(byKey('SECRET_MAX_LIFETIME_DAYS')).toHaveLength(1);
    expect(byKey('SECRET_EXPIRING_WITHIN_DAYS')).toHaveLength(1);
    expect(error.problems).toHaveLength(4);
    for (const problem of error.problems) expect(error.message).toContain(problem);
    expect(error.name).toBe('ConfigError');
  });

  it('names a missing required setting as required', () => {
    const error = configError({ ...BASE, AZURE_CLIENT_ID: undefined });
    expect(error.problems).toEqual([expect.stringMatching(/^AZURE_CLIENT_ID .*required/)]);
    // No ledger, no start: nothing may be created unrecorded.
    expect(configError({ ...BASE, STORAGE_TABLE_SERVICE_URI: undefined }).problems).toEqual([
      'STORAGE_TABLE_SERVICE_URI is required',
    ]);
  });

  it('reads the ledger and idempotency settings', () => {
    const config = loadConfig({
      ...BASE,
      STORAGE_TABLE_SERVICE_URI: 'https://127.0.0.1:10002/devstoreaccount1',
      LEDGER_TABLE: 'auditLedger',
      IDEMPOTENCY_RETENTION_HOURS: '48',
      IDEMPOTENCY_PURGE_SCHEDULE: '0 0 * * * *',
    });
    expect(config.ledger).toEqual({
      tableServiceUri: 'https://127.0.0.1:10002/devstoreaccount1',
      tableName: 'auditLedger',
    });
    expect(config.idempotency).toEqual({ retentionHours: 48, purgeSchedule: '0 0 * * * *' });
  });

  it.each([
    ['KEY_VAULT_URL', 'http://kv-vending.vault.azure.net'],
    ['KEY_VAULT_URL', 'kv-vending.vault.azure.net'],
    ['GRAPH_BASE_URL', 'http://graph.microsoft.com'],
    ['GRAPH_TOKEN_SCOPE', 'https://graph.microsoft.com/User.Read'],
    ['AZURE_CLIENT_ID', '5b1f0c3e8a2d4c6b9e7f0a1b2c3d4e5f'],
    ['API_TENANT_ID', 'contoso.onmicrosoft.com'],
    ['API_AUDIENCE', 'api://entra-app-vending'],
    ['API_IDENTIFIER_URI', 'entra-app-vending'],
    ['ENTRA_AUTHORITY_HOST', 'http://login.microsoftonline.com'],
    ['ENTRA_AUTHORITY_HOST', 'https://login.microsoftonline.com/common'],
    ['KEY_VAULT_VERIFY_CHALLENGE_RESOURCE', 'yes'],
    ['SECRET_MAX_LIFETIME_DAYS', '731'],
    ['SECRET_MAX_LIFETIME_DAYS', '1.5'],
    ['SECRET_MAX_LIFETIME_DAYS', 'ninety'],
    ['SECRET_DEFAULT_LIFETIME_DAYS', '0'],
    ['SECRET_EXPIRING_WITHIN_DAYS', '366'],
    ['EXPIRY_SCAN_SCHEDULE', '0 6 * * *'],
    ['STORAGE_TABLE_SERVICE_URI', 'http://stvending.table.core.windows.net'],
    ['STORAGE_TABLE_SERVICE_URI', 'https://stvending.table.core.windows.net/?sv=2024&sig=abc'],
    ['LEDGER_TABLE', 'ledger-table'],
    ['LEDGER_TABLE', '1ledger'],
    ['IDEMPOTENCY_RETENTION_HOURS', '0'],
    ['IDEMPOTENCY_RETENTION_HOURS', '721'],
    ['IDEMPOTENCY_PURGE_SCHEDULE', 'hourly'],
  ])('refuses %s=%p, naming it', (key, value) => {
    const error = configError({ ...BASE, [key]: value });
    expect(error.problems.length).toBeGreaterThanOrEqual(1);
    for (const problem of error.problems) expect(problem).toContain(key);
  });

  it('refuses a default lifetime longer than the maximum, and accepts them equal', () => {
    const error = configError({ ...BASE, SECRET_MAX_LIFETIME_DAYS: '100', SECRET_DEFAULT_LIFETIME_DAYS: '101' });
    expect(error.problems).toHaveLength(1);
    expect(error.problems[0]).toContain('SECRET_DEFAULT_LIFETIME_DAYS');
    expect(error.problems[0]).toContain('SECRET_MAX_LIFETIME_DAYS');
    // The default of 90 days is over a max of 60 too.
    expect(configError({ ...BASE, SECRET_MAX_LIFETIME_DAYS: '60' }).problems).toHaveLength(1);
    const equal = loadConfig({ ...BASE, SECRET_MAX_LIFETIME_DAYS: '100', SECRET_DEFAULT_LIFETIME_DAYS: '100' });
    expect(equal.secretLifetime).toMatchObject({ maxDays: 100, defaultDays: 100 });
  });

  it('reads only its own settings from the environment', () => {
    const config = loadConfig({ ...BASE, UNRELATED: 'x', PATH: '/usr/bin' });
    expect(JSON.stringify(config)).not.toContain('/usr/bin');
  });
});

describe('loadConfig lists every problem at once', () => {
  it('reports a default above the maximum together with a missing vault URL', () => {
    const error = configError({
      AZURE_CLIENT_ID: CLIENT_ID,
      API_AUDIENCE: API_APP_ID,
      API_TENANT_ID: TENANT,
      STORAGE_TABLE_SERVICE_URI: BASE.STORAGE_TABLE_SERVICE_URI,
      STORAGE_QUEUE_SERVICE_URI: BASE.STORAGE_QUEUE_SERVICE_URI,
      SECRET_MAX_LIFETIME_DAYS: '100',
      SECRET_DEFAULT_LIFETIME_DAYS: '101',
    });
    expect(error.problems).toEqual(
      expect.arrayContaining([
        'KEY_VAULT_URL is required',
        'SECRET_DEFAULT_LIFETIME_DAYS must not exceed SECRET_MAX_LIFETIME_DAYS',
      ]),
    );
  });
  it.each([
    ['KEY_VAULT_URL', 'https://'],
    ['KEY_VAULT_URL', 'https://kv.vault.azure.net/secrets?x#y'],
    ['GRAPH_BASE_URL', 'https://'],
    ['ENTRA_AUTHORITY_HOST', 'https://'],
  ])('refuses %s=%s with a ConfigError, not a bare TypeError', (key, value) => {
    const error = configError({ ...BASE, [key]: value });
    expect(error.problems.some((p) => p.startsWith(key))).toBe(true);
  });
});
