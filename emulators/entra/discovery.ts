import { Call } from '../host/routedService';
import { ServiceResponse } from '../host/serviceHost';
import { TokenIssuer } from './tokenIssuer';

export type EntraCall = Call<TokenIssuer, undefined>;

/** `GET /{tenant}/v2.0/.well-known/openid-configuration`. */
export function openIdConfiguration({ params, state: issuer }: EntraCall): ServiceResponse {
  const tenant = params.tenant!;
  const seed = issuer.seed;
  const base = issuer.authorityHost;
  // For a tenant alias (organizations, common, a domain) Entra answers with the {tenantid} template; for our tenant, the GUID.
  const issuerTenant = tenant === seed.tenantId || tenant === seed.tenantDomain ? seed.tenantId : '{tenantid}';
  return {
    status: 200,
    body: {
      token_endpoint: `${base}/${tenant}/oauth2/v2.0/token`,
      token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt', 'client_secret_basic'],
      jwks_uri: `${base}/${tenant}/discovery/v2.0/keys`,
      response_modes_supported: ['query', 'fragment', 'form_post'],
      subject_types_supported: ['pairwise'],
      id_token_signing_alg_values_supported: ['RS256'],
      response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
      scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
      issuer: `${base}/${issuerTenant}/v2.0`,
      request_uri_parameter_supported: false,
      authorization_endpoint: `${base}/${tenant}/oauth2/v2.0/authorize`,
      device_authorization_endpoint: `${base}/${tenant}/oauth2/v2.0/devicecode`,
      end_session_endpoint: `${base}/${tenant}/oauth2/v2.0/logout`,
      claims_supported: ['sub', 'iss', 'aud', 'exp', 'iat', 'nbf', 'tid', 'oid', 'azp', 'roles', 'ver'],
      tenant_region_scope: 'EU',
    },
  };
}

/** `GET /{tenant}/discovery/v2.0/keys`: the JWKS with the one signing key. */
export function signingKeys({ state: issuer }: EntraCall): ServiceResponse {
  return { status: 200, body: issuer.jwks() };
}
