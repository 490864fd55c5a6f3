import { createPublicKey, randomUUID } from 'node:crypto';
import { HttpRequest } from '@azure/functions';
import { exportSPKI, JWTPayload, SignJWT, UnsecuredJWT } from 'jose';
import { loadConfig } from '../../../src/config';
import { authorize, CallerAuthenticator, callerOnRecord, createCallerAuthenticator } from '../../../src/http/callers';
import { describeErrorForLog, errorToResponse } from '../../../src/http/problem';
import {
  ForbiddenError,
  UnauthenticatedError,
  UpstreamUnavailableError,
  VendingError,
} from '../../../src/vending/errors';
import { APP_ROLES } from '../../../src/vending/ownership';
import { testCaller } from '../../unit/vending/fakes';
import { TestIssuer, useTestIssuer } from '../../support/testIssuer';

const BASE_SETTINGS = {
  KEY_VAULT_URL: 'https://kv-vending.vault.azure.net',
  AZURE_CLIENT_ID: '3f2a1b0c-9d8e-4f7a-8b6c-5d4e3f2a1b01',
  STORAGE_TABLE_SERVICE_URI: 'https://stvending.table.core.windows.net',
  STORAGE_QUEUE_SERVICE_URI: 'https://stvending.queue.core.windows.net',
};

function request(headers: Record<string, string>): HttpRequest {
  return new HttpRequest({ method: 'GET', url: 'https://fn.example/api/applications', headers });
}

function bearer(token: string): HttpRequest {
  return request({ authorization: `Bearer ${token}` });
}

async function refusal(authenticator: CallerAuthenticator, req: HttpRequest): Promise<UnauthenticatedError> {
  const error = await authenticator.authenticate(req).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(UnauthenticatedError);
  return error as UnauthenticatedError;
}

