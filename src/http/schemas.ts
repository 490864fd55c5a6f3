import { MAX_OWNERS } from '../vending/ownership';
import { FINDING_JSON_SCHEMA } from '../vending/scan/findings';
import { ALL_SLOTS, MAX_ROTATION_SLOTS } from '../vending/scan/rotationTags';
import { SCAN_ACTION_SWITCHES } from '../vending/scan/scanSettings';
import { CREDENTIAL_DISPLAY_NAME_PATTERN } from '../vending/secretNaming';

/**
 * JSON Schemas of every request and response body. ajv validates requests with them and the OpenAPI and connector
 * documents are built from them: one definition, every use. Keep them OpenAPI 3.0 compatible (no `const`, no type
 * arrays). Connectors take no `oneOf`: their rendition keeps the object branch of one (see connectorDocument.ts), so
 * every alternative form must also be expressible without it (e.g. `createSecret: false` beside `secret: false`).
 */

const GUID_PATTERN = '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$';

const ownerListSchema = {
  type: 'array',
  maxItems: MAX_OWNERS,
  items: { type: 'string', pattern: GUID_PATTERN },
  description: 'Object ids of users, groups or service principals.',
} as const;

/** A credential's name: its slot in Key Vault (`[A-Za-z0-9-]`, 1–64). */
function slotName(description: string) {
  return { type: 'string', pattern: CREDENTIAL_DISPLAY_NAME_PATTERN, maxLength: 64, description } as const;
}

/** When a credential of this `noun` is valid: lifetimeDays or endDateTime, and an optional start. */
function lifetimeProperties(noun: string) {
  return {
    lifetimeDays: {
      // No schema maximum: the deployment's policy decides, and beyond it is a 422 that names its maximum.
      type: 'integer',
      minimum: 1,
      description: `Days the ${noun} is valid, from its start; at most the deployment's maximum lifetime.`,
    },
    startDateTime: {
      type: 'string',
      format: 'date-time',
      description: `When the ${noun} becomes valid (now or later). Default now.`,
    },
    endDateTime: { type: 'string', format: 'date-time', description: `When the ${noun} stops being valid.` },
  } as const;
}

export const secretRequestSchema = {
  type: 'object',
  description: 'A new client secret. Give lifetimeDays or endDateTime (not both), or neither for the default lifetime.',
  additionalProperties: false,
  properties: {
    displayName: slotName(
      "The credential's name and slot: one Key Vault secret per slot, a new version per secret. Default 'default'.",
    ),
    ...lifetimeProperties('secret'),
  },
} as const;

export const createApplicationRequestSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['displayName'],
  properties: {
    displayName: {
      type: 'string',
      minLength: 1,
      maxLength: 120,
      description: 'Display name of the new app registration.',
    },
    description: { type: 'string', maxLength: 1024, description: 'Description of the app registration.' },
    createServicePrincipal: {
      type: 'boolean',
      default: true,
      description: 'Also create its service principal. Default true.',
    },
    createSecret: {
      type: 'boolean',
      default: true,
      description: 'Issue a first secret in the same Graph call. Default true; false for an app without a secret.',
    },
    secret: {
      description:
        'The first secret (default: one with the default lifetime). false, like createSecret false, for none.',
      oneOf: [secretRequestSchema, { type: 'boolean', enum: [false] }],
    },
    owners: {
      ...ownerListSchema,
      description:
        'More owners besides the caller, who always owns what it creates: object ids of users, groups or service principals.',
    },
    rotate: {
      type: 'boolean',
      default: false,
      description:
        'Let the expiry scan rotate every secret of the app before it expires (a new version of the same Key Vault secret; the old credential is removed after an overlap). Default false.',
    },
  },
} as const;

/** `PUT /applications/{appId}/owners`: the whole new owner list (never empty: an app keeps at least one owner). */
export const ownersRequestSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['owners'],
  properties: { owners: { ...ownerListSchema, minItems: 1 } },
} as const;

const keyVaultReferenceSchema = {
  type: 'object',
  required: ['secretName', 'version', 'secretUri', 'secretUriWithoutVersion', 'reference', 'versionedReference'],
  properties: {
    secretName: { type: 'string' },
    version: { type: 'string' },
    secretUri: { type: 'string', format: 'uri', description: 'Versioned secret URI (pinned).' },
    secretUriWithoutVersion: {
      type: 'string',
      format: 'uri',
      description: 'Versionless secret URI (follows rotation).',
    },
    reference: { type: 'string', description: 'App Service / Functions Key Vault reference to the versionless URI.' },
    versionedReference: { type: 'string', description: 'App Service / Functions Key Vault reference to this version.' },
  },
} as const;

