import { ClientSecretCredential, ManagedIdentityCredential } from '@azure/identity';
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
      body: new URLSearchParams({ grant_type: 'password', client_id: 'x' }).toString(),
    });
    expect(response.status).toBe(400);
    const body = (await response.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ error: 'unsupported_grant_type', error_codes: [70003] });
    expect(Object.keys(body)).toEqual(
      expect.arrayContaining(['error_description', 'timestamp', 'trace_id', 'correlation_id']),
    );
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