describe('callers: bearer tokens validated with jose against the tenant’s OpenID configuration', () => {
  const issuer = useTestIssuer();
  let authenticator: CallerAuthenticator;
  const fresh = (options: Parameters<typeof createCallerAuthenticator>[1] = {}) =>
    createCallerAuthenticator(loadConfig({ ...BASE_SETTINGS, ...issuer().settings() }).api, options);

  beforeEach(() => {
    authenticator = fresh();
  });

  describe('valid tokens', () => {
    it('turns a v2 app-only token into its caller: the service principal, its client and its roles', async () => {
      const claims = issuer().appClaims({ roles: ['App.Create', 'Secret.Create'] });
      const caller = await authenticator.authenticate(bearer(await issuer().sign(claims)));
      expect(caller).toEqual({
        id: claims.oid,
        kind: 'app',
        clientAppId: claims.azp,
        roles: ['App.Create', 'Secret.Create'],
        groups: [],
        scopes: [],
      });
    });

    it('accepts a v1 token (sts.windows.net issuer, the identifier URI as audience, appid)', async () => {
      const appid = randomUUID();
      const claims: JWTPayload = {
        ...issuer().appClaims(),
        azp: undefined,
        iss: issuer().issuerV1,
        aud: issuer().identifierUri,
        appid,
        ver: '1.0',
      };
      const caller = await authenticator.authenticate(bearer(await issuer().sign(claims)));
      expect(caller).toMatchObject({ id: claims.oid, kind: 'app', clientAppId: appid });
    });

    it('turns a delegated token into the user, with its roles, groups and scopes', async () => {
      const user = randomUUID();
      const group = randomUUID().toUpperCase();
      const claims: JWTPayload = {
        ...issuer().appClaims(),
        idtyp: undefined,
        oid: user,
        sub: 'pairwise-subject',
        scp: 'access_as_user',
        roles: ['Secret.Create'],
        groups: [group],
        name: 'Dev Dana',
        preferred_username: 'dana@contoso.example',
      };
      const caller = await authenticator.authenticate(bearer(await issuer().sign(claims)));
      expect(caller).toEqual({
        id: user,
        kind: 'user',
        clientAppId: claims.azp,
        roles: ['Secret.Create'],
        groups: [group.toLowerCase()],
        scopes: ['access_as_user'],
      });
    });

    it('drops groups on a group overage (a pointer instead of the list): group ownership then does not apply', async () => {
      const claims = issuer().appClaims({
        idtyp: 'user',
        scp: 'access_as_user',
        groups: [randomUUID()],
        _claim_names: { groups: 'src1' },
        _claim_sources: { src1: { endpoint: 'https://graph.microsoft.com/v1.0/users/x/getMemberObjects' } },
      });
      const caller = await authenticator.authenticate(bearer(await issuer().sign(claims)));
      expect(caller.groups).toEqual([]);
    });

    it('allows a small clock skew on exp and nbf, no more', async () => {
      const now = Math.floor(Date.now() / 1000);
      const justExpired = issuer().appClaims({ exp: now - 30 });
      const almostValid = issuer().appClaims({ nbf: now + 30 });
      await expect(authenticator.authenticate(bearer(await issuer().sign(justExpired)))).resolves.toBeDefined();
      await expect(authenticator.authenticate(bearer(await issuer().sign(almostValid)))).resolves.toBeDefined();
    });

    it('fetches the OpenID configuration and the key set once, then serves from cache', async () => {
      const before = { ...issuer().fetches };
      for (let i = 0; i < 5; i++) await authenticator.authenticate(bearer(await issuer().sign(issuer().appClaims())));
      expect(issuer().fetches).toEqual({ discovery: before.discovery + 1, jwks: before.jwks + 1 });
    });
  });

  describe('identify: the same checks, and what the audit record calls the caller', () => {
    it('names a user by its UPN (v2 preferred_username, v1 upn), else by its display name; an app by none', async () => {
      const named = (claims: JWTPayload) => issuer().sign({ ...issuer().appClaims(), idtyp: 'user', ...claims });
      const v2 = await authenticator.identify(
        bearer(await named({ scp: 'access_as_user', name: 'Dev Dana', preferred_username: 'dana@contoso.example' })),
      );
      expect(v2.name).toBe('dana@contoso.example');
      const v1 = await authenticator.identify(bearer(await named({ name: 'Lee Ops', upn: 'lee@contoso.example' })));
      expect(v1.name).toBe('lee@contoso.example');
      expect((await authenticator.identify(bearer(await named({ name: 'Ada Admin' })))).name).toBe('Ada Admin');
      const appToken = bearer(await issuer().sign(issuer().appClaims()));
      expect(await authenticator.identify(appToken)).toEqual({ caller: await authenticator.authenticate(appToken) });
    });

    it('refuses exactly what authenticate refuses, with the same 401', async () => {
      const expired = bearer(await issuer().sign(issuer().appClaims({ exp: Math.floor(Date.now() / 1000) - 3600 })));
      const error = await authenticator.identify(expired).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(UnauthenticatedError);
      expect((error as UnauthenticatedError).diagnostics.reason).toBe('expired');
      await expect(authenticator.identify(request({}))).rejects.toBeInstanceOf(UnauthenticatedError);
    });

    it('puts on record the roles the route let the caller in with, never the token', () => {
      const caller = testCaller({ roles: [APP_ROLES.appCreate, APP_ROLES.secretCreate] });
      const onRecord = callerOnRecord({ caller, name: 'portal' }, [APP_ROLES.secretCreate, APP_ROLES.admin]);
      expect(onRecord).toEqual({ id: caller.id, appId: caller.clientAppId, name: 'portal', roles: ['Secret.Create'] });
      expect(callerOnRecord({ caller }, [APP_ROLES.admin]).roles).toEqual([]);
    });
  });

  describe('refusals: 401 with a Bearer challenge; the log says why, never the token', () => {
    const now = () => Math.floor(Date.now() / 1000);
    const cases: [string, (i: TestIssuer) => Promise<string>, string][] = [
      ['alg none', (i) => Promise.resolve(new UnsecuredJWT(i.appClaims()).encode()), 'algorithm not allowed'],
      [
        'a tampered payload',
        async (i) => {
          const [header, , signature] = (await i.sign(i.appClaims({ roles: ['Secret.Create'] }))).split('.');
          const forged = Buffer.from(JSON.stringify(i.appClaims({ roles: ['Admin'] }))).toString('base64url');
          return `${header}.${forged}.${signature}`;
        },
        'signature',
      ],
      [
        'a foreign key with a known kid',
        async (i) => i.sign(i.appClaims(), { key: { ...(await i.newKey(false)), kid: i.key.kid } }),
        'signature',
      ],
      ['an unknown kid', async (i) => i.sign(i.appClaims(), { key: await i.newKey(false) }), 'unknown signing key'],
      [
        'HS256 keyed with the public key (algorithm confusion)',
        async (i) => {
          const pem = await exportSPKI(createPublicKey({ key: i.key.publicJwk as never, format: 'jwk' }));
          return new SignJWT(i.appClaims())
            .setProtectedHeader({ alg: 'HS256', kid: i.key.kid })
            .sign(new TextEncoder().encode(pem));
        },
        'algorithm not allowed',
      ],
      ['an expired token', async (i) => i.sign(i.appClaims({ exp: now() - 120 })), 'expired'],
      ['a token not yet valid', async (i) => i.sign(i.appClaims({ nbf: now() + 120 })), 'claim nbf'],
      ['a wrong audience', async (i) => i.sign(i.appClaims({ aud: randomUUID() })), 'claim aud'],
      [
        'a Graph token',
        async (i) => i.sign(i.appClaims({ aud: 'https://graph.microsoft.com', iss: i.issuerV1, ver: '1.0' })),
        'claim aud',
      ],
      ['a wrong issuer', async (i) => i.sign(i.appClaims({ iss: 'https://login.example.com/x/v2.0' })), 'claim iss'],
      [
        "another tenant's issuer",
        async (i) => i.sign(i.appClaims({ iss: `${i.authorityHost}/${randomUUID()}/v2.0` })),
        'claim iss',
      ],
      ['a wrong tenant (tid)', async (i) => i.sign(i.appClaims({ tid: randomUUID() })), 'claim tid'],
      ['no oid', async (i) => i.sign(i.appClaims({ oid: undefined })), 'claim oid'],
      ['no exp', async (i) => i.sign(i.appClaims({ exp: undefined })), 'claim exp'],
    ];

    it.each(cases)('refuses %s', async (_name, make, reason) => {
      const token = await make(issuer());
      const error = await refusal(authenticator, bearer(token));
      expect(error.diagnostics.reason).toContain(reason);
      expect(error.challenge).toBe(
        `Bearer authorization_uri="${issuer().authorityHost}/${issuer().tenantId}/oauth2/v2.0/authorize", resource_id="${issuer().identifierUri}", error="invalid_token"`,
      );
      // What is logged names the token's kid, iss and aud, and holds no part of the token.
      const logged = JSON.stringify(describeErrorForLog(error));
      for (const part of token.split('.').filter((p) => p.length > 8)) expect(logged).not.toContain(part);
      expect(logged).toContain(reason);
      // The caller learns only that a valid token is needed.
      const response = errorToResponse(error, 'corr-1');
      expect(response.status).toBe(401);
      expect(response.headers).toMatchObject({
        'content-type': 'application/problem+json',
        'www-authenticate': error.challenge,
      });
      expect(JSON.parse(response.body as string)).toEqual({
        type: 'urn:entra-app-vending:problem:Unauthenticated',
        title: 'Unauthorized',
        status: 401,
        detail: 'Send a valid Microsoft Entra access token for this API in the Authorization header (Bearer).',
        correlationId: 'corr-1',
      });
    });

    it('logs the kid, iss and aud of a refused token', async () => {
      const claims = issuer().appClaims({ aud: 'https://graph.microsoft.com' });
      const error = await refusal(authenticator, bearer(await issuer().sign(claims)));
      const logged = describeErrorForLog(error);
      expect(logged.reason).toContain('aud');
      expect(logged).toEqual({
        name: 'UnauthenticatedError',
        code: 'Unauthenticated',
        reason: logged.reason,
        kid: issuer().key.kid,
        iss: issuer().issuerV2,
        aud: 'https://graph.microsoft.com',
      });
    });

    it('refuses a request without a token, with a challenge that carries no error code', async () => {
      const error = await refusal(authenticator, request({}));
      expect(error.diagnostics).toEqual({ reason: 'no token' });
      expect(error.challenge).not.toContain('error=');
      expect(error.challenge).toMatch(/^Bearer authorization_uri="https:\/\/127\.0\.0\.1:\d+\/[0-9a-f-]+\/oauth2/);
    });

    it.each([
      ['another scheme', 'Basic dXNlcjpwYXNz'],
      ['a bare token', 'eyJhbGciOiJSUzI1NiJ9.e30.c2ln'],
      ['an empty bearer', 'Bearer '],
      ['two tokens', 'Bearer a.b.c, Bearer d.e.f'],
      ['an over-long header', `Bearer ${'a'.repeat(20_000)}.b.c`],
    ])('refuses %s before any key is fetched', async (_name, header) => {
      const before = { ...issuer().fetches };
      const error = await refusal(authenticator, request({ authorization: header }));
      expect(error.challenge).toContain('Bearer authorization_uri=');
      expect(issuer().fetches).toEqual(before);
    });

    it('never takes identity from x-ms-client-principal headers', async () => {
      const principal = Buffer.from(
        JSON.stringify({ auth_typ: 'aad', claims: [{ typ: 'roles', val: 'Admin' }], name_typ: '', role_typ: 'roles' }),
      ).toString('base64');
      const headers = {
        'x-ms-client-principal': principal,
        'x-ms-client-principal-id': randomUUID(),
        'x-ms-client-principal-name': 'admin@contoso.example',
        'x-ms-client-principal-idp': 'aad',
      };
      await refusal(authenticator, request(headers));
      // With a real token, the token decides, not the headers.
      const claims = issuer().appClaims({ roles: ['Secret.Create'] });
      const caller = await authenticator.authenticate(
        request({ ...headers, authorization: `Bearer ${await issuer().sign(claims)}` }),
      );
      expect(caller).toMatchObject({ id: claims.oid, roles: ['Secret.Create'] });
    });
  });

  describe('signing keys: rotation, cooldown and outages', () => {
    afterEach(() => {
      jest.useRealTimers();
      issuer().failing.discovery = false;
      issuer().failing.jwks = false;
    });

    it('fetches the key set once more for an unknown kid, then not again within the cooldown', async () => {
      jest.useFakeTimers({ doNotFake: ['setTimeout', 'clearTimeout', 'setImmediate', 'nextTick', 'queueMicrotask'] });
      await authenticator.authenticate(bearer(await issuer().sign(issuer().appClaims())));
      const afterWarmUp = issuer().fetches.jwks;

      // A key Entra published after our last fetch: refetched once, accepted.
      jest.setSystemTime(Date.now() + 61_000);
      const rotated = await issuer().newKey();
      await authenticator.authenticate(bearer(await issuer().sign(issuer().appClaims(), { key: rotated })));
      expect(issuer().fetches.jwks).toBe(afterWarmUp + 1);

      // Unknown kids right after: refused without fetching, however many come.
      const unknown = await issuer().newKey(false);
      for (let i = 0; i < 3; i++) {
        const error = await refusal(authenticator, bearer(await issuer().sign(issuer().appClaims(), { key: unknown })));
        expect(error.diagnostics).toMatchObject({ reason: 'unknown signing key', kid: unknown.kid });
      }
      expect(issuer().fetches.jwks).toBe(afterWarmUp + 1);

      // After the cooldown, one more fetch; the kid is still unknown, so still refused.
      jest.setSystemTime(Date.now() + 61_000);
      await refusal(authenticator, bearer(await issuer().sign(issuer().appClaims(), { key: unknown })));
      expect(issuer().fetches.jwks).toBe(afterWarmUp + 2);
    });

    it('answers 503 (not 401, never a guess) while the OpenID configuration is unreachable, and recovers', async () => {
      issuer().failing.discovery = true;
      const token = await issuer().sign(issuer().appClaims());
      const error = await authenticator.authenticate(bearer(token)).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(UpstreamUnavailableError);
      expect(error).toMatchObject({ status: 503, upstream: 'entra' });
      expect(errorToResponse(error, 'c').headers).toMatchObject({ 'retry-after': '30' });
      issuer().failing.discovery = false;
      await expect(authenticator.authenticate(bearer(token))).resolves.toBeDefined();
    });

    it('answers 503 while the key set is unreachable', async () => {
      issuer().failing.jwks = true;
      const error = await fresh()
        .authenticate(bearer(await issuer().sign(issuer().appClaims())))
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(UpstreamUnavailableError);
    });
  });
});

describe('authorize: the route’s app roles, and the API scope for users', () => {
  const { appCreate, secretCreate, admin } = APP_ROLES;

  it('lets a caller with one of the roles through', () => {
    expect(() => authorize(testCaller({ roles: [secretCreate] }), [secretCreate, admin])).not.toThrow();
    expect(() => authorize(testCaller({ roles: [admin] }), [secretCreate, admin])).not.toThrow();
  });

  it('refuses a caller with none of them: 403 naming the roles that would do', () => {
    const error = (() => {
      try {
        authorize(testCaller({ roles: [appCreate, 'Something.Else'] }), [secretCreate, admin]);
      } catch (e) {
        return e as VendingError;
      }
      throw new Error('expected a refusal');
    })();
    expect(error).toBeInstanceOf(ForbiddenError);
    expect(error.status).toBe(403);
    expect(error.message).toBe('This operation needs one of the app roles Secret.Create, Admin on this API.');
    expect(() => authorize(testCaller({ roles: [] }), [appCreate])).toThrow(ForbiddenError);
  });

  it("refuses a user's token without the API scope, even with the role", () => {
    const user = testCaller({ kind: 'user', roles: [admin], scopes: ['User.Read'] });
    expect(() => authorize(user, [admin])).toThrow(/access_as_user/);
    expect(() => authorize({ ...user, scopes: ['access_as_user'] }, [admin])).not.toThrow();
  });
});
