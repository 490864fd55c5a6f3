import { EmulatorError } from '../host/emulatorError';
import { ServiceResponse } from '../host/serviceHost';
import { findPrincipal, findUser, SeedPrincipal, SeedUser } from '../seed';
import { EntraCall } from './discovery';
import { aadError, missingParameter } from './entraErrors';
import { authenticateRegisteredApp } from './registeredApps';
import { TokenIssuer, TokenResource } from './tokenIssuer';

/** Lifetime of client-credential tokens, as Entra states it (`expires_in: 3599`). */
export const CLIENT_CREDENTIAL_LIFETIME_SECONDS = 3599;
/** User tokens are given 60–90 minutes by Entra; the emulator takes the lower end. */
const USER_TOKEN_LIFETIME_SECONDS = 3600;

/** A client that proved who it is, by seed name; `confidential` if with a secret. */
interface Client {
  name: string;
  principal: SeedPrincipal;
  confidential: boolean;
}

/** The scopes of OpenID Connect itself: they ask for an ID token and a refresh token, not for a resource. */
const OIDC_SCOPES = new Set(['openid', 'profile', 'email', 'offline_access']);

/** A grant type: the token request's form in, a token answer out; refusals are thrown as AADSTS errors. */
type Grant = (form: URLSearchParams, tenant: string, issuer: TokenIssuer) => ServiceResponse;

/** The URLs of this token endpoint a client assertion may name as `aud` (v2.0 and v1, tenant id or domain). */
function tokenEndpointAudiences(issuer: TokenIssuer): string[] {
  const { tenantId, tenantDomain } = issuer.seed;
  return [tenantId, tenantDomain].flatMap((t) => [
    `${issuer.authorityHost}/${t}/oauth2/v2.0/token`,
    `${issuer.authorityHost}/${t}/oauth2/token`,
  ]);
}

/**
 * The application whose credentials the form carries: a seeded application with `client_id` + `client_secret` (post
 * body), or, where a grant lets a user sign in through a public client, `client_id` alone; or an app created through
 * Graph with one of its own secrets or a client assertion (`registeredApps.ts`).
 */
