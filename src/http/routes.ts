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

/** One HTTP route: what the host registers and what the OpenAPI document describes. */
export interface RouteDefinition {
  /** Function name in the Functions host; also the OpenAPI operationId. */
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
}

const problems = {
  400: ['The request is malformed; the problem names each bad field.', problemSchema],
  429: ['Throttled upstream after retries; see Retry-After.', problemSchema],
  502: ['Graph or Key Vault refused the request.', problemSchema],
  503: ['Graph or Key Vault unavailable after retries; see Retry-After.', problemSchema],
} as const satisfies Record<number, [string, object]>;

/**
 * The one table of routes: `functionList.ts` registers a handler for each, and the OpenAPI document describes them.
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
      422: ['The requested lifetime breaks the lifetime policy (ours or the tenant’s).', problemSchema],
    },
  },
  addSecret: {
    name: 'addSecret',
    methods: ['POST'],
    route: 'applications/{appId}/secrets',
    tag: 'Secrets',
    summary: 'Add a client secret to an app this API owns',
    requestBody: { schema: secretRequestSchema, required: false },
    responses: {
      201: ['Issued and stored; the answer holds the Key Vault reference.', issuedSecretSchema],
      ...problems,
      404: ['No such app, or not managed by this API.', problemSchema],
      422: ['The requested lifetime breaks the lifetime policy (ours or the tenant’s).', problemSchema],
    },
  },
  listSecrets: {
    name: 'listSecrets',
    methods: ['GET'],
    route: 'applications/{appId}/secrets',
    tag: 'Secrets',
    summary: "List an app's client secrets: metadata, status and Key Vault references, never values",
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
    responses: { 200: ['OpenAPI 3.0 document.', { type: 'object' }] },
  },
  health: {
    name: 'health',
    methods: ['GET'],
    route: 'health',
    tag: 'Meta',
    summary: 'Liveness; calls no dependency',
    responses: { 200: ['Alive.', healthSchema] },
  },
} as const satisfies Record<string, RouteDefinition>;

/** Every route, in a stable order. */
export const routeList: readonly RouteDefinition[] = Object.values(routes);
