import { HttpMethod } from '@azure/functions';
import { APP_ROLES, AppRole, MAX_OWNERS } from '../vending/ownership';
import { AUDIT_CONTINUATION_TOKEN_MAX_CHARS, AUDIT_PAGE_SIZE } from './auditQuery';
import {
  applicationPageSchema,
  auditPageSchema,
  certificateListSchema,
  certificateRequestSchema,
  createApplicationRequestSchema,
  createdApplicationSchema,
  healthSchema,
  issuedCertificateSchema,
  issuedSecretSchema,
  managedApplicationSchema,
  ownersRequestSchema,
  problemSchema,
  rotationRequestSchema,
  rotationSchema,
  scanReportSchema,
  scanRequestSchema,
  secretListSchema,
  secretRequestSchema,
  skipTokenPattern,
} from './schemas';

/**
 * Who may call a route: anyone (`anonymous`: only liveness and the API description), or a caller with a valid Entra
 * access token for this API holding at least one of `roles` (a delegated token must also carry the API's scope).
 * Which apps the caller may then touch is decided by `vending/ownership.ts`.
 */
export type RouteAuthorization = 'anonymous' | { roles: readonly AppRole[] };

/** A query parameter a route reads: its name, schema and meaning. */
export interface QueryParameter {
  name: string;
  schema: object;
  description: string;
}

/** One HTTP route: what the host registers and what the OpenAPI and connector documents describe. */
export interface RouteDefinition {
  /** Function name in the Functions host; also the OpenAPI operationId (PascalCased in the connector document). */
  name: string;
  methods: HttpMethod[];
  /** Route template under `/api`, in Functions syntax (`applications/{appId}/secrets`). */
  route: string;
  summary: string;
  description?: string;
  /** Who may call it; every route says, so none is open by omission. */
  auth: RouteAuthorization;
  /** Query parameters, if it reads any. */
  query?: readonly QueryParameter[];
  /** The JSON body the route reads: its schema, and whether it may be left out (then all its fields default). */
  requestBody?: { schema: object; required: boolean };
  /** Status → [description, schema]. */
  responses: Record<number, [string, object | undefined]>;
  tag: string;
  /** Answers cross-origin reads and their preflight (`OPTIONS`), as the Logic Apps designer needs for a document. */
  cors?: true;
  /** How the route appears in the connector document: `x-ms-visibility` (default `important`); `false` leaves it out. */
  connector?: false | { visibility: 'important' | 'advanced' | 'internal' };
}

const problems = {
  400: ['The request is malformed; the problem names each bad field.', problemSchema],
  429: ['Throttled upstream after retries; see Retry-After.', problemSchema],
  502: ['Graph or Key Vault refused the request.', problemSchema],
  503: [
    'Graph, Key Vault, Entra or the audit ledger unavailable; nothing was changed. See Retry-After.',
    problemSchema,
  ],
} as const satisfies Record<number, [string, object]>;

/** What a route that reads a JSON body may also answer. */
const bodyProblems = {
  413: ['The body is larger than the API accepts.', problemSchema],
  415: ['The body is not sent as application/json.', problemSchema],
} as const satisfies Record<number, [string, object]>;

/** What every route that needs a caller may also answer. */
const callerProblems = {
  401: [
    'No valid bearer token: get a Microsoft Entra access token for this API (see the WWW-Authenticate challenge).',
    problemSchema,
  ],
  403: [
    'The token holds none of the app roles this operation needs (or, for a user, not the API scope).',
    problemSchema,
  ],
} as const satisfies Record<number, [string, object]>;

/** What every POST may also answer: it accepts an Idempotency-Key (and derives one for Logic Apps runs). */
const idempotencyProblems = {
  409: ['The first request with this Idempotency-Key is still in progress; see Retry-After.', problemSchema],
} as const satisfies Record<number, [string, object]>;

const IDEMPOTENCY_NOTE =
  ' Safe to retry: send an Idempotency-Key header (a Logic Apps run is recognised without one) and a retry replays the first answer; the same key with another body is a 422.';

const { appCreate, secretCreate, admin } = APP_ROLES;

/**
 * The one table of routes: `functionList.ts` registers a handler for each, and the OpenAPI and connector documents
 * describe them.
 */