export const issuedSecretSchema = {
  type: 'object',
  required: ['appId', 'keyId', 'displayName', 'startDateTime', 'endDateTime', 'keyVault'],
  properties: {
    appId: { type: 'string', pattern: GUID_PATTERN },
    keyId: { type: 'string', pattern: GUID_PATTERN },
    displayName: { type: 'string' },
    hint: {
      type: 'string',
      nullable: true,
      description: 'First three characters of the secret, as Graph reports them.',
    },
    startDateTime: { type: 'string', format: 'date-time' },
    endDateTime: { type: 'string', format: 'date-time' },
    keyVault: keyVaultReferenceSchema,
  },
} as const;

export const createdApplicationSchema = {
  type: 'object',
  required: ['application', 'servicePrincipal', 'secret'],
  properties: {
    application: {
      type: 'object',
      required: ['id', 'appId', 'displayName', 'owners'],
      properties: {
        id: { type: 'string' },
        appId: { type: 'string' },
        displayName: { type: 'string' },
        owners: { type: 'array', items: { type: 'string' } },
      },
    },
    servicePrincipal: { type: 'object', nullable: true, properties: { id: { type: 'string' } } },
    secret: { ...issuedSecretSchema, nullable: true },
  },
} as const;

/**
 * The list answer for one kind of an app's credentials, `{appId, <collection>: [...]}`: each item has the shared
 * members (keyId, displayName, dates, the status of `vending/credentialStatus`, keyVault) and those of its kind.
 */
function credentialListSchema(
  collection: string,
  kind: { properties: Record<string, object>; required: readonly string[]; keyVault: object },
) {
  return {
    type: 'object',
    required: ['appId', collection],
    properties: {
      appId: { type: 'string' },
      [collection]: {
        type: 'array',
        items: {
          type: 'object',
          required: ['keyId', ...kind.required, 'startDateTime', 'endDateTime', 'status', 'keyVault'],
          properties: {
            keyId: { type: 'string' },
            displayName: { type: 'string', nullable: true },
            ...kind.properties,
            startDateTime: { type: 'string', format: 'date-time' },
            endDateTime: { type: 'string', format: 'date-time' },
            status: { type: 'string', enum: ['active', 'expiring', 'expired', 'overPolicy'] },
            keyVault: kind.keyVault,
          },
        },
      },
    },
  } as const;
}

export const secretListSchema = credentialListSchema('secrets', {
  properties: { hint: { type: 'string', nullable: true } },
  required: [],
  keyVault: { ...keyVaultReferenceSchema, nullable: true },
});

/** An app a caller may manage, with its owners. */
export const managedApplicationSchema = {
  type: 'object',
  required: ['id', 'appId', 'displayName', 'owners'],
  properties: {
    id: { type: 'string', description: 'Object id of the application.' },
    appId: { type: 'string', pattern: GUID_PATTERN },
    displayName: { type: 'string' },
    owners: { type: 'array', items: { type: 'string' }, description: 'Object ids of its owners.' },
  },
} as const;

/** One page of `GET /applications`. */
export const applicationPageSchema = {
  type: 'object',
  required: ['value'],
  properties: {
    value: { type: 'array', items: managedApplicationSchema },
    nextLink: {
      type: 'string',
      format: 'uri',
      description: 'The next page; absent on the last. A page may hold fewer apps than asked for, even none.',
    },
  },
} as const;

export const certificateRequestSchema = {
  type: 'object',
  description:
    'A new certificate credential. Key Vault creates it (default), or give certificate to add your own public certificate. Give lifetimeDays or endDateTime (not both), or neither for the default lifetime.',
  additionalProperties: false,
  properties: {
    displayName: slotName("The credential's name and Key Vault certificate slot. Default 'default'."),
    ...lifetimeProperties('certificate credential'),
    exportable: {
      type: 'boolean',
      description:
        'Key Vault only: make the private key exportable (readable as a secret). Refused unless the deployment allows it. Default false.',
    },
    keySize: { type: 'integer', enum: [2048, 3072, 4096], description: 'Key Vault only: RSA key size. Default 2048.' },
    certificate: {
      type: 'string',
      minLength: 1,
      maxLength: 16384,
      description:
        'Bring your own: the public X.509 certificate, base64 DER or PEM (RSA ≥ 2048 bits or EC P-256+). Never a private key.',
    },
  },
} as const;

