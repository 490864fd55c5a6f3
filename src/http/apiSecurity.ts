import { ApiAuthenticationConfig } from '../config';
import { withoutTrailingSlashes } from '../vending/units';

/** Entra's sign-in host in the public cloud. */
export const DEFAULT_AUTHORITY_HOST = 'https://login.microsoftonline.com';

/** How a caller gets a token for this API: what the OpenAPI and connector documents declare. */
export interface ApiSecurity {
  tenantId: string;
  /** The API's App ID URI or client id: what its tokens carry as `aud`. */
  audience: string;
  /** The scope a client asks Entra for: the API's `/.default` (its permissions and app roles as configured). */
  scope: string;
  /** Entra's v2.0 endpoints of the API's tenant. */
  authorizationUrl: string;
  tokenUrl: string;
}

/**
 * The security the documents declare, from a tenant and an audience; undefined while either is missing, so no
 * document ever names a tenant or an audience the API does not use.
 */
export function apiSecurityFor(
  api: { audience: string | undefined; tenantId: string | undefined },
  authorityHost: string = DEFAULT_AUTHORITY_HOST,
): ApiSecurity | undefined {
  if (!api.audience || !api.tenantId) return undefined;
  const endpoints = `${withoutTrailingSlashes(authorityHost)}/${encodeURIComponent(api.tenantId)}/oauth2/v2.0`;
  return {
    tenantId: api.tenantId,
    audience: api.audience,
    scope: `${withoutTrailingSlashes(api.audience)}/.default`,
    authorizationUrl: `${endpoints}/authorize`,
    tokenUrl: `${endpoints}/token`,
  };
}

/** The security of the configured API: its identifier URI (else its client id) as the audience clients ask for. */
export function configuredApiSecurity(api: ApiAuthenticationConfig): ApiSecurity | undefined {
  return apiSecurityFor({ tenantId: api.tenantId, audience: api.identifierUri ?? api.clientId }, api.authorityHost);
}
