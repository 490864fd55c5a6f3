import { ServiceResponse } from '../host/serviceHost';
import { findPrincipal, SeedPrincipal } from '../seed';
import { EntraCall } from './discovery';
import { aadError, missingParameter } from './entraErrors';
import { TokenIssuer, TokenResource } from './tokenIssuer';

/** Lifetime of client-credential tokens, as Entra states it (`expires_in: 3599`). */
export const CLIENT_CREDENTIAL_LIFETIME_SECONDS = 3599;

/** A client that proved who it is, by seed name. */
interface Client {
  name: string;
  principal: SeedPrincipal;
}

/** A grant type: the token request's form in, a token answer out; refusals are thrown as AADSTS errors. */
type Grant = (form: URLSearchParams, tenant: string, issuer: TokenIssuer) => ServiceResponse;

/**
 * The seeded application whose credentials the form carries: `client_id` + `client_secret` (post body).
 * Other client authentication (`client_assertion`, vended secrets) belongs here.
 */
function authenticateClient(form: URLSearchParams, issuer: TokenIssuer): Client {
  const clientId = form.get('client_id');
  if (!clientId) throw missingParameter('client_id');
  const found = findPrincipal(issuer.seed, { clientId });
  if (!found || found.principal.kind !== 'application') {
    throw aadError(
      400,
      'unauthorized_client',
      700016,
      `Application with identifier '${clientId}' was not found in the directory '${issuer.seed.tenantDomain}'.`,
    );
  }
  const secret = form.get('client_secret');
  if (!secret) {
    throw aadError(
      401,
      'invalid_client',
      7000216,
      "'client_assertion', 'client_secret' or 'request' is required for the 'client_credentials' grant type.",
    );
  }
  if (secret !== found.principal.clientSecret) {
    throw aadError(
      401,
      'invalid_client',
      7000215,
      'Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID.',
    );
  }
  return found;
}

/** The one resource a client-credentials `scope` names (`<resource>/.default`). */
function defaultScopeResource(form: URLSearchParams, issuer: TokenIssuer): TokenResource {
  const scope = form.get('scope') ?? '';
  const scopes = scope.split(' ').filter(Boolean);
  if (scopes.length !== 1 || !scopes[0]!.endsWith('/.default')) {
    throw aadError(
      400,
      'invalid_scope',
      1002012,
      `The provided value for scope ${scope} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).`,
    );
  }
  const resourceName = scopes[0]!.slice(0, -'/.default'.length);
  const resource = issuer.resolveResource(resourceName);
  if (!resource) {
    throw aadError(
      400,
      'invalid_resource',
      500011,
      `The resource principal named ${resourceName} was not found in the tenant named ${issuer.seed.tenantDomain}. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant.`,
    );
  }
  return resource;
}

/** `grant_type=client_credentials`: an app token for one resource. `claims` (CAE) is accepted and ignored, as for apps. */
const clientCredentials: Grant = (form, tenant, issuer) => {
  if (tenant === 'common' || tenant === 'organizations') {
    throw aadError(
      400,
      'invalid_request',
      50194,
      'Use a tenant-specific endpoint or configure the application to be multi-tenant.',
    );
  }
  const client = authenticateClient(form, issuer);
  const resource = defaultScopeResource(form, issuer);
  return {
    status: 200,
    principal: client.name,
    body: {
      token_type: 'Bearer',
      expires_in: CLIENT_CREDENTIAL_LIFETIME_SECONDS,
      ext_expires_in: CLIENT_CREDENTIAL_LIFETIME_SECONDS,
      access_token: issuer.issue(client.principal, resource, CLIENT_CREDENTIAL_LIFETIME_SECONDS),
    },
  };
};

/** The grant types the token endpoint serves; others answer `unsupported_grant_type`. */
const GRANTS: Readonly<Record<string, Grant>> = {
  client_credentials: clientCredentials,
};

/** `POST /{tenant}/oauth2/v2.0/token`. Entra reads only form bodies: anything else is as if no parameter was sent. */
export function token({ request, params, state: issuer }: EntraCall): ServiceResponse {
  const isForm = (request.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded');
  const form = new URLSearchParams(isForm ? request.body.toString('utf8') : '');
  const grantType = form.get('grant_type');
  if (!grantType) throw missingParameter('grant_type');
  const grant = GRANTS[grantType];
  if (!grant) throw aadError(400, 'unsupported_grant_type', 70003, 'The app requested an unsupported grant type.');
  return grant(form, params.tenant!, issuer);
}
