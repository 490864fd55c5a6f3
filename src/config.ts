import Ajv, { ErrorObject } from 'ajv';
import addFormats from 'ajv-formats';
import { SCAN_ACTION_SWITCHES, ScanActionSwitch } from './vending/scan/scanSettings';
import { withoutTrailingSlashes } from './vending/units';

/** `SCAN_ACTIONS`: `all`, `none`, or a comma-separated list of the scan's action switches. */
const SCAN_ACTIONS_PATTERN = `^(all|none|(${SCAN_ACTION_SWITCHES.join('|')})(,(${SCAN_ACTION_SWITCHES.join('|')}))*)$`;

/**
 * Every app setting the product reads, as one JSON Schema. `loadConfig` validates the environment against it once at
 * start-up; infra tests read it to check that Bicep sets each of them. Values arrive as strings and are coerced.
 */
export const appSettingsSchema = {
  type: 'object',
  properties: {
    KEY_VAULT_URL: {
      type: 'string',
      format: 'uri',
      pattern: '^https://',
      description: 'Vault that receives every issued secret, e.g. https://kv-vending.vault.azure.net.',
    },
    AZURE_CLIENT_ID: {
      type: 'string',
      format: 'uuid',
      description: 'Client id of the user-assigned managed identity the function runs as.',
    },
    GRAPH_BASE_URL: {
      type: 'string',
      format: 'uri',
      pattern: '^https://',
      default: 'https://graph.microsoft.com',
      description: 'Graph endpoint; a national cloud sets its own (e.g. https://graph.microsoft.us).',
    },
    GRAPH_TOKEN_SCOPE: {
      type: 'string',
      pattern: '/\\.default$',
      default: 'https://graph.microsoft.com/.default',
      description: 'Scope asked of the identity for Graph tokens; national clouds differ.',
    },
    KEY_VAULT_VERIFY_CHALLENGE_RESOURCE: {
      type: 'boolean',
      default: true,
      description:
        'Check that the vault host matches the resource of its auth challenge. Only a local emulator turns it off.',
    },
    SECRET_MAX_LIFETIME_DAYS: {
      type: 'integer',
      minimum: 1,
      maximum: 730,
      default: 180,
      description: 'Longest lifetime a secret may be issued with.',
    },
    SECRET_DEFAULT_LIFETIME_DAYS: {
      type: 'integer',
      minimum: 1,
      maximum: 730,
      default: 90,
      description: 'Lifetime when the caller asks for none; at most SECRET_MAX_LIFETIME_DAYS.',
    },
    SECRET_EXPIRING_WITHIN_DAYS: {
      type: 'integer',
      minimum: 1,
      maximum: 365,
      default: 30,
      description: 'A credential ending within this many days is reported as expiring.',
    },
    CERTIFICATE_MAX_LIFETIME_DAYS: {
      type: 'integer',
      minimum: 1,
      maximum: 3650,
      default: 365,
      description: 'Longest lifetime a certificate credential may be added with.',
    },
    CERTIFICATE_DEFAULT_LIFETIME_DAYS: {
      type: 'integer',
      minimum: 1,
      maximum: 3650,
      default: 180,
      description:
        'Lifetime of a certificate credential when the caller asks for none; at most CERTIFICATE_MAX_LIFETIME_DAYS.',
    },
    CERTIFICATE_ALLOW_EXPORTABLE: {
      type: 'boolean',
      default: false,
      description:
        'Whether a caller may ask Key Vault for an exportable certificate key (readable as a secret). Off: keys stay in the vault.',
    },
    EXPIRY_SCAN_SCHEDULE: {
      type: 'string',
      pattern: '^\\S+( \\S+){5}$',
      default: '0 0 6 * * *',
      description: 'NCRONTAB (six fields) of the expiry scan timer.',
    },
    API_AUDIENCE: {
      type: 'string',
      format: 'uuid',
      description:
        "Application (client) id of the vending API's own app registration: the aud of its v2 access tokens. Required: without it the API refuses to start (it never serves anonymously).",
    },
    API_IDENTIFIER_URI: {
      type: 'string',
      pattern: '^[a-zA-Z][a-zA-Z0-9+.-]*://\\S+$',
      description:
        "The API's identifier URI (App ID URI, e.g. api://<tenantId>/entra-app-vending). Optional: also accepted as aud (v1 tokens carry it) and named in 401 challenges and scopes.",
    },
    API_TENANT_ID: {
      type: 'string',
      format: 'uuid',
      description: 'Tenant whose tokens the API accepts (the tid claim). Required.',
    },
    ENTRA_AUTHORITY_HOST: {
      type: 'string',
      format: 'uri',
      pattern: '^https://',
      default: 'https://login.microsoftonline.com',
      description:
        'Entra authority host: OpenID discovery and signing keys are read from <host>/<tenant>/v2.0. National clouds set theirs (e.g. https://login.microsoftonline.us).',
    },
    STORAGE_TABLE_SERVICE_URI: {
      type: 'string',
      format: 'uri',
      pattern: '^https://',
      description:
        'Table service of the storage account that holds the audit ledger, reached with the managed identity (https://<account>.table.core.windows.net).',
    },
    LEDGER_TABLE: {
      type: 'string',
      pattern: '^[A-Za-z][A-Za-z0-9]{2,62}$',
      default: 'ledger',
      description: 'Table of the audit ledger: request records, write-ahead operation records, idempotency records.',
    },
    IDEMPOTENCY_RETENTION_HOURS: {
      type: 'integer',
      minimum: 1,
      maximum: 720,
      default: 24,
      description: 'How long an Idempotency-Key is remembered: a retry within it replays the first answer.',
    },
    IDEMPOTENCY_PURGE_SCHEDULE: {
      type: 'string',
      pattern: '^\\S+( \\S+){5}$',
      default: '0 15 * * * *',
      description: 'NCRONTAB (six fields) of the timer that deletes idempotency records past their retention.',
    },
    STORAGE_QUEUE_SERVICE_URI: {
      type: 'string',
      format: 'uri',
      pattern: '^https://',
      description:
        'Queue service of the storage account, reached with the managed identity (https://<account>.queue.core.windows.net): the expiry scan sends its events there.',
    },
    CREDENTIAL_EVENTS_QUEUE: {
      type: 'string',
      pattern: '^[a-z0-9](?:[a-z0-9]|-(?=[a-z0-9])){2,62}$',
      default: 'credential-events',
      description: 'Queue the expiry scan sends its CloudEvents to.',
    },
    SCAN_TABLE: {
      type: 'string',
      pattern: '^[A-Za-z][A-Za-z0-9]{2,62}$',
      default: 'scans',
      description:
        "Table of the expiry scan's lock, rotation claims and reports (in the STORAGE_TABLE_SERVICE_URI account).",
    },
    SCAN_ACTIONS: {
      type: 'string',
      pattern: SCAN_ACTIONS_PATTERN,
      default: 'all',
      description: `What the expiry scan may do besides report: all, none, or a comma-separated list of ${SCAN_ACTION_SWITCHES.join(', ')}.`,
    },
    SCAN_GRACE_DAYS: {
      type: 'integer',
      minimum: 0,
      maximum: 365,
      default: 7,
      description:
        'Expired and orphaned credentials are removed, and stale vault versions disabled, only this many days after they became so.',
    },
    SCAN_ROTATION_OVERLAP_DAYS: {
      type: 'integer',
      minimum: 2,
      maximum: 90,
      default: 3,
      description:
        "A rotated credential is removed this many days after its successor: longer than App Service's 24-hour Key Vault reference refresh.",
    },
    SCAN_WRITE_CONCURRENCY: {
      type: 'integer',
      minimum: 1,
      maximum: 32,
      default: 4,
      description: 'Most Graph and Key Vault writes the expiry scan has in flight at once.',
    },
    REQUEST_DEADLINE_MS: {
      type: 'integer',
      minimum: 100,
      maximum: 100_000,
      default: 60_000,
      description:
        "How long a request may work before it stops, rolls back and answers 503 with Retry-After: every Graph, Key Vault and identity call gets it as an AbortSignal. With COMPENSATION_BUDGET_MS at most 110 000, below the host's 2-minute functionTimeout and Logic Apps' 120 s action timeout.",
    },
    COMPENSATION_BUDGET_MS: {
      type: 'integer',
      minimum: 100,
      maximum: 100_000,
      default: 45_000,
      description:
        "How long a rollback (or the end of a revocation) may keep going, past the request's deadline if need be: it retries through Entra's replication lag and looks for writes whose answer was lost; what it cannot finish stays open in the ledger.",
    },
  },
  required: [
    'KEY_VAULT_URL',
    'AZURE_CLIENT_ID',
    'API_AUDIENCE',
    'API_TENANT_ID',
    'STORAGE_TABLE_SERVICE_URI',
    'STORAGE_QUEUE_SERVICE_URI',
  ],
} as const;