export const routes = {
  createApplication: {
    name: 'createApplication',
    methods: ['POST'],
    route: 'applications',
    tag: 'Applications',
    summary: 'Create an app registration with its service principal and a first secret',
    description:
      'Creates the app (this API becomes its Entra owner; the caller and the owners it names may manage it here), by default its service principal, and a first client secret in the same Graph call. The secret is stored in Key Vault; the answer carries its Key Vault reference, never its value.' +
      IDEMPOTENCY_NOTE,
    auth: { roles: [appCreate, admin] },
    requestBody: { schema: createApplicationRequestSchema, required: true },
    responses: {
      201: ['Created.', createdApplicationSchema],
      ...problems,
      ...bodyProblems,
      ...callerProblems,
      ...idempotencyProblems,
      422: ['The requested lifetime breaks the lifetime policy (ours or the tenant’s).', problemSchema],
    },
  },
  listApplications: {
    name: 'listApplications',
    methods: ['GET'],
    route: 'applications',
    tag: 'Applications',
    summary: 'List the app registrations the caller may manage',
    description:
      'One page of the apps this API owns, keeping those the caller (or one of its groups) owns; Admin sees every one. A page may hold fewer apps than top, even none, while nextLink is present: follow nextLink until it is absent.',
    auth: { roles: [appCreate, secretCreate, admin] },
    query: [
      {
        name: 'top',
        schema: { type: 'integer', minimum: 1, maximum: 999, default: 100 },
        description: 'How many of this API’s apps to look at for this page.',
      },
      {
        name: 'skipToken',
        schema: { type: 'string', pattern: skipTokenPattern },
        description: 'Where the page starts; taken from the previous page’s nextLink.',
      },
    ],
    responses: { 200: ['A page of apps.', applicationPageSchema], ...problems, ...callerProblems },
  },
  addSecret: {
    name: 'addSecret',
    methods: ['POST'],
    route: 'applications/{appId}/secrets',
    tag: 'Secrets',
    summary: 'Add a client secret to an app the caller may manage',
    description:
      'Issues a new client secret in the named slot of the app, stores it in Key Vault and answers its Key Vault reference, never its value.' +
      IDEMPOTENCY_NOTE,
    auth: { roles: [secretCreate, admin] },
    requestBody: { schema: secretRequestSchema, required: false },
    responses: {
      201: ['Issued and stored; the answer holds the Key Vault reference.', issuedSecretSchema],
      ...problems,
      ...bodyProblems,
      ...callerProblems,
      ...idempotencyProblems,
      404: ['No such app, or not one the caller may manage.', problemSchema],
      422: ['The requested lifetime breaks the lifetime policy (ours or the tenant’s).', problemSchema],
    },
  },
  listSecrets: {
    name: 'listSecrets',
    methods: ['GET'],
    route: 'applications/{appId}/secrets',
    tag: 'Secrets',
    summary: "List an app's client secrets with their status and Key Vault references",
    description:
      "Lists the app's password credentials, soonest to end first: names, dates, status and Key Vault references, never values.",
    auth: { roles: [secretCreate, admin] },
    responses: {
      200: ['The credentials, soonest to end first.', secretListSchema],
      ...problems,
      ...callerProblems,
      404: ['No such app, or not one the caller may manage.', problemSchema],
    },
  },
  revokeSecret: {
    name: 'revokeSecret',
    methods: ['DELETE'],
    route: 'applications/{appId}/secrets/{keyId}',
    tag: 'Secrets',
    summary: 'Remove a client secret from the app and disable its Key Vault version',
    description: 'Removes the credential in Entra, then disables the Key Vault version that held its value.',
    auth: { roles: [secretCreate, admin] },
    responses: {
      204: ['Removed.', undefined],
      ...problems,
      ...callerProblems,
      404: ['No such app or credential, or not one the caller may manage.', problemSchema],
    },
  },
  addCertificate: {
    name: 'addCertificate',
    methods: ['POST'],
    route: 'applications/{appId}/certificates',
    tag: 'Certificates',
    summary: 'Add a certificate credential to an app the caller may manage',
    description:
      'Key Vault creates a certificate (RSA, its key non-exportable by default) and its public part becomes a key credential of the app, the others kept; the app signs its client assertions through Key Vault. Or bring your own public certificate. The answer names the key to sign with, never a private key.' +
      IDEMPOTENCY_NOTE,
    auth: { roles: [secretCreate, admin] },
    requestBody: { schema: certificateRequestSchema, required: false },
    responses: {
      201: ['Added; the answer names the Key Vault certificate and key.', issuedCertificateSchema],
      ...problems,
      ...bodyProblems,
      ...callerProblems,
      ...idempotencyProblems,
      404: ['No such app, or not one the caller may manage.', problemSchema],
      422: [
        'The lifetime breaks the policy, or the certificate is refused (expired, weak key, too short).',
        problemSchema,
      ],
    },
  },
  listCertificates: {
    name: 'listCertificates',
    methods: ['GET'],
    route: 'applications/{appId}/certificates',
    tag: 'Certificates',
    summary: "List an app's certificate credentials with their status",
    description:
      "Lists the app's key credentials, soonest to end first, with the same status rules as secrets and the Key Vault certificate behind each.",
    auth: { roles: [secretCreate, admin] },
    responses: {
      200: ['The certificate credentials, soonest to end first.', certificateListSchema],
      ...problems,
      ...callerProblems,
      404: ['No such app, or not one the caller may manage.', problemSchema],
    },
  },
  revokeCertificate: {
    name: 'revokeCertificate',
    methods: ['DELETE'],
    route: 'applications/{appId}/certificates/{keyId}',
    tag: 'Certificates',
    summary: 'Remove a certificate credential and disable its Key Vault certificate',
    description: 'Removes the key credential in Entra, then disables the Key Vault certificate version (and its key).',
    auth: { roles: [secretCreate, admin] },
    responses: {
      204: ['Removed.', undefined],
      ...problems,
      ...callerProblems,
      404: ['No such app or credential, or not one the caller may manage.', problemSchema],
    },
  },
  getApplicationOwners: {
    name: 'getApplicationOwners',
    methods: ['GET'],
    route: 'applications/{appId}/owners',
    tag: 'Applications',
    summary: "An app's owners: who may manage it through this API",
    auth: { roles: [appCreate, secretCreate, admin] },
    responses: {
      200: ['The app and its owners.', managedApplicationSchema],
      ...problems,
      ...callerProblems,
      404: ['No such app, or not one the caller may manage.', problemSchema],
    },
  },
  setApplicationOwners: {
    name: 'setApplicationOwners',
    methods: ['PUT'],
    route: 'applications/{appId}/owners',
    tag: 'Applications',
    summary: "Replace an app's owners",
    description:
      'The new owner list replaces the old one. Owners are object ids of users, groups (their members may manage the app) or service principals. Safe to retry as it is: a PUT writes the same list again (no Idempotency-Key needed).',
    auth: { roles: [appCreate, admin] },
    requestBody: { schema: ownersRequestSchema, required: true },
    responses: {
      200: ['The app and its new owners.', managedApplicationSchema],
      ...problems,
      ...bodyProblems,
      ...callerProblems,
      404: ['No such app, or not one the caller may manage.', problemSchema],
      422: [`The owner list breaks a rule (at least one owner, at most ${MAX_OWNERS}).`, problemSchema],
    },
  },
  getRotation: {
    name: 'getRotation',
    methods: ['GET'],
    route: 'applications/{appId}/rotation',
    tag: 'Rotation',
    summary: 'Which of an app’s secret slots the expiry scan rotates',
    description: 'The app’s rotation opt-in: "*" for every slot, the slot names, or [] for none.',
    auth: { roles: [appCreate, secretCreate, admin] },
    responses: {
      200: ['The slots that opted in.', rotationSchema],
      ...problems,
      ...callerProblems,
      404: ['No such app, or not one the caller may manage.', problemSchema],
    },
  },
  setRotation: {
    name: 'setRotation',
    methods: ['PUT'],
    route: 'applications/{appId}/rotation',
    tag: 'Rotation',
    summary: 'Choose which of an app’s secret slots the expiry scan rotates',
    description:
      'Replaces the opt-in: "*" rotates every slot, names rotate those slots, [] none. Before a secret expires the scan issues a successor into the same Key Vault secret as a new version (the versionless reference follows it) and removes the old credential after an overlap. Owners of the app or Admin.',
    auth: { roles: [appCreate, secretCreate, admin] },
    requestBody: { schema: rotationRequestSchema, required: true },
    responses: {
      200: ['The slots that opted in now.', rotationSchema],
      ...problems,
      ...bodyProblems,
      ...callerProblems,
      404: ['No such app, or not one the caller may manage.', problemSchema],
    },
  },
  startScan: {
    name: 'startScan',
    methods: ['POST'],
    route: 'scans',
    tag: 'Scans',
    summary: 'Run the expiry scan now (Admin)',
    description:
      'Runs the scan the timer runs — classify every credential of every app this API owns, act on what is due, tell each finding as an event — and answers its report. {"dryRun": true} judges and reports only. 409 while another scan (the timer, another request, the CLI) holds the lock.',
    auth: { roles: [admin] },
    requestBody: { schema: scanRequestSchema, required: false },
    responses: {
      200: ['The report of the run.', scanReportSchema],
      ...problems,
      ...bodyProblems,
      ...callerProblems,
      409: ['Another scan is running; see Retry-After.', problemSchema],
    },
    // Admin operations answering a whole report: flows subscribe to the scan's queue events instead.
    connector: false,
  },
  latestScan: {
    name: 'latestScan',
    methods: ['GET'],
    route: 'scans/latest',
    tag: 'Scans',
    summary: 'The report of the last expiry scan (Admin)',
    description: 'The report the last scan stored (dry runs are not stored).',
    auth: { roles: [admin] },
    responses: {
      200: ['The last report.', scanReportSchema],
      ...problems,
      ...callerProblems,
      404: ['No scan has run yet.', problemSchema],
    },
    connector: false,
  },
  openApi: {
    name: 'openApi',
    methods: ['GET'],
    route: 'openapi.json',
    tag: 'Meta',
    summary: 'This OpenAPI document',
    description: 'The OpenAPI 3.0 document of this API, built from its route table and request schemas.',
    auth: 'anonymous',
    responses: { 200: ['OpenAPI 3.0 document.', { type: 'object' }] },
    cors: true,
    connector: false,
  },
  connectorDefinition: {
    name: 'connectorDefinition',
    methods: ['GET'],
    route: 'connector/swagger.json',
    tag: 'Meta',
    summary: 'The Swagger 2.0 connector definition',
    description:
      'The OpenAPI 2.0 (Swagger) rendition for Power Platform custom connectors and the Logic Apps HTTP + Swagger action.',
    auth: 'anonymous',
    responses: { 200: ['Swagger 2.0 document.', { type: 'object' }] },
    cors: true,
    connector: false,
  },
  health: {
    name: 'health',
    methods: ['GET'],
    route: 'health',
    tag: 'Meta',
    summary: 'Liveness; calls no dependency',
    description: 'Answers as long as the function app runs; it calls neither Graph nor Key Vault.',
    auth: 'anonymous',
    responses: { 200: ['Alive.', healthSchema] },
    connector: false,
  },
  readAudit: {
    name: 'readAudit',
    methods: ['GET'],
    route: 'audit',
    tag: 'Audit',
    summary: "Read the audit ledger: one app's records, or a time range's (Admin)",
    description:
      'Give appId, or from (and optionally to), or both. Oldest first, one page at a time. Every request that needed a caller is on record, refusals included: caller, operation, target, outcome, correlation id, idempotency key and Logic Apps run — never a secret or a token.',
    auth: { roles: [admin] },
    query: [
      { name: 'appId', schema: { type: 'string', format: 'uuid' }, description: 'Only the records about this app.' },
      {
        name: 'from',
        schema: { type: 'string', format: 'date-time' },
        description: 'Records received at or after this instant (RFC 3339 with a time zone).',
      },
      {
        name: 'to',
        schema: { type: 'string', format: 'date-time' },
        description: 'Records received before this instant; needs from. Without it, everything since from.',
      },
      {
        name: 'top',
        schema: { type: 'integer', minimum: 1, maximum: AUDIT_PAGE_SIZE.max, default: AUDIT_PAGE_SIZE.default },
        description: 'Most records in this page.',
      },
      {
        name: 'continuationToken',
        schema: { type: 'string', minLength: 1, maxLength: AUDIT_CONTINUATION_TOKEN_MAX_CHARS },
        description: 'Where the page starts; taken from the previous page.',
      },
    ],
    responses: {
      200: ['One page of audit records.', auditPageSchema],
      ...problems,
      ...callerProblems,
      404: ['Nothing on record about this appId.', problemSchema],
    },
    // Not a connector action: reading the audit is an Admin's task, not a self-service one.
    connector: false,
  },
} as const satisfies Record<string, RouteDefinition>;

/** Every route, in a stable order. */
export const routeList: readonly RouteDefinition[] = Object.values(routes);