const certificateInVaultSchema = {
  type: 'object',
  nullable: true,
  required: ['certificateName', 'version', 'certificateId', 'keyId', 'exportable', 'secret'],
  properties: {
    certificateName: { type: 'string' },
    version: { type: 'string' },
    certificateId: { type: 'string', format: 'uri' },
    keyId: {
      type: 'string',
      format: 'uri',
      description: "The certificate's key: sign client assertions with it through Key Vault (Key Vault Crypto User).",
    },
    exportable: { type: 'boolean' },
    secret: { ...keyVaultReferenceSchema, nullable: true, description: 'Only for an exportable certificate.' },
  },
} as const;

export const issuedCertificateSchema = {
  type: 'object',
  required: ['appId', 'keyId', 'displayName', 'thumbprint', 'startDateTime', 'endDateTime', 'source', 'keyVault'],
  properties: {
    appId: { type: 'string', pattern: GUID_PATTERN },
    keyId: { type: 'string', pattern: GUID_PATTERN },
    displayName: { type: 'string' },
    thumbprint: { type: 'string', description: 'SHA-1 thumbprint, upper-case hex (the x5t a client assertion names).' },
    startDateTime: { type: 'string', format: 'date-time' },
    endDateTime: { type: 'string', format: 'date-time' },
    source: { type: 'string', enum: ['keyVault', 'uploaded'] },
    keyVault: certificateInVaultSchema,
  },
} as const;

export const certificateListSchema = credentialListSchema('certificates', {
  properties: { thumbprint: { type: 'string' } },
  required: ['thumbprint'],
  keyVault: {
    type: 'object',
    nullable: true,
    properties: {
      certificateName: { type: 'string' },
      version: { type: 'string' },
      certificateId: { type: 'string' },
      enabled: { type: 'boolean' },
    },
  },
});

/** `POST /scans`: an empty body runs a real scan. */
export const scanRequestSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    dryRun: {
      type: 'boolean',
      default: false,
      description: 'Judge and report only: no lock, no change in Entra or Key Vault, no event, no stored report.',
    },
  },
} as const;

const usageSchema = {
  type: 'object',
  properties: {
    calls: { type: 'integer', description: 'Requests sent, retries included.' },
    throttled: { type: 'integer', description: 'Answers that asked to slow down (429, 503).' },
    waitMs: { type: 'integer', description: 'Time waited before retries.' },
  },
} as const;

const countsSchema = { type: 'object', additionalProperties: { type: 'integer' } } as const;

/** The report of one expiry scan run. */
export const scanReportSchema = {
  type: 'object',
  required: ['runId', 'trigger', 'dryRun', 'startedAt', 'finishedAt', 'counts', 'findings'],
  properties: {
    runId: { type: 'string' },
    trigger: { type: 'string', enum: ['timer', 'api', 'cli'] },
    dryRun: { type: 'boolean' },
    startedAt: { type: 'string', format: 'date-time' },
    finishedAt: { type: 'string', format: 'date-time' },
    durationMs: { type: 'integer' },
    applications: { type: 'integer', description: 'Applications this API owns, read.' },
    credentials: { type: 'integer', description: 'Their password credentials.' },
    keyCredentials: { type: 'integer', description: 'Their key credentials (certificates).' },
    vaultSecrets: { type: 'integer', description: 'Key Vault secrets written by this API.' },
    vaultCertificates: { type: 'integer', description: 'Key Vault certificates written by this API.' },
    counts: { ...countsSchema, description: 'Credentials and versions per class (healthy included).' },
    outcomes: { ...countsSchema, description: 'Findings per outcome of their action.' },
    findings: { type: 'array', items: FINDING_JSON_SCHEMA },
    events: {
      type: 'object',
      properties: { published: { type: 'integer' }, failed: { type: 'integer' } },
    },
    usage: { type: 'object', properties: { graph: usageSchema, keyVault: usageSchema } },
    settings: {
      type: 'object',
      properties: {
        actions: { type: 'array', items: { type: 'string', enum: [...SCAN_ACTION_SWITCHES] } },
        graceDays: { type: 'integer' },
        rotationOverlapDays: { type: 'integer' },
      },
    },
  },
} as const;