/** The validated, frozen configuration of one process. */
export interface Config {
  readonly keyVaultUrl: string;
  readonly managedIdentityClientId: string;
  readonly graph: { readonly baseUrl: string; readonly tokenScope: string; readonly customHosts: readonly string[] };
  readonly keyVaultVerifyChallengeResource: boolean;
  readonly secretLifetime: {
    readonly maxDays: number;
    readonly defaultDays: number;
    readonly expiringWithinDays: number;
  };
  readonly certificates: {
    readonly maxDays: number;
    readonly defaultDays: number;
    readonly allowExportable: boolean;
  };
  readonly expiryScanSchedule: string;
  readonly api: ApiAuthenticationConfig;
  readonly ledger: { readonly tableServiceUri: string; readonly tableName: string };
  readonly idempotency: { readonly retentionHours: number; readonly purgeSchedule: string };
  /** The expiry scan: what it may do, and where it keeps its lock, claims and reports and sends its events. */
  readonly scan: {
    readonly actions: ReadonlySet<ScanActionSwitch>;
    readonly graceDays: number;
    readonly rotationOverlapDays: number;
    readonly writeConcurrency: number;
    /** SCAN_TABLE, in the STORAGE_TABLE_SERVICE_URI account. */
    readonly tableName: string;
    readonly queueServiceUri: string;
    readonly eventsQueue: string;
  };
  /** Per request: forward work until `deadlineMs`, then up to `compensationMs` for a rollback. */
  readonly deadlines: { readonly deadlineMs: number; readonly compensationMs: number };
}

