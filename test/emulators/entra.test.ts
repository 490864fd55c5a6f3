import { ClientSecretCredential, ManagedIdentityCredential } from '@azure/identity';
import { loadSeed } from '../../emulators/seed';
import { userCredential } from '../support/clients';
import { control, useEmulators, useFunctionIdentity } from '../support/emulators';

function decodeClaims(token: string): Record<string, unknown> {
  const payload = token.split('.')[1];
  if (!payload) throw new Error('not a JWT');
  return JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
}

describe('Entra emulator through @azure/identity', () => {
  const emulators = useEmulators();

  function clientSecretCredential(name: string, secret?: string): ClientSecretCredential {
    const { endpoints } = emulators();
    const principal = endpoints.principals[name]!;
    return new ClientSecretCredential(endpoints.tenantId, principal.clientId, secret ?? principal.clientSecret!, {
      authorityHost: endpoints.entra.authorityHost,
      disableInstanceDiscovery: true,
    });
  }

  it('seeds every principal and user under ids of its own (a client is found by its client id, a caller by its oid)', () => {
    const seed = loadSeed();
    const principals = Object.values(seed.principals);
    const clientIds = principals.map((p) => p.clientId.toLowerCase());
    const objectIds = [...principals.map((p) => p.objectId), ...seed.users.map((u) => u.objectId)];
    expect(new Set(clientIds).size).toBe(clientIds.length);
    expect(new Set(objectIds.map((id) => id.toLowerCase())).size).toBe(objectIds.length);
  });

  it("issues a Graph token with the principal's application permissions to ClientSecretCredential", async () => {
    const { endpoints } = emulators();
    const token = await clientSecretCredential('tenantAdmin').getToken('https://graph.microsoft.com/.default');
    expect(token.expiresOnTimestamp).toBeGreaterThan(Date.now() + 3000 * 1000);
    const claims = decodeClaims(token.token);
    expect(claims).toMatchObject({
      aud: 'https://graph.microsoft.com',
      iss: `https://sts.windows.net/${endpoints.tenantId}/`,
      tid: endpoints.tenantId,
      oid: endpoints.principals.tenantAdmin!.objectId,
      appid: endpoints.principals.tenantAdmin!.clientId,
      roles: ['Application.ReadWrite.All'],
      ver: '1.0',
      idtyp: 'app',
    });
    expect((claims.exp as number) - (claims.iat as number)).toBe(3599);
  });

  it("issues v2.0 tokens for the vending API carrying the caller's app roles, verifiable against the JWKS", async () => {
    const { endpoints } = emulators();
    const token = await clientSecretCredential('portal').getToken(`${endpoints.vendingApi.identifierUri}/.default`);
    const claims = decodeClaims(token.token);
    expect(claims).toMatchObject({
      aud: endpoints.vendingApi.appId,
      iss: endpoints.entra.issuer,
      azp: endpoints.principals.portal!.clientId,
      roles: ['App.Create', 'Secret.Create'],
      ver: '2.0',
    });
    const discovery = (await (
      await fetch(`${endpoints.entra.authorityHost}/${endpoints.tenantId}/v2.0/.well-known/openid-configuration`)
    ).json()) as Record<string, string>;
    expect(discovery.issuer).toBe(endpoints.entra.issuer);
    expect(discovery.jwks_uri).toBe(endpoints.entra.jwksUri);
    const jwks = (await (await fetch(endpoints.entra.jwksUri)).json()) as { keys: { kid: string; kty: string }[] };
    const header = JSON.parse(Buffer.from(token.token.split('.')[0]!, 'base64url').toString('utf8')) as {
      kid: string;
      alg: string;
    };
    expect(header.alg).toBe('RS256');
    expect(jwks.keys.map((k) => k.kid)).toContain(header.kid);
  });

  it('refuses a wrong client secret with AADSTS7000215', async () => {
    await expect(
      clientSecretCredential('portal', 'not-the-secret').getToken('https://graph.microsoft.com/.default'),
    ).rejects.toThrow(/invalid_client.*AADSTS7000215/s);
  });

  it('refuses an unknown resource with AADSTS500011', async () => {
    await expect(clientSecretCredential('portal').getToken('https://unknown.example/.default')).rejects.toThrow(
      /AADSTS500011/,
    );
  });

  it("answers the raw token endpoint with Entra's error shape", async () => {
    const { endpoints } = emulators();
    const response = await fetch(`${endpoints.entra.authorityHost}/${endpoints.tenantId}/oauth2/v2.0/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'urn:ietf:params:oauth:grant-type:device_code',
        client_id: 'x',
      }).toString(),
    });
    expect(response.status).toBe(400);
    const body = (await response.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ error: 'unsupported_grant_type', error_codes: [70003] });
    expect(Object.keys(body)).toEqual(
      expect.arrayContaining(['error_description', 'timestamp', 'trace_id', 'correlation_id']),
    );
  });

  describe('users: the password grant, as MSAL sends it (UsernamePasswordCredential, public client)', () => {
    const tokenEndpoint = () =>
      `${emulators().endpoints.entra.authorityHost}/${emulators().endpoints.tenantId}/oauth2/v2.0/token`;
    const post = (form: Record<string, string>) =>
      fetch(tokenEndpoint(), {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams(form).toString(),
      });

    it('issues a delegated v2.0 token: the user, its scope, its roles direct and through groups, its groups', async () => {
      const { endpoints } = emulators();
      const token = await userCredential(endpoints, 'dana').getToken(endpoints.api.scope);
      const claims = decodeClaims(token.token);
      expect(claims).toMatchObject({
        aud: endpoints.api.audience,
        iss: endpoints.entra.issuer,
        tid: endpoints.tenantId,
        oid: endpoints.users.dana!.objectId,
        azp: endpoints.principals.cli!.clientId,
        azpacr: '0',
        scp: 'access_as_user',
        name: 'Dev Dana',
        preferred_username: 'dana@contoso.onmicrosoft.com',
        ver: '2.0',
      });
      expect((claims.roles as string[]).sort()).toEqual(['App.Create', 'Secret.Create']);
      expect(claims.groups).toEqual(endpoints.users.dana!.groups);
      expect(claims).not.toHaveProperty('idtyp');
      expect(claims.sub).not.toBe(claims.oid);
      // Roles only through a group; the admin's only directly, and no groups claim without groups.
      expect(decodeClaims((await userCredential(endpoints, 'lee').getToken(endpoints.api.scope)).token).roles).toEqual([
        'Secret.Create',
      ]);
      const ada = decodeClaims((await userCredential(endpoints, 'ada').getToken(endpoints.api.defaultScope)).token);
      expect(ada).toMatchObject({ roles: ['Admin'], scp: 'access_as_user' });
      expect(ada).not.toHaveProperty('groups');
    });

    it('answers what MSAL needs for its account: id_token and client_info, and the granted scope', async () => {
      const { endpoints } = emulators();
      const response = await post({
        grant_type: 'password',
        client_id: endpoints.principals.cli!.clientId,
        username: 'ADA@contoso.onmicrosoft.com',
        password: endpoints.users.ada!.password,
        scope: `${endpoints.api.scope} openid profile offline_access`,
        client_info: '1',
      });
      expect(response.status).toBe(200);
      const body = (await response.json()) as Record<string, string>;
      expect(body).toMatchObject({ token_type: 'Bearer', scope: endpoints.api.scope, expires_in: 3600 });
      expect(decodeClaims(body.id_token!)).toMatchObject({
        aud: endpoints.principals.cli!.clientId,
        oid: endpoints.users.ada!.objectId,
        tid: endpoints.tenantId,
      });
      expect(JSON.parse(Buffer.from(body.client_info!, 'base64url').toString('utf8'))).toEqual({
        uid: endpoints.users.ada!.objectId,
        utid: endpoints.tenantId,
      });
    });

    it('lets a confidential client sign a user in with its secret (azpacr 1), and no client without one', async () => {
      const { endpoints } = emulators();
      const portal = endpoints.principals.portal!;
      const user = { grant_type: 'password', username: 'lee@contoso.onmicrosoft.com', scope: endpoints.api.scope };
      const signedIn = await post({
        ...user,
        password: endpoints.users.lee!.password,
        client_id: portal.clientId,
        client_secret: portal.clientSecret!,
      });
      expect(decodeClaims(((await signedIn.json()) as { access_token: string }).access_token)).toMatchObject({
        azp: portal.clientId,
        azpacr: '1',
      });
      const noSecret = await post({ ...user, password: endpoints.users.lee!.password, client_id: portal.clientId });
      expect(noSecret.status).toBe(401);
      expect(await noSecret.json()).toMatchObject({ error: 'invalid_client', error_codes: [7000218] });
    });

    it.each([
      ['a wrong password', { password: 'nope' }, 'invalid_grant', 50126],
      ['an unknown user', { username: 'nobody@contoso.onmicrosoft.com' }, 'invalid_grant', 50034],
      ['a scope the API does not expose', { scope: 'api://entra-app-vending/Everything' }, 'invalid_scope', 70011],
      [
        'a resource whose user scopes are not emulated',
        { scope: 'https://graph.microsoft.com/User.Read' },
        'invalid_scope',
        70011,
      ],
      ['no scope', { scope: '' }, 'invalid_request', 90014],
    ])("refuses %s in Entra's words", async (_case, change, error, code) => {
      const { endpoints } = emulators();
      const response = await post({
        grant_type: 'password',
        client_id: endpoints.principals.cli!.clientId,
        username: 'dana@contoso.onmicrosoft.com',
        password: endpoints.users.dana!.password,
        scope: endpoints.api.scope,
        ...change,
      });
      expect(response.status).toBe(400);
      expect(await response.json()).toMatchObject({ error, error_codes: [code] });
    });

    it('surfaces a refused sign-in through the SDK as an authentication error', async () => {
      const { endpoints } = emulators();
      const wrong = {
        ...endpoints,
        users: { ...endpoints.users, dana: { ...endpoints.users.dana!, password: 'nope' } },
      };
      await expect(userCredential(wrong, 'dana').getToken(endpoints.api.scope)).rejects.toThrow(/AADSTS50126/);
    });
  });

  describe('managed identity endpoint (IDENTITY_ENDPOINT + IDENTITY_HEADER)', () => {
    const functionIdentity = useFunctionIdentity(emulators);

    it('gives ManagedIdentityCredential a Graph token for the user-assigned identity with OwnedBy only', async () => {
      const { endpoints } = emulators();
      const credential = functionIdentity();
      const token = await credential.getToken('https://graph.microsoft.com/.default');
      expect(decodeClaims(token.token)).toMatchObject({
        aud: 'https://graph.microsoft.com',
        oid: endpoints.managedIdentity.objectId,
        roles: ['Application.ReadWrite.OwnedBy'],
      });
      // A second call is served from the credential's cache: the endpoint was asked once.
      await credential.getToken('https://graph.microsoft.com/.default');
      const log = await control<{ path: string; principal: string }[]>(
        `${emulators().services.managedIdentity.url}/_emulator`,
        'GET',
        'requests',
      );
      expect(log.filter((e) => e.path === '/msi/token')).toHaveLength(1);
      expect(log[0]!.principal).toBe('functionIdentity');
    });

    it('refuses a request with the wrong identity header', async () => {
      const { endpoints } = emulators();
      const response = await fetch(
        `${endpoints.managedIdentity.endpoint}?api-version=2019-08-01&resource=https://vault.azure.net&client_id=${endpoints.managedIdentity.clientId}`,
        {
          headers: { 'x-identity-header': 'wrong' },
        },
      );
      expect(response.status).toBe(401);
    });

    it('refuses a client id that is no managed identity with 400, so MSAL does not retry', async () => {
      const { endpoints } = emulators();
      const credential = new ManagedIdentityCredential({ clientId: endpoints.principals.portal!.clientId });
      await expect(credential.getToken('https://vault.azure.net/.default')).rejects.toThrow(
        /Unable to load the requested managed identity/,
      );
    });
  });

  it("injects faults into the token endpoint with Entra's error body and Retry-After", async () => {
    const { endpoints } = emulators();
    await control(`${endpoints.entra.authorityHost}/_emulator`, 'POST', 'faults', {
      method: 'POST',
      pathPattern: 'token$',
      status: 429,
      retryAfterSeconds: 3,
    });
    const response = await fetch(`${endpoints.entra.authorityHost}/${endpoints.tenantId}/oauth2/v2.0/token`, {
      method: 'POST',
    });
    expect(response.status).toBe(429);
    expect(response.headers.get('retry-after')).toBe('3');
    expect(((await response.json()) as { error: string }).error).toBe('temporarily_unavailable');
  });
});
