import { HttpMethod } from '@azure/functions';
import {
  createApplicationRequestSchema,
  createdApplicationSchema,
  healthSchema,
  issuedSecretSchema,
  problemSchema,
  secretListSchema,
  secretRequestSchema,
} from './schemas';

/** One HTTP route: what the host registers and what the OpenAPI and connector documents describe. */
export interface RouteDefinition {
  /** Function name in the Functions host; also the OpenAPI operationId (PascalCased in the connector document). */
  name: string;
  methods: HttpMethod[];
  /** Route template under `/api`, in Functions syntax (`applications/{appId}/secrets`). */
  route: string;
  summary: string;
  description?: string;
  /** The JSON body the route reads: its schema, and whether it may be left out (then all its fields default). */
  requestBody?: { schema: object; required: boolean };
  /** Status → [description, schema]. */
  responses: Record<number, [string, object | undefined]>;
  tag: string;
  /** No caller token needed (health and the description documents); every other route requires one. */
  anonymous?: true;
  /** Answers cross-origin reads and their preflight (`OPTIONS`), as the Logic Apps designer needs for a document. */
  cors?: true;
  /** How the route appears in the connector document: `x-ms-visibility` (default `important`); `false` leaves it out. */
  connector?: false | { visibility: 'important' | 'advanced' | 'internal' };
}

const problems = {
  400: ['The request is malformed; the problem names each bad field.', problemSchema],
  429: ['Throttled upstream after retries; see Retry-After.', problemSchema],
  502: ['Graph or Key Vault refused the request.', problemSchema],
  503: ['Graph or Key Vault unavailable after retries; see Retry-After.', problemSchema],
} as const satisfies Record<number, [string, object]>;

/** What a route that reads a JSON body may also answer. */
const bodyProblems = {
  413: ['The body is larger than the API accepts.', problemSchema],
  415: ['The body is not sent as application/json.', problemSchema],
} as const satisfies Record<number, [string, object]>;

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
      'Creates the app (this API becomes its owner), by default its service principal, and a first client secret in the same Graph call. The secret is stored in Key Vault; the answer carries its Key Vault reference, never its value.',
    requestBody: { schema: createApplicationRequestSchema, required: true },
    responses: {
      201: ['Created.', createdApplicationSchema],
      ...problems,
      ...bodyProblems,
      422: ['The requested lifetime breaks the lifetime policy (ours or the tenant’s).', problemSchema],
    },
  },
  addSecret: {
    name: 'addSecret',
    methods: ['POST'],
    route: 'applications/{appId}/secrets',
    tag: 'Secrets',
    summary: 'Add a client secret to an app this API owns',
    description:
      'Issues a new client secret in the named slot of the app, stores it in Key Vault and answers its Key Vault reference, never its value.',
    requestBody: { schema: secretRequestSchema, required: false },
    responses: {
      201: ['Issued and stored; the answer holds the Key Vault reference.', issuedSecretSchema],
      ...problems,
      ...bodyProblems,
      404: ['No such app, or not managed by this API.', problemSchema],
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
    responses: {
      200: ['The credentials, soonest to end first.', secretListSchema],
      ...problems,
      404: ['No such app, or not managed by this API.', problemSchema],
    },
  },
  revokeSecret: {
    name: 'revokeSecret',
    methods: ['DELETE'],
    route: 'applications/{appId}/secrets/{keyId}',
    tag: 'Secrets',
    summary: 'Remove a client secret from the app and disable its Key Vault version',
    description: 'Removes the credential in Entra, then disables the Key Vault version that held its value.',
    responses: {
      204: ['Removed.', undefined],
      ...problems,
      404: ['No such app or credential, or not managed by this API.', problemSchema],
    },
  },
  openApi: {
    name: 'openApi',
    methods: ['GET'],
    route: 'openapi.json',
    tag: 'Meta',
    summary: 'This OpenAPI document',
    description: 'The OpenAPI 3.0 document of this API, built from its route table and request schemas.',
    responses: { 200: ['OpenAPI 3.0 document.', { type: 'object' }] },
    anonymous: true,
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
    responses: { 200: ['Swagger 2.0 document.', { type: 'object' }] },
    anonymous: true,
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
    responses: { 200: ['Alive.', healthSchema] },
    anonymous: true,
    connector: false,
  },
} as const satisfies Record<string, RouteDefinition>;

/** Every route, in a stable order. */
export const routeList: readonly RouteDefinition[] = Object.values(routes);
