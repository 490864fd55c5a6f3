import { EmulatedService, ServiceRequest, ServiceResponse } from '../host/serviceHost';
import { findPrincipal, SeedPrincipal } from '../seed';
import { TokenIssuer } from './tokenIssuer';

/** App Service managed identity tokens last about a day. */
const MANAGED_IDENTITY_LIFETIME_SECONDS = 24 * 3600;

/** The path part of IDENTITY_ENDPOINT, as App Service sets it. */
export const MANAGED_IDENTITY_PATH = '/msi/token';

/** App Service's error shape. 400, never 404: MSAL retries 404 from identity endpoints for ~20 s. */
function identityError(status: number, message: string): ServiceResponse {
  return { status, body: { statusCode: status, message, correlationId: crypto.randomUUID() } };
}

/**
 * The App Service / Functions managed identity endpoint (`IDENTITY_ENDPOINT` + `IDENTITY_HEADER`, api-version 2019-08-01)
 * over plain HTTP on loopback, as the platform serves it. Identities are chosen with `client_id`, `object_id` or
 * `mi_res_id`; without one, the request names no identity and is refused (the seed has user-assigned identities only).
 */
export function createManagedIdentityService(issuer: TokenIssuer, identityHeader: string): EmulatedService {
  const seed = issuer.seed;

  function select(request: ServiceRequest): SeedPrincipal | ServiceResponse {
    const clientId = request.query.get('client_id');
    const objectId = request.query.get('object_id') ?? request.query.get('principal_id');
    const resourceId = request.query.get('mi_res_id');
    const given = [clientId, objectId, resourceId].filter((v) => v !== null);
    if (given.length > 1) return identityError(400, 'Only one of client_id, object_id or mi_res_id may be given.');
    if (given.length === 0)
      return identityError(400, 'No managed identity was specified and the app has no system-assigned identity.');
    let found;
    if (clientId) found = findPrincipal(seed, { clientId });
    else if (objectId) found = findPrincipal(seed, { objectId });
    else {
      const name = resourceId!.split('/').pop() ?? '';
      found = Object.entries(seed.principals)
        .map(([n, principal]) => ({ name: n, principal }))
        .find((p) => p.principal.displayName === name);
    }
    if (!found || found.principal.kind !== 'managedIdentity')
      return identityError(400, 'Unable to load the requested managed identity.');
    return found.principal;
  }

  return {
    name: 'managedIdentity',
    handle(request) {
      if (request.method !== 'GET' || request.rawPath !== MANAGED_IDENTITY_PATH) {
        return identityError(400, `Unsupported request ${request.method} ${request.rawPath}.`);
      }
      if (request.headers['x-identity-header'] !== identityHeader)
        return identityError(401, 'The X-IDENTITY-HEADER is missing or wrong.');
      if (request.query.get('api-version') !== '2019-08-01')
        return identityError(400, 'api-version 2019-08-01 is required.');
      const resourceName = request.query.get('resource');
      if (!resourceName) return identityError(400, 'The resource parameter is required.');
      const resource = issuer.resolveResource(resourceName);
      if (!resource)
        return identityError(
          400,
          `AADSTS500011: The resource principal named ${resourceName} was not found in the tenant.`,
        );
      const principal = select(request);
      if ('status' in principal) return principal;
      const expiresOn = Math.floor(Date.now() / 1000) + MANAGED_IDENTITY_LIFETIME_SECONDS;
      return {
        status: 200,
        principal: findPrincipal(seed, { objectId: principal.objectId })?.name,
        body: {
          access_token: issuer.issue(principal, resource, MANAGED_IDENTITY_LIFETIME_SECONDS),
          expires_on: String(expiresOn),
          resource: resourceName,
          token_type: 'Bearer',
          client_id: principal.clientId,
        },
      };
    },
    faultResponse(status, retryAfterSeconds) {
      const answer = identityError(status, 'The managed identity endpoint is temporarily unavailable.');
      return retryAfterSeconds === undefined
        ? answer
        : { ...answer, headers: { 'retry-after': String(retryAfterSeconds) } };
    },
    reset() {},
  };
}
