import { badControlRequest } from '../host/controlPlane';
import { ANONYMOUS, defineService, Route } from '../host/routedService';
import { EmulatedService } from '../host/serviceHost';
import { openIdConfiguration, signingKeys } from './discovery';
import { ENTRA_ERRORS, unknownTenant } from './entraErrors';
import { CLIENT_CREDENTIAL_LIFETIME_SECONDS, token } from './tokenEndpoint';
import { TokenIssuer } from './tokenIssuer';

/**
 * The Entra authority's endpoints. Anyone may call them: the token endpoint authenticates the client itself.
 * `{tenant}` is the tenant GUID, its domain, `organizations` or `common`.
 */
// prettier-ignore
const ENTRA_ROUTES: readonly Route<TokenIssuer, undefined, 'anonymous'>[] = [
  { method: 'GET', path: '/{tenant}/v2.0/.well-known/openid-configuration', permission: 'anonymous', handler: openIdConfiguration },
  { method: 'GET', path: '/{tenant}/discovery/v2.0/keys', permission: 'anonymous', handler: signingKeys },
  { method: 'POST', path: '/{tenant}/oauth2/v2.0/token', permission: 'anonymous', handler: token },
];

/**
 * The Entra authority over HTTPS: OpenID discovery for any tenant path, JWKS, and the v2.0 token endpoint
 * (client credentials with a client secret). Other grants answer `unsupported_grant_type`.
 */
export function createEntraService(issuer: TokenIssuer): EmulatedService {
  const seed = issuer.seed;
  return defineService({
    name: 'entra',
    state: issuer,
    routes: ENTRA_ROUTES,
    access: ANONYMOUS,
    errors: ENTRA_ERRORS,
    checkParams({ tenant }) {
      if (tenant !== undefined && !['organizations', 'common', seed.tenantId, seed.tenantDomain].includes(tenant))
        throw unknownTenant(tenant);
    },
    controlRoutes: {
      /** Mints a token for a seeded principal without a secret: `{"principal": "portal", "resource": "api://entra-app-vending"}`. */
      'POST tokens': ({ principal, resource }) => {
        const seeded = typeof principal === 'string' ? seed.principals[principal] : undefined;
        if (!seeded) throw badControlRequest(`unknown principal '${String(principal)}'`);
        const name = typeof resource === 'string' ? resource : seed.vendingApi.identifierUri;
        const resolved = issuer.resolveResource(name);
        if (!resolved) throw badControlRequest(`unknown resource '${name}'`);
        return {
          status: 200,
          body: { access_token: issuer.issue(seeded, resolved, CLIENT_CREDENTIAL_LIFETIME_SECONDS) },
        };
      },
    },
    reset: () => undefined,
  });
}
