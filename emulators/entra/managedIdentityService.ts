import { EmulatorError } from '../host/emulatorError';
import { Call, defineService, Route, ServiceAccess, ServiceErrors } from '../host/routedService';
import { EmulatedService, ServiceResponse } from '../host/serviceHost';
import { findPrincipal, SeedPrincipal } from '../seed';
import { TokenIssuer } from './tokenIssuer';

/** App Service managed identity tokens last about a day. */
const MANAGED_IDENTITY_LIFETIME_SECONDS = 24 * 3600;

/** How long the tokens this endpoint issues last; a test shortens it so clients ask again (`PUT token-lifetime`). */
interface IdentityEndpointState {
  issuer: TokenIssuer;
  lifetimeSeconds: number;
}

/** The path part of IDENTITY_ENDPOINT, as App Service sets it. */
export const MANAGED_IDENTITY_PATH = '/msi/token';

function identityError(status: number, message: string): EmulatorError {
  return new EmulatorError(status, String(status), message);
}

function unsupported(request: { method: string; rawPath: string }): EmulatorError {
  return identityError(400, `Unsupported request ${request.method} ${request.rawPath}.`);
}

/** App Service's error shape `{statusCode, message, correlationId}`. 400, never 404: MSAL retries 404 for ~20 s. */
const IDENTITY_ERRORS: ServiceErrors = {
  notFound: (_segment, request) => unsupported(request),
  methodNotAllowed: (request) => unsupported(request),
  fault: (status) => identityError(status, 'The managed identity endpoint is temporarily unavailable.'),
  render: (error, request) => ({
    status: error.status,
    headers: { ...error.extras.headers },
    body: { statusCode: error.status, message: error.message, correlationId: request.requestId },
  }),
};

/** The platform's shared secret: the `X-IDENTITY-HEADER` must carry it; which identity is decided per request. */
function identityHeaderAccess(identityHeader: string): ServiceAccess<undefined, 'identityHeader'> {
  return {
    authenticate(request) {
      if (request.headers['x-identity-header'] !== identityHeader)
        throw identityError(401, 'The X-IDENTITY-HEADER is missing or wrong.');
      return undefined;
    },
    authorize: () => undefined,
    principalOf: () => undefined,
  };
}

/** The identity a request names with `client_id`, `object_id` or `mi_res_id` (exactly one: there is no system identity). */
function selectIdentity(query: URLSearchParams, issuer: TokenIssuer): { name: string; principal: SeedPrincipal } {
  const clientId = query.get('client_id');
  const objectId = query.get('object_id') ?? query.get('principal_id');
  const resourceId = query.get('mi_res_id');
  const given = [clientId, objectId, resourceId].filter((v) => v !== null);
  if (given.length > 1) throw identityError(400, 'Only one of client_id, object_id or mi_res_id may be given.');
  if (given.length === 0)
    throw identityError(400, 'No managed identity was specified and the app has no system-assigned identity.');
  const seed = issuer.seed;
  const resourceName = resourceId?.split('/').pop() ?? '';
  const found = clientId
    ? findPrincipal(seed, { clientId })
    : objectId
      ? findPrincipal(seed, { objectId })
      : Object.entries(seed.principals)
          .map(([name, principal]) => ({ name, principal }))
          .find((p) => p.principal.displayName === resourceName);
  if (!found || found.principal.kind !== 'managedIdentity')
    throw identityError(400, 'Unable to load the requested managed identity.');
  return found;
}

/** `GET /msi/token?api-version=2019-08-01&resource=…&client_id=…`. */
function managedIdentityToken({ request, state }: Call<IdentityEndpointState, undefined>): ServiceResponse {
  const { issuer, lifetimeSeconds } = state;
  const { query } = request;
  if (query.get('api-version') !== '2019-08-01') throw identityError(400, 'api-version 2019-08-01 is required.');
  const resourceName = query.get('resource');
  if (!resourceName) throw identityError(400, 'The resource parameter is required.');
  const resource = issuer.resolveResource(resourceName);
  if (!resource) {
    throw identityError(400, `AADSTS500011: The resource principal named ${resourceName} was not found in the tenant.`);
  }
  const identity = selectIdentity(query, issuer);
  return {
    status: 200,
    principal: identity.name,
    body: {
      access_token: issuer.issue(identity.principal, resource, lifetimeSeconds),
      expires_on: String(Math.floor(Date.now() / 1000) + lifetimeSeconds),
      resource: resourceName,
      token_type: 'Bearer',
      client_id: identity.principal.clientId,
    },
  };
}

const MANAGED_IDENTITY_ROUTES: readonly Route<IdentityEndpointState, undefined, 'identityHeader'>[] = [
  { method: 'GET', path: MANAGED_IDENTITY_PATH, permission: 'identityHeader', handler: managedIdentityToken },
];

/**
 * The App Service / Functions managed identity endpoint (`IDENTITY_ENDPOINT` + `IDENTITY_HEADER`, api-version 2019-08-01)
 * over plain HTTP on loopback, as the platform serves it.
 */
export function createManagedIdentityService(issuer: TokenIssuer, identityHeader: string): EmulatedService {
  const state: IdentityEndpointState = { issuer, lifetimeSeconds: MANAGED_IDENTITY_LIFETIME_SECONDS };
  return defineService({
    name: 'managedIdentity',
    state,
    routes: MANAGED_IDENTITY_ROUTES,
    access: identityHeaderAccess(identityHeader),
    errors: IDENTITY_ERRORS,
    controlRoutes: {
      // Tokens shorter than MSAL's five-minute renewal margin are fetched anew for every request: how a test makes
      // each call reach the endpoint (and its faults) instead of a cached token.
      'PUT token-lifetime': ({ seconds }) => {
        if (typeof seconds !== 'number' || !Number.isInteger(seconds) || seconds < 60 || seconds > 86_400) {
          throw new EmulatorError(400, 'BadControlRequest', 'seconds must be an integer 60-86400');
        }
        state.lifetimeSeconds = seconds;
        return { status: 200, body: { seconds } };
      },
    },
    reset: () => {
      state.lifetimeSeconds = MANAGED_IDENTITY_LIFETIME_SECONDS;
    },
  });
}
