import { randomUUID } from 'node:crypto';
import { EmulatedService, ServiceRequest, ServiceResponse } from '../host/serviceHost';
import { findPrincipal } from '../seed';
import { TokenIssuer } from './tokenIssuer';

/** Lifetime of client-credential tokens, as Entra states it (`expires_in: 3599`). */
const CLIENT_CREDENTIAL_LIFETIME_SECONDS = 3599;

/** Entra's OAuth error body: `{error, error_description, error_codes, timestamp, trace_id, correlation_id}`. */
function aadError(
  status: number,
  error: string,
  code: number,
  description: string,
  request?: ServiceRequest,
): ServiceResponse {
  const traceId = randomUUID();
  const correlationId = request?.query.get('client-request-id') ?? randomUUID();
  const timestamp = new Date()
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d+Z$/, 'Z');
  return {
    status,
    body: {
      error,
      error_description: `AADSTS${code}: ${description} Trace ID: ${traceId} Correlation ID: ${correlationId} Timestamp: ${timestamp}`,
      error_codes: [code],
      timestamp,
      trace_id: traceId,
      correlation_id: correlationId,
      error_uri: `https://login.microsoftonline.com/error?code=${code}`,
    },
  };
}

/** AADSTS900144: a required form parameter is missing. */
function missingParameter(name: string, request: ServiceRequest): ServiceResponse {
  return aadError(
    400,
    'invalid_request',
    900144,
    `The request body must contain the following parameter: '${name}'.`,
    request,
  );
}

/**
 * The Entra authority over HTTPS: OpenID discovery for any tenant path, JWKS, and the v2.0 token endpoint
 * (client credentials with a client secret). Other grants answer `unsupported_grant_type`.
 */
export function createEntraService(issuer: TokenIssuer): EmulatedService {
  const seed = issuer.seed;

  function discovery(tenant: string): ServiceResponse {
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

  function knownTenant(tenant: string): boolean {
    return ['organizations', 'common', seed.tenantId, seed.tenantDomain].includes(tenant);
  }

  function token(tenant: string, request: ServiceRequest): ServiceResponse {
    // Entra reads only form bodies: anything else is as if no parameter was sent.
    const isForm = (request.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded');
    const form = new URLSearchParams(isForm ? request.body.toString('utf8') : '');
    const grantType = form.get('grant_type');
    if (!grantType) return missingParameter('grant_type', request);
    if (grantType !== 'client_credentials') {
      return aadError(400, 'unsupported_grant_type', 70003, 'The app requested an unsupported grant type.', request);
    }
    if (tenant === 'common' || tenant === 'organizations') {
      return aadError(
        400,
        'invalid_request',
        50194,
        'Use a tenant-specific endpoint or configure the application to be multi-tenant.',
        request,
      );
    }
    const clientId = form.get('client_id');
    if (!clientId) return missingParameter('client_id', request);
    const found = findPrincipal(seed, { clientId });
    if (!found || found.principal.kind !== 'application') {
      return aadError(
        400,
        'unauthorized_client',
        700016,
        `Application with identifier '${clientId}' was not found in the directory '${seed.tenantDomain}'.`,
        request,
      );
    }
    const secret = form.get('client_secret');
    if (!secret) {
      return aadError(
        401,
        'invalid_client',
        7000216,
        "'client_assertion', 'client_secret' or 'request' is required for the 'client_credentials' grant type.",
        request,
      );
    }
    if (secret !== found.principal.clientSecret) {
      return aadError(
        401,
        'invalid_client',
        7000215,
        'Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID.',
        request,
      );
    }
    const scope = form.get('scope') ?? '';
    const scopes = scope.split(' ').filter(Boolean);
    if (scopes.length !== 1 || !scopes[0]!.endsWith('/.default')) {
      return aadError(
        400,
        'invalid_scope',
        1002012,
        `The provided value for scope ${scope} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).`,
        request,
      );
    }
    const resourceName = scopes[0]!.slice(0, -'/.default'.length);
    const resource = issuer.resolveResource(resourceName);
    if (!resource) {
      return aadError(
        400,
        'invalid_resource',
        500011,
        `The resource principal named ${resourceName} was not found in the tenant named ${seed.tenantDomain}. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant.`,
        request,
      );
    }
    // `claims` (CAE, sent by Key Vault's client) is accepted and ignored, as Entra does for apps.
    return {
      status: 200,
      principal: found.name,
      body: {
        token_type: 'Bearer',
        expires_in: CLIENT_CREDENTIAL_LIFETIME_SECONDS,
        ext_expires_in: CLIENT_CREDENTIAL_LIFETIME_SECONDS,
        access_token: issuer.issue(found.principal, resource, CLIENT_CREDENTIAL_LIFETIME_SECONDS),
      },
    };
  }

  return {
    name: 'entra',
    handle(request) {
      const segments = request.rawPath.split('/').filter(Boolean).map(decodeURIComponent);
      const [tenant, ...rest] = segments;
      const route = `${request.method} /${rest.join('/')}`;
      if (!tenant) return { status: 404, body: { error: 'not_found' } };
      if (!knownTenant(tenant)) {
        return aadError(
          400,
          'invalid_tenant',
          90002,
          `Tenant '${tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.`,
          request,
        );
      }
      switch (route) {
        case 'GET /v2.0/.well-known/openid-configuration':
          return discovery(tenant);
        case 'GET /discovery/v2.0/keys':
          return { status: 200, body: issuer.jwks() };
        case 'POST /oauth2/v2.0/token':
          return token(tenant, request);
        default:
          return { status: 404, body: { error: 'not_found', error_description: `No such endpoint: ${route}` } };
      }
    },
    controlRoutes: {
      /** Mints a token for a seeded principal without a secret: `{"principal": "portal", "resource": "api://entra-app-vending"}`. */
      'POST tokens': (body) => {
        const { principal, resource } = body as { principal?: string; resource?: string };
        const seeded = principal ? seed.principals[principal] : undefined;
        if (!seeded) return { status: 400, body: { error: `unknown principal '${principal}'` } };
        const resolved = issuer.resolveResource(resource ?? seed.vendingApi.identifierUri);
        if (!resolved) return { status: 400, body: { error: `unknown resource '${resource}'` } };
        return {
          status: 200,
          body: { access_token: issuer.issue(seeded, resolved, CLIENT_CREDENTIAL_LIFETIME_SECONDS) },
        };
      },
    },
    faultResponse(status, retryAfterSeconds, request) {
      const answer = aadError(
        status,
        status === 429 ? 'temporarily_unavailable' : 'server_error',
        status === 429 ? 50196 : 50000,
        'There was an error issuing a token or an authorization code.',
        request,
      );
      return retryAfterSeconds === undefined
        ? answer
        : { ...answer, headers: { 'retry-after': String(retryAfterSeconds) } };
    },
    reset() {},
  };
}