/**
 * What a request may take in all, deadline and rollback: below the Functions host's `functionTimeout` (2 minutes in
 * host.json) and Logic Apps' 120 s action timeout, with room for the ledger's writes and the answer.
 */
export const MAX_REQUEST_TIME_MS = 110_000;

/** The delegated scope the API exposes (graph.bicep's oauth2PermissionScopes): a user token must carry it in scp. */
export const API_DELEGATED_SCOPE = 'access_as_user';

/** Who may call the API: the audience, tenant and authority callers' tokens are checked against. */
export interface ApiAuthenticationConfig {
  /** The API's application (client) id (API_AUDIENCE). */
  readonly clientId: string;
  /** The API's identifier URI (API_IDENTIFIER_URI), if configured. */
  readonly identifierUri: string | undefined;
  readonly tenantId: string;
  /** e.g. https://login.microsoftonline.com, no trailing slash. */
  readonly authorityHost: string;
  /** Every aud a caller's token may carry: the client id, and the identifier URI when set. */
  readonly audiences: readonly string[];
  /** Every iss accepted: v1 (https://sts.windows.net/{tid}/) and v2 ({authority}/{tid}/v2.0). */
  readonly issuers: readonly string[];
  /** Where the tenant's OpenID configuration (and through it the signing keys) is read. */
  readonly openIdConfigurationUrl: string;
  /** The scope clients ask for: `<identifier URI or client id>/access_as_user` (delegated), `…/.default` (app-only). */
  readonly scopes: { readonly delegated: string; readonly appOnly: string };
}

interface ValidatedSettings {
  KEY_VAULT_URL: string;
  AZURE_CLIENT_ID: string;
  GRAPH_BASE_URL: string;
  GRAPH_TOKEN_SCOPE: string;
  KEY_VAULT_VERIFY_CHALLENGE_RESOURCE: boolean;
  SECRET_MAX_LIFETIME_DAYS: number;
  SECRET_DEFAULT_LIFETIME_DAYS: number;
  SECRET_EXPIRING_WITHIN_DAYS: number;
  CERTIFICATE_MAX_LIFETIME_DAYS: number;
  CERTIFICATE_DEFAULT_LIFETIME_DAYS: number;
  CERTIFICATE_ALLOW_EXPORTABLE: boolean;
  EXPIRY_SCAN_SCHEDULE: string;
  API_AUDIENCE: string;
  API_IDENTIFIER_URI?: string;
  API_TENANT_ID: string;
  ENTRA_AUTHORITY_HOST: string;
  STORAGE_TABLE_SERVICE_URI: string;
  LEDGER_TABLE: string;
  IDEMPOTENCY_RETENTION_HOURS: number;
  IDEMPOTENCY_PURGE_SCHEDULE: string;
  STORAGE_QUEUE_SERVICE_URI: string;
  CREDENTIAL_EVENTS_QUEUE: string;
  SCAN_TABLE: string;
  SCAN_ACTIONS: string;
  SCAN_GRACE_DAYS: number;
  SCAN_ROTATION_OVERLAP_DAYS: number;
  SCAN_WRITE_CONCURRENCY: number;
  REQUEST_DEADLINE_MS: number;
  COMPENSATION_BUDGET_MS: number;
}

