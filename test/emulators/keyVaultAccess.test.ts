import type { TokenCredential } from '@azure/core-auth';
import { SecretClient, SecretClientOptions } from '@azure/keyvault-secrets';
import { RequestLogEntry } from '../../emulators/host/serviceHost';
import { principalCredential } from '../support/clients';
import { control, useEmulators, useFunctionIdentity } from '../support/emulators';
import { keyVaultFailure } from '../support/sdkErrors';

const RBAC_MESSAGE = (appid: string, oid: string, tenantId: string, action: string, resource: string): string =>
  'Caller is not authorized to perform action on resource.\r\n' +
  'If role assignments, deny assignments or role definitions were changed recently, please observe propagation time.\r\n' +
  `Caller: appid=${appid};oid=${oid};iss=https://sts.windows.net/${tenantId}/\r\n` +
  `Action: 'Microsoft.KeyVault/vaults/secrets/${action}'\r\n` +
  `Resource: '/subscriptions/00000000-0000-0000-0000-000000000000/resourcegroups/rg-emulator/providers/Microsoft.KeyVault/vaults/emulator${resource}'\r\n` +
  'Assignment: (not found)\r\nDenyAssignmentId: null\r\nDecisionReason: null \r\nVault: emulator;location=eastus\r\n';

describe('Key Vault emulator: auth, RBAC, limits, faults and control plane', () => {
  const emulators = useEmulators();
  const functionIdentity = useFunctionIdentity(emulators);

  function client(credential: TokenCredential = functionIdentity(), options: SecretClientOptions = {}): SecretClient {
    return new SecretClient(emulators().endpoints.keyVault.url, credential, {
      disableChallengeResourceVerification: true,
      ...options,
    });
  }

  async function vaultToken(credential: TokenCredential = functionIdentity()): Promise<string> {
    return (await credential.getToken('https://vault.azure.net/.default'))!.token;
  }

  function raw(path: string, init: RequestInit = {}): Promise<Response> {
    return fetch(`${emulators().endpoints.keyVault.url}${path}`, init);
  }

  function requests(): Promise<RequestLogEntry[]> {
    return control<RequestLogEntry[]>(emulators().endpoints.keyVault.control, 'GET', 'requests');
  }

  describe('RBAC', () => {
    beforeAll(async () => {
      await client().setSecret('shared', 'shared-value');
    });

    it('refuses a principal without a vault role with 403 ForbiddenByRbac and the multi-line message', async () => {
      const { endpoints } = emulators();
      const noRoles = endpoints.principals.noRoles!;
      const kv = client(principalCredential(emulators().endpoints, 'noRoles'));
      const get = await keyVaultFailure(kv.getSecret('shared'));
      expect(get.statusCode).toBe(403);
      expect(get.code).toBe('Forbidden');
      expect(get.body).toEqual({
        error: {
          code: 'Forbidden',
          message: RBAC_MESSAGE(
            noRoles.clientId,
            noRoles.objectId,
            endpoints.tenantId,
            'getSecret/action',
            '/secrets/shared',
          ),
          innererror: { code: 'ForbiddenByRbac' },
        },
      });
      expect((await keyVaultFailure(kv.setSecret('shared', 'x'))).body?.error.message).toContain(
        "Action: 'Microsoft.KeyVault/vaults/secrets/setSecret/action'",
      );
      // Paged operations keep only status and code on the RestError ("Pagination failed…"); read the body raw.
      const list = await keyVaultFailure(kv.listPropertiesOfSecrets().next());
      expect(list.statusCode).toBe(403);
      expect(list.code).toBe('Forbidden');
      const rawList = await raw('/secrets?api-version=2025-07-01', {
        headers: { authorization: `Bearer ${await vaultToken(principalCredential(emulators().endpoints, 'noRoles'))}` },
      });
      expect(rawList.status).toBe(403);
      expect(await rawList.json()).toEqual({
        error: {
          code: 'Forbidden',
          message: RBAC_MESSAGE(noRoles.clientId, noRoles.objectId, endpoints.tenantId, 'readMetadata/action', ''),
          innererror: { code: 'ForbiddenByRbac' },
        },
      });
      expect(
        (await keyVaultFailure(client(principalCredential(emulators().endpoints, 'portal')).getSecret('shared')))
          .statusCode,
      ).toBe(403);

      const log = await requests();
      expect(log.filter((r) => r.status === 403).map((r) => r.principal)).toEqual(
        expect.arrayContaining(['noRoles', 'portal']),
      );
    });

    it('lets a Secrets User read values and metadata but not write, update, delete or purge', async () => {
      const kv = client(principalCredential(emulators().endpoints, 'operator'));
      expect((await kv.getSecret('shared')).value).toBe('shared-value');
      const names: string[] = [];
      for await (const p of kv.listPropertiesOfSecrets()) names.push(p.name);
      expect(names).toContain('shared');

      const expectations: [Promise<unknown>, string][] = [
        [kv.setSecret('shared', 'overwrite'), 'setSecret/action'],
        [kv.updateSecretProperties('shared', '', { enabled: false }), 'update/action'],
        [kv.beginDeleteSecret('shared', { intervalInMs: 10 }), 'delete'],
        [kv.purgeDeletedSecret('shared'), 'purge/action'],
        [kv.beginRecoverDeletedSecret('gone', { intervalInMs: 10 }), 'recover/action'],
      ];
      for (const [promise, action] of expectations) {
        const error = await keyVaultFailure(promise);
        expect(error.statusCode).toBe(403);
        expect(error.body?.error.innererror).toEqual({ code: 'ForbiddenByRbac' });
        expect(error.body?.error.message).toContain(`Action: 'Microsoft.KeyVault/vaults/secrets/${action}'`);
      }
      expect((await client().getSecret('shared')).value).toBe('shared-value');
    });
  });

  describe('tokens', () => {
    it('answers a token for another audience with 401 AKV10022 and the challenge', async () => {
      const { endpoints } = emulators();
      const graphToken = (await functionIdentity().getToken('https://graph.microsoft.com/.default')).token;
      const response = await raw('/secrets/anything?api-version=2025-07-01', {
        headers: { authorization: `Bearer ${graphToken}` },
      });
      expect(response.status).toBe(401);
      expect(response.headers.get('www-authenticate')).toBe(
        `Bearer authorization="${endpoints.entra.authorityHost}/${endpoints.tenantId}", resource="https://vault.azure.net"`,
      );
      expect(await response.json()).toEqual({
        error: {
          code: 'Unauthorized',
          message: 'AKV10022: Invalid audience. Expected https://vault.azure.net, found: https://graph.microsoft.com.',
        },
      });
    });

    it('answers a forged token with 401 and the challenge', async () => {
      const token = await vaultToken();
      const [header, payload] = token.split('.');
      const response = await raw('/secrets/anything?api-version=2025-07-01', {
        headers: { authorization: `Bearer ${header}.${payload}.${Buffer.from('forged').toString('base64url')}` },
      });
      expect(response.status).toBe(401);
      expect(response.headers.get('www-authenticate')).toContain('resource="https://vault.azure.net"');
      expect(((await response.json()) as { error: { code: string } }).error.code).toBe('Unauthorized');
    });
  });

  describe('limits', () => {
    async function rejected(promise: Promise<unknown>, message: string): Promise<void> {
      const error = await keyVaultFailure(promise);
      expect(error.statusCode).toBe(400);
      expect(error.code).toBe('BadParameter');
      expect(error.body).toEqual({ error: { code: 'BadParameter', message } });
    }

    it('refuses invalid names with BadParameter and accepts 127 characters (digits and dashes first included)', async () => {
      const kv = client();
      await rejected(kv.setSecret('bad_name', 'v'), 'The request URI contains an invalid name: bad_name');
      await rejected(
        kv.setSecret('a'.repeat(128), 'v'),
        `The request URI contains an invalid name: ${'a'.repeat(128)}`,
      );
      expect((await kv.setSecret('a'.repeat(127), 'v')).name).toBe('a'.repeat(127));
      expect((await kv.setSecret('1-starts-with-digit', 'v')).name).toBe('1-starts-with-digit');
    });

    it('refuses a value over 25 KB, a content type over 255 characters, a missing value and a non-JSON body', async () => {
      const kv = client();
      expect((await kv.setSecret('max-value', 'x'.repeat(25_600))).value).toHaveLength(25_600);
      await rejected(kv.setSecret('too-big', 'x'.repeat(25_601)), 'Property  has invalid value\r\n');
      await rejected(kv.setSecret('multi-byte', 'é'.repeat(12_801)), 'Property  has invalid value\r\n');
      await rejected(
        kv.setSecret('long-type', 'v', { contentType: 't'.repeat(256) }),
        'Property  has invalid value\r\n',
      );
      await rejected(kv.setSecret('no-value', undefined as unknown as string), 'Property  has invalid value\r\n');

      const response = await raw('/secrets/not-json?api-version=2025-07-01', {
        method: 'PUT',
        headers: { authorization: `Bearer ${await vaultToken()}`, 'content-type': 'application/json' },
        body: '{not json',
      });
      expect(response.status).toBe(400);
      expect(await response.json()).toEqual({
        error: { code: 'BadParameter', message: 'Property  has invalid value\r\n' },
      });
    });

    it('allows 15 tags of 512-character names and values, and refuses a 16th tag or a longer tag', async () => {
      const kv = client();
      const fifteen = Object.fromEntries(
        Array.from({ length: 15 }, (_, i) => [`${i}`.padEnd(512, 'k'), 'v'.repeat(512)]),
      );
      expect(Object.keys((await kv.setSecret('tagged', 'v', { tags: fifteen })).properties.tags!)).toHaveLength(15);
      await rejected(
        kv.setSecret('tagged', 'v', { tags: { ...fifteen, extra: 'v' } }),
        'Property has invalid value\r\n',
      );
      await rejected(kv.setSecret('tagged', 'v', { tags: { k: 'v'.repeat(513) } }), 'Property has invalid value\r\n');
      await rejected(
        kv.updateSecretProperties('tagged', '', { tags: { ['k'.repeat(513)]: 'v' } }),
        'Property has invalid value\r\n',
      );
    });

    it('refuses maxresults outside 1-25', async () => {
      const response = await raw('/secrets?api-version=2025-07-01&maxresults=26', {
        headers: { authorization: `Bearer ${await vaultToken()}` },
      });
      expect(response.status).toBe(400);
      expect(((await response.json()) as { error: { code: string } }).error.code).toBe('BadParameter');
    });
  });

  describe('api-version', () => {
    it('requires api-version on every call and names the latest for an unknown one', async () => {
      const headers = { authorization: `Bearer ${await vaultToken()}` };
      const missing = await raw('/secrets', { headers });
      expect(missing.status).toBe(400);
      expect(((await missing.json()) as { error: { code: string } }).error.code).toBe('BadParameter');

      const unknown = await raw('/secrets?api-version=1.0', { headers });
      expect(unknown.status).toBe(400);
      expect(await unknown.json()).toEqual({
        error: {
          code: 'BadParameter',
          message:
            'The specified version (1.0) is not recognized. Consider using the latest supported version (2025-07-01).',
        },
      });
    });

    it('serves SDK clients pinned to a 7.x service version, with the key percent-encoded as the SDK sends it', async () => {
      const kv = client(functionIdentity(), { serviceVersion: '7.5' });
      await kv.setSecret('pinned', 'pinned-value');
      expect((await kv.getSecret('pinned')).value).toBe('pinned-value');
      const encoded = await raw('/secrets/pinned/?api%2Dversion=7.6', {
        headers: { authorization: `Bearer ${await vaultToken()}` },
      });
      expect(encoded.status).toBe(200);
    });
  });

  describe('faults', () => {
    afterEach(async () => {
      await control(emulators().endpoints.keyVault.control, 'DELETE', 'faults');
    });

    it("throttles with Key Vault's 429 body and Retry-After, which the SDK retries", async () => {
      const { endpoints } = emulators();
      const kv = client();
      await kv.setSecret('throttled', 'eventually');
      await control(endpoints.keyVault.control, 'POST', 'faults', {
        pathPattern: '^/secrets/throttled',
        status: 429,
        count: 1,
        retryAfterSeconds: 0,
      });
      await control(endpoints.keyVault.control, 'DELETE', 'requests');
      expect((await kv.getSecret('throttled')).value).toBe('eventually');
      expect((await requests()).map((r) => r.status)).toEqual([429, 200]);

      await control(endpoints.keyVault.control, 'POST', 'faults', {
        pathPattern: '^/secrets/throttled',
        status: 429,
        count: 1,
        retryAfterSeconds: 7,
      });
      const error = await keyVaultFailure(
        client(functionIdentity(), { retryOptions: { maxRetries: 0 } }).getSecret('throttled'),
      );
      expect(error.statusCode).toBe(429);
      expect(error.retryAfter).toBe('7');
      expect(error.body).toEqual({
        error: {
          code: 'Throttled',
          message:
            'Request was not processed because too many requests were received. Reason: VaultRequestTypeLimitReached',
        },
      });
    });

    it('answers 503 with a ServiceUnavailable body, which the SDK retries', async () => {
      const { endpoints } = emulators();
      const kv = client();
      await kv.setSecret('unavailable', 'back');
      await control(endpoints.keyVault.control, 'POST', 'faults', {
        pathPattern: '^/secrets/unavailable',
        status: 503,
        count: 2,
        retryAfterSeconds: 0,
      });
      expect((await kv.getSecret('unavailable')).value).toBe('back');

      await control(endpoints.keyVault.control, 'POST', 'faults', {
        pathPattern: '^/secrets/unavailable',
        status: 503,
        count: 1,
      });
      const error = await keyVaultFailure(
        client(functionIdentity(), { retryOptions: { maxRetries: 0 } }).getSecret('unavailable'),
      );
      expect(error.statusCode).toBe(503);
      expect(error.body?.error.code).toBe('ServiceUnavailable');
    });

    it('drops the connection for status 0: the SDK fails without retries and recovers with them', async () => {
      const { endpoints } = emulators();
      const kv = client(functionIdentity(), { retryOptions: { maxRetries: 0 } });
      await kv.setSecret('flaky', 'steady');
      await control(endpoints.keyVault.control, 'POST', 'faults', {
        pathPattern: '^/secrets/flaky',
        status: 0,
        count: 1,
      });
      const error = await keyVaultFailure(kv.getSecret('flaky'));
      expect(error.statusCode).toBeUndefined();

      await control(endpoints.keyVault.control, 'POST', 'faults', {
        pathPattern: '^/secrets/flaky',
        status: 0,
        count: 1,
      });
      await control(endpoints.keyVault.control, 'DELETE', 'requests');
      const retrying = client(functionIdentity(), {
        retryOptions: { maxRetries: 2, retryDelayInMs: 5, maxRetryDelayInMs: 10 },
      });
      expect((await retrying.getSecret('flaky')).value).toBe('steady');
      expect((await requests()).filter((r) => r.path === '/secrets/flaky/').map((r) => r.status)).toContain(0);
    });
  });

  describe('control plane', () => {
    it('shows secret metadata at GET /_emulator/secrets and never a value, in it or in the request log', async () => {
      const { endpoints } = emulators();
      const kv = client();
      const marker = 'value-that-must-never-leak-7f3a';
      const set = await kv.setSecret('metadata-only', marker, { contentType: 'text/plain', tags: { app: 'x' } });
      await kv.updateSecretProperties('metadata-only', set.properties.version!, {
        expiresOn: new Date('2031-01-01T00:00:00Z'),
      });
      await kv.setSecret('deleted-one', marker);
      await (await kv.beginDeleteSecret('deleted-one', { intervalInMs: 10 })).pollUntilDone();

      const response = await fetch(`${endpoints.keyVault.control}/secrets`);
      const text = await response.text();
      expect(text).not.toContain(marker);
      const secrets = JSON.parse(text) as { name: string; deleted: boolean; versions: Record<string, unknown>[] }[];
      expect(secrets.find((s) => s.name === 'metadata-only')).toEqual({
        name: 'metadata-only',
        deleted: false,
        versions: [
          {
            version: set.properties.version,
            enabled: true,
            contentType: 'text/plain',
            tags: { app: 'x' },
            nbf: null,
            exp: 1924992000,
          },
        ],
      });
      expect(secrets.find((s) => s.name === 'deleted-one')?.deleted).toBe(true);
      expect(JSON.stringify(await requests())).not.toContain(marker);
    });

    it('forgets every secret on reset', async () => {
      const { endpoints } = emulators();
      const kv = client();
      await kv.setSecret('before-reset', 'v');
      await control(endpoints.keyVault.control, 'POST', 'reset');
      expect(await control(endpoints.keyVault.control, 'GET', 'secrets')).toEqual([]);
      expect((await keyVaultFailure(kv.getSecret('before-reset'))).statusCode).toBe(404);
      const names: string[] = [];
      for await (const p of kv.listPropertiesOfSecrets()) names.push(p.name);
      expect(names).toEqual([]);
    });
  });
});