function authenticateClient(form: URLSearchParams, issuer: TokenIssuer, publicAllowed = false): Client {
  const clientId = form.get('client_id');
  if (!clientId) throw missingParameter('client_id');
  const found = findPrincipal(issuer.seed, { clientId });
  const registered = found ? undefined : issuer.registeredApps?.application(clientId);
  if (registered) {
    const now = issuer.registeredApps!.now();
    const audiences = tokenEndpointAudiences(issuer);
    const principal = authenticateRegisteredApp(form, registered, { audiences, now, tenantId: issuer.seed.tenantId });
    return { name: registered.appId, principal, confidential: true };
  }
  if (!found || found.principal.kind !== 'application') {
    throw aadError(
      400,
      'unauthorized_client',
      700016,
      `Application with identifier '${clientId}' was not found in the directory '${issuer.seed.tenantDomain}'.`,
    );
  }
  const secret = form.get('client_secret');
  if (!secret && publicAllowed) {
    if (found.principal.publicClient) return { ...found, confidential: false };
    throw aadError(
      401,
      'invalid_client',
      7000218,
      "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.",
    );
  }
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
  return { ...found, confidential: true };
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

/** AADSTS50194: this single-tenant authority needs the tenant in the path (`organizations` too, for `allowed`). */
function requireTenant(tenant: string, allowed: readonly string[] = []): void {
  if ((tenant === 'common' || tenant === 'organizations') && !allowed.includes(tenant)) {
    throw aadError(
      400,
      'invalid_request',
      50194,
      'Use a tenant-specific endpoint or configure the application to be multi-tenant.',
    );
  }
}

/** AADSTS70011: a scope the resource does not expose, or scopes that cannot be asked for together. */
function invalidScope(scope: string): EmulatorError {
  return aadError(
    400,
    'invalid_scope',
    70011,
    `The provided value for the input parameter 'scope' is not valid. The scope ${scope} is not valid.`,
  );
}

/**
 * The resource and delegated scopes a user-flow `scope` asks for: OIDC scopes aside, `<resource>/<scope>` entries of
 * one resource (the vending API: the only one whose delegated scopes the tenant emulates), or its `/.default`
 * (every scope it exposes).
 */
function delegatedScopes(form: URLSearchParams, issuer: TokenIssuer): { resource: TokenResource; scopes: string[] } {
  const requested = (form.get('scope') ?? '').split(' ').filter(Boolean);
  if (requested.length === 0) throw aadError(400, 'invalid_request', 90014, "The required field 'scope' is missing.");
  const resourceScopes = requested.filter((s) => !OIDC_SCOPES.has(s));
  const api = issuer.seed.vendingApi;
  let resource: TokenResource | undefined;
  const granted: string[] = [];
  for (const scope of resourceScopes) {
    const cut = scope.lastIndexOf('/');
    const named = cut > 0 ? issuer.resolveResource(scope.slice(0, cut)) : undefined;
    const value = scope.slice(cut + 1);
    if (!named || named.audience !== api.appId) throw invalidScope(scope);
    if (resource && resource.audience !== named.audience) {
      throw aadError(
        400,
        'invalid_request',
        28000,
        'Provided value for the input parameter scope is not valid because it contains more than one resource.',
      );
    }
    resource = named;
    if (value === '.default') granted.push(...api.scopes);
    else if (api.scopes.includes(value)) granted.push(value);
    else throw invalidScope(scope);
  }
  if (!resource) throw invalidScope(requested.join(' '));
  return { resource, scopes: [...new Set(granted)] };
}

/** The user the form signs in, by `username` and `password`; refusals as Entra words them. */
function authenticateUser(form: URLSearchParams, issuer: TokenIssuer): SeedUser {
  const username = form.get('username');
  if (!username) throw missingParameter('username');
  const password = form.get('password');
  if (!password) throw missingParameter('password');
  const user = findUser(issuer.seed, username);
  if (!user) {
    throw aadError(
      400,
      'invalid_grant',
      50034,
      `The user account ${username} does not exist in the ${issuer.seed.tenantDomain} directory. To sign into this application, the account must be added to the directory.`,
    );
  }
  if (password !== user.password) {
    throw aadError(400, 'invalid_grant', 50126, 'Error validating credentials due to invalid username or password.');
  }
  return user;
}

/**
 * `grant_type=password` (ROPC): a user signs in with a password through a client (a public client without a secret,
 * or a confidential one with it). Answers a delegated access token, and, as Entra does for MSAL, the `id_token` when
 * `openid` is asked for and `client_info` when `client_info=1`. No refresh token: the emulator issues none.
 */
const password: Grant = (form, tenant, issuer) => {
  requireTenant(tenant, ['organizations']);
  const client = authenticateClient(form, issuer, true);
  const { resource, scopes } = delegatedScopes(form, issuer);
  const user = authenticateUser(form, issuer);
  const requested = new Set((form.get('scope') ?? '').split(' '));
  const lifetime = USER_TOKEN_LIFETIME_SECONDS;
  const api = issuer.seed.vendingApi;
  return {
    status: 200,
    principal: user.userPrincipalName,
    body: {
      token_type: 'Bearer',
      scope: scopes.map((s) => `${api.identifierUri}/${s}`).join(' '),
      expires_in: lifetime,
      ext_expires_in: lifetime,
      access_token: issuer.issueForUser({
        user,
        client: client.principal,
        confidential: client.confidential,
        resource,
        scopes,
        lifetimeSeconds: lifetime,
      }),
      ...(requested.has('openid') ? { id_token: issuer.idToken(user, client.principal, lifetime) } : {}),
      ...(form.get('client_info') === '1'
        ? {
            client_info: Buffer.from(JSON.stringify({ uid: user.objectId, utid: issuer.seed.tenantId })).toString(
              'base64url',
            ),
          }
        : {}),
    },
  };
};

/** `grant_type=client_credentials`: an app token for one resource. `claims` (CAE) is accepted and ignored, as for apps. */
const clientCredentials: Grant = (form, tenant, issuer) => {
  requireTenant(tenant);
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
  password,
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