/** The switches a valid `SCAN_ACTIONS` names. */
function scanActions(value: string): ReadonlySet<ScanActionSwitch> {
  if (value === 'all') return new Set(SCAN_ACTION_SWITCHES);
  if (value === 'none') return new Set();
  return new Set(value.split(',') as ScanActionSwitch[]);
}

/** One bad setting: its name and what is wrong, never its value (a value may be a secret). */
export interface ConfigProblem {
  setting: string;
  problem: string;
}

/** Thrown with every bad setting listed at once, so a misconfigured deployment is fixed in one round. */
export class ConfigError extends Error {
  /** Each problem as `SETTING what is wrong`. */
  readonly problems: readonly string[];
  /** The names of the offending settings, each once. */
  readonly settings: readonly string[];

  constructor(problems: readonly ConfigProblem[]) {
    const lines = problems.map((p) => `${p.setting} ${p.problem}`);
    super(`Invalid app settings:\n- ${lines.join('\n- ')}`);
    this.name = 'ConfigError';
    this.problems = lines;
    this.settings = [...new Set(problems.map((p) => p.setting))];
  }
}

const ajv = new Ajv({ allErrors: true, coerceTypes: true, useDefaults: true });
addFormats(ajv);
const validateSettings = ajv.compile(appSettingsSchema);

function describe(error: ErrorObject): ConfigProblem {
  if (error.keyword === 'required')
    return { setting: (error.params as { missingProperty: string }).missingProperty, problem: 'is required' };
  return { setting: error.instancePath.slice(1), problem: error.message ?? 'is invalid' };
}

/** A service root must be an https URL with a host and nothing after the path: no query, no fragment. */
function serviceUrlProblems(setting: string, value: string): ConfigProblem[] {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return [{ setting, problem: 'must be an absolute https URL' }];
  }
  if (url.hostname === '') return [{ setting, problem: 'must name a host' }];
  if (url.search !== '' || url.hash !== '') return [{ setting, problem: 'must not carry a query or fragment' }];
  return [];
}