const rotationSlotsSchema = {
  type: 'array',
  maxItems: MAX_ROTATION_SLOTS,
  items: {
    type: 'string',
    pattern: `^(?:\\${ALL_SLOTS}|${CREDENTIAL_DISPLAY_NAME_PATTERN.slice(1, -1)})$`,
  },
  description: `Credential slots (displayNames) the expiry scan rotates: "${ALL_SLOTS}" for every slot, [] for none.`,
} as const;

/** `PUT /applications/{appId}/rotation`: the whole new opt-in. */
export const rotationRequestSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['slots'],
  properties: { slots: rotationSlotsSchema },
} as const;

/** An app's rotation opt-in. */
export const rotationSchema = {
  type: 'object',
  required: ['appId', 'slots'],
  properties: { appId: { type: 'string', pattern: GUID_PATTERN }, slots: rotationSlotsSchema },
} as const;

export const problemSchema = {
  type: 'object',
  description: 'RFC 9457 problem details.',
  required: ['type', 'title', 'status'],
  properties: {
    type: { type: 'string' },
    title: { type: 'string' },
    status: { type: 'integer' },
    detail: { type: 'string' },
    instance: { type: 'string' },
    correlationId: { type: 'string' },
    errors: {
      type: 'array',
      items: { type: 'object', properties: { pointer: { type: 'string' }, detail: { type: 'string' } } },
    },
    maxLifetimeDays: { type: 'integer' },
    maxBodyBytes: { type: 'integer' },
  },
} as const;

const auditRecordSchema = {
  type: 'object',
  required: ['time', 'operation', 'correlationId', 'caller'],
  properties: {
    time: { type: 'string', format: 'date-time', description: 'When the request arrived.' },
    operation: { type: 'string', description: 'The route operation, e.g. addSecret.' },
    correlationId: { type: 'string' },
    status: { type: 'integer', description: 'The HTTP status answered.' },
    problemType: { type: 'string', description: 'The problem code of an error answer.' },
    caller: {
      type: 'object',
      required: ['id', 'roles'],
      properties: {
        id: { type: 'string', description: 'Object id of the caller.' },
        appId: { type: 'string' },
        name: { type: 'string', description: 'Display name or UPN, when the token carried one.' },
        roles: { type: 'array', items: { type: 'string' } },
      },
    },
    appId: { type: 'string' },
    keyId: { type: 'string' },
    secretName: { type: 'string' },
    secretVersion: { type: 'string' },
    certificateName: {
      type: 'string',
      description: 'The Key Vault certificate a certificate operation made or disabled.',
    },
    certificateVersion: { type: 'string' },
    idempotencyKey: { type: 'string' },
    replayed: { type: 'boolean', description: 'The answer replayed the first answer given for the key.' },
    logicApps: {
      type: 'object',
      properties: { runId: { type: 'string' }, workflowId: { type: 'string' }, actionName: { type: 'string' } },
    },
    operationState: {
      type: 'string',
      description: 'For changes to Entra: completed, compensated, compensationFailed, or how the scan settled it.',
    },
  },
} as const;

export const auditPageSchema = {
  type: 'object',
  required: ['records', 'continuationToken'],
  properties: {
    records: { type: 'array', items: auditRecordSchema },
    continuationToken: { type: 'string', nullable: true, description: 'Pass to get the next page; null on the last.' },
  },
} as const;

export const healthSchema = {
  type: 'object',
  required: ['status'],
  properties: { status: { type: 'string', enum: ['ok'] }, version: { type: 'string' } },
} as const;

/** Path parameters, validated before any upstream call. */
export const appIdParameterPattern = GUID_PATTERN;

/** Every path parameter a route template may hold: its title, description and schema, for both documents. */
export const pathParameters: Record<string, { title: string; description: string; schema: object }> = {
  appId: {
    title: 'Application ID',
    description: 'The application (client) id.',
    schema: { type: 'string', pattern: GUID_PATTERN },
  },
  keyId: {
    title: 'Key ID',
    description: 'The credential keyId.',
    schema: { type: 'string', pattern: GUID_PATTERN },
  },
};

/** A page token as Graph writes it in its links: no separators, so it cannot carry other query options. */
export const skipTokenPattern = '^[A-Za-z0-9%+/=_.~-]{1,4096}$';