/** Reads and validates the settings from `env` (default: the process environment). Call once, at start-up. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const settings: Record<string, unknown> = {};
  for (const key of Object.keys(appSettingsSchema.properties)) {
    const value = env[key];
    if (value !== undefined && value !== '') settings[key] = value;
  }
  const problems: ConfigProblem[] = [];
  if (!validateSettings(settings)) problems.push(...(validateSettings.errors ?? []).map(describe));
  const badKeys = new Set((validateSettings.errors ?? []).map((e) => e.instancePath.slice(1)));
  const s = settings as unknown as ValidatedSettings;
  if (
    !badKeys.has('SECRET_DEFAULT_LIFETIME_DAYS') &&
    !badKeys.has('SECRET_MAX_LIFETIME_DAYS') &&
    s.SECRET_DEFAULT_LIFETIME_DAYS > s.SECRET_MAX_LIFETIME_DAYS
  ) {
    problems.push({ setting: 'SECRET_DEFAULT_LIFETIME_DAYS', problem: 'must not exceed SECRET_MAX_LIFETIME_DAYS' });
  }
  if (
    !badKeys.has('CERTIFICATE_DEFAULT_LIFETIME_DAYS') &&
    !badKeys.has('CERTIFICATE_MAX_LIFETIME_DAYS') &&
    s.CERTIFICATE_DEFAULT_LIFETIME_DAYS > s.CERTIFICATE_MAX_LIFETIME_DAYS
  ) {
    problems.push({
      setting: 'CERTIFICATE_DEFAULT_LIFETIME_DAYS',
      problem: 'must not exceed CERTIFICATE_MAX_LIFETIME_DAYS',
    });
  }
  if (
    !badKeys.has('REQUEST_DEADLINE_MS') &&
    !badKeys.has('COMPENSATION_BUDGET_MS') &&
    s.REQUEST_DEADLINE_MS + s.COMPENSATION_BUDGET_MS > MAX_REQUEST_TIME_MS
  ) {
    problems.push({
      setting: 'COMPENSATION_BUDGET_MS',
      problem: `with REQUEST_DEADLINE_MS must not exceed ${MAX_REQUEST_TIME_MS} ms (the host's and Logic Apps' timeouts)`,
    });
  }
  for (const key of [
    'KEY_VAULT_URL',
    'GRAPH_BASE_URL',
    'ENTRA_AUTHORITY_HOST',
    'STORAGE_TABLE_SERVICE_URI',
    'STORAGE_QUEUE_SERVICE_URI',
  ] as const) {
    if (badKeys.has(key) || typeof settings[key] !== 'string') continue;
    problems.push(...serviceUrlProblems(key, settings[key]));
  }
  // The tenant path is appended to the authority host, so it must be an origin alone.
  const authority = settings.ENTRA_AUTHORITY_HOST;
  if (!badKeys.has('ENTRA_AUTHORITY_HOST') && typeof authority === 'string' && URL.canParse(authority)) {
    if (new URL(authority).pathname.replace(/\/+$/, '') !== '') {
      problems.push({
        setting: 'ENTRA_AUTHORITY_HOST',
        problem: 'must be an origin (https://host[:port]) without a path',
      });
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);

  const graphBaseUrl = withoutTrailingSlashes(s.GRAPH_BASE_URL);
  return Object.freeze({
    keyVaultUrl: withoutTrailingSlashes(s.KEY_VAULT_URL),
    managedIdentityClientId: s.AZURE_CLIENT_ID,
    graph: Object.freeze({
      baseUrl: graphBaseUrl,
      tokenScope: s.GRAPH_TOKEN_SCOPE,
      // The Graph client attaches tokens only to hosts it knows or is told of, by hostname without port.
      customHosts: Object.freeze([new URL(graphBaseUrl).hostname]),
    }),
    keyVaultVerifyChallengeResource: s.KEY_VAULT_VERIFY_CHALLENGE_RESOURCE,
    secretLifetime: Object.freeze({
      maxDays: s.SECRET_MAX_LIFETIME_DAYS,
      defaultDays: s.SECRET_DEFAULT_LIFETIME_DAYS,
      expiringWithinDays: s.SECRET_EXPIRING_WITHIN_DAYS,
    }),
    certificates: Object.freeze({
      maxDays: s.CERTIFICATE_MAX_LIFETIME_DAYS,
      defaultDays: s.CERTIFICATE_DEFAULT_LIFETIME_DAYS,
      allowExportable: s.CERTIFICATE_ALLOW_EXPORTABLE,
    }),
    expiryScanSchedule: s.EXPIRY_SCAN_SCHEDULE,
    api: apiAuthentication(s),
    ledger: Object.freeze({
      tableServiceUri: withoutTrailingSlashes(s.STORAGE_TABLE_SERVICE_URI),
      tableName: s.LEDGER_TABLE,
    }),
    idempotency: Object.freeze({
      retentionHours: s.IDEMPOTENCY_RETENTION_HOURS,
      purgeSchedule: s.IDEMPOTENCY_PURGE_SCHEDULE,
    }),
    scan: Object.freeze({
      actions: scanActions(s.SCAN_ACTIONS),
      graceDays: s.SCAN_GRACE_DAYS,
      rotationOverlapDays: s.SCAN_ROTATION_OVERLAP_DAYS,
      writeConcurrency: s.SCAN_WRITE_CONCURRENCY,
      tableName: s.SCAN_TABLE,
      queueServiceUri: withoutTrailingSlashes(s.STORAGE_QUEUE_SERVICE_URI),
      eventsQueue: s.CREDENTIAL_EVENTS_QUEUE,
    }),
    deadlines: Object.freeze({ deadlineMs: s.REQUEST_DEADLINE_MS, compensationMs: s.COMPENSATION_BUDGET_MS }),
  });
}

function apiAuthentication(s: ValidatedSettings): ApiAuthenticationConfig {
  const clientId = s.API_AUDIENCE.toLowerCase();
  const tenantId = s.API_TENANT_ID.toLowerCase();
  const identifierUri = s.API_IDENTIFIER_URI === undefined ? undefined : withoutTrailingSlashes(s.API_IDENTIFIER_URI);
  const authorityHost = withoutTrailingSlashes(s.ENTRA_AUTHORITY_HOST);
  // Entra takes the client id itself as a resource where the app has no identifier URI.
  const scopeBase = identifierUri ?? clientId;
  return Object.freeze({
    clientId,
    identifierUri,
    tenantId,
    authorityHost,
    audiences: Object.freeze(identifierUri === undefined ? [clientId] : [clientId, identifierUri]),
    // v1 tokens name the tenant at sts.windows.net whatever the authority; v2 tokens name the authority itself.
    issuers: Object.freeze([`https://sts.windows.net/${tenantId}/`, `${authorityHost}/${tenantId}/v2.0`]),
    openIdConfigurationUrl: `${authorityHost}/${tenantId}/v2.0/.well-known/openid-configuration`,
    scopes: Object.freeze({ delegated: `${scopeBase}/${API_DELEGATED_SCOPE}`, appOnly: `${scopeBase}/.default` }),
  });
}
