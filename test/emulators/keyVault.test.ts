import { SecretClient, SecretClientOptions } from '@azure/keyvault-secrets';
import { RequestLogEntry } from '../../emulators/host/serviceHost';
import { control, useEmulators, useFunctionIdentity } from '../support/emulators';
import { keyVaultFailure } from '../support/sdkErrors';

const POLL = { intervalInMs: 10 };

describe('Key Vault emulator: secrets through @azure/keyvault-secrets', () => {
  const emulators = useEmulators();
  const functionIdentity = useFunctionIdentity(emulators);

  /** A fresh client: its first request goes through the challenge again. */
  function client(options: SecretClientOptions = {}): SecretClient {
    return new SecretClient(emulators().endpoints.keyVault.url, functionIdentity(), {
      disableChallengeResourceVerification: true,
      ...options,
    });
  }

  function requests(): Promise<RequestLogEntry[]> {
    return control<RequestLogEntry[]>(emulators().endpoints.keyVault.control, 'GET', 'requests');
  }

  it("answers the SDK's unauthenticated first request with the challenge, then serves the authorized retry", async () => {
    const { endpoints } = emulators();
    await control(endpoints.keyVault.control, 'DELETE', 'requests');
    const set = await client().setSecret('challenge-flow', 'first-value');
    expect(set.value).toBe('first-value');
    const log = await requests();
    expect(log.map((r) => [r.method, r.path, r.status, r.principal])).toEqual([
      ['PUT', '/secrets/challenge-flow', 401, null],
      ['PUT', '/secrets/challenge-flow', 200, 'functionIdentity'],
    ]);

    const raw = await fetch(`${endpoints.keyVault.url}/secrets/challenge-flow?api-version=2025-07-01`, {
      method: 'PUT',
    });
    expect(raw.status).toBe(401);
    expect(raw.headers.get('www-authenticate')).toBe(
      `Bearer authorization="${endpoints.entra.authorityHost}/${endpoints.tenantId}", resource="https://vault.azure.net"`,
    );
    expect(await raw.json()).toEqual({
      error: { code: 'Unauthorized', message: 'AKV10000: Request is missing a Bearer or PoP token.' },
    });
  });

  it('sets secrets as new 32-hex versions and reads the latest (with or without a trailing slash) and any version', async () => {
    const kv = client();
    const before = Math.floor(Date.now() / 1000);
    const v1 = await kv.setSecret('db-password', 'one', { contentType: 'text/plain', tags: { owner: 'team-a' } });
    const v2 = await kv.setSecret('db-password', 'two');
    expect(v1.properties.version).toMatch(/^[0-9a-f]{32}$/);
    expect(v2.properties.version).toMatch(/^[0-9a-f]{32}$/);
    expect(v2.properties.version).not.toBe(v1.properties.version);
    expect(v1.properties).toMatchObject({
      name: 'db-password',
      enabled: true,
      contentType: 'text/plain',
      tags: { owner: 'team-a' },
      recoveryLevel: 'Recoverable+Purgeable',
      recoverableDays: 90,
      vaultUrl: emulators().endpoints.keyVault.url,
    });
    expect(v1.properties.id).toBe(`${emulators().endpoints.keyVault.url}/secrets/db-password/${v1.properties.version}`);
    expect(v1.properties.createdOn!.getTime() / 1000).toBeGreaterThanOrEqual(before);
    expect(v1.properties.createdOn!.getMilliseconds()).toBe(0);

    expect((await kv.getSecret('db-password')).value).toBe('two');
    expect((await kv.getSecret('db-password', { version: v1.properties.version! })).value).toBe('one');

    const missing = await keyVaultFailure(kv.getSecret('db-password', { version: '0123456789abcdef0123456789abcdef' }));
    expect(missing.statusCode).toBe(404);
    expect(missing.body?.error.message).toBe(
      'A secret with (name/id) db-password/0123456789abcdef0123456789abcdef was not found in this key vault. If you recently deleted this secret you may be able to recover it using the correct recovery command. For help resolving this issue, please see https://go.microsoft.com/fwlink/?linkid=2125182',
    );
    const versions: string[] = [];
    for await (const properties of kv.listPropertiesOfSecretVersions('db-password')) versions.push(properties.version!);
    expect(versions.sort()).toEqual([v1.properties.version, v2.properties.version].sort());

    const log = await requests();
    expect(log.some((r) => r.method === 'GET' && r.path === '/secrets/db-password/' && r.status === 200)).toBe(true);
  });

  it("answers 404 SecretNotFound with Key Vault's exact text for an unknown secret", async () => {
    const error = await keyVaultFailure(client().getSecret('never-set'));
    expect(error.statusCode).toBe(404);
    expect(error.code).toBe('SecretNotFound');
    expect(error.body).toEqual({
      error: {
        code: 'SecretNotFound',
        message:
          'A secret with (name/id) never-set was not found in this key vault. If you recently deleted this secret you may be able to recover it using the correct recovery command. For help resolving this issue, please see https://go.microsoft.com/fwlink/?linkid=2125182',
      },
    });
  });

  it('lists secrets in pages of at most 25 and the SDK follows the absolute nextLink; items carry no value', async () => {
    const { endpoints } = emulators();
    const kv = client();
    for (let i = 0; i < 30; i += 1) await kv.setSecret(`page-${String(i).padStart(2, '0')}`, `value-${i}`);
    await control(endpoints.keyVault.control, 'DELETE', 'requests');

    const names: string[] = [];
    for await (const properties of kv.listPropertiesOfSecrets()) {
      names.push(properties.name);
      expect(properties).not.toHaveProperty('value');
      expect(properties.id).toBe(`${endpoints.keyVault.url}/secrets/${properties.name}`);
    }
    expect(names.filter((n) => n.startsWith('page-'))).toHaveLength(30);
    const listCalls = (await requests()).filter((r) => r.method === 'GET' && r.path === '/secrets');
    expect(listCalls.map((r) => r.status)).toEqual([200, 200]);

    const pageSizes: number[] = [];
    for await (const page of kv.listPropertiesOfSecrets().byPage({ maxPageSize: 10 })) pageSizes.push(page.length);
    expect(pageSizes.reduce((a, b) => a + b, 0)).toBe(names.length);
    expect(pageSizes.every((n) => n <= 10)).toBe(true);
    expect(pageSizes.length).toBe(Math.ceil(names.length / 10));

    const token = (await functionIdentity().getToken('https://vault.azure.net/.default')).token;
    const first = await fetch(`${endpoints.keyVault.url}/secrets?api-version=2025-07-01&maxresults=1`, {
      headers: { authorization: `Bearer ${token}` },
    });
    const body = (await first.json()) as { value: unknown[]; nextLink: string };
    expect(body.value).toHaveLength(1);
    expect(body.nextLink.startsWith(`${endpoints.keyVault.url}/secrets?api-version=2025-07-01&$skiptoken=`)).toBe(true);
    expect(body.nextLink).toContain('maxresults=1');
  });

  it('updates attributes, tags and content type of one version (or the latest with an empty version) without returning the value', async () => {
    const kv = client();
    const v1 = await kv.setSecret('rotating', 'old-value');
    await kv.setSecret('rotating', 'new-value');
    const expiresOn = new Date('2030-01-01T00:00:00Z');
    const updated = await kv.updateSecretProperties('rotating', v1.properties.version!, {
      enabled: false,
      tags: { state: 'retired' },
      contentType: 'application/x-retired',
      expiresOn,
    });
    expect(updated).toMatchObject({
      enabled: false,
      tags: { state: 'retired' },
      contentType: 'application/x-retired',
      expiresOn,
    });
    expect(updated).not.toHaveProperty('value');

    const disabled = await keyVaultFailure(kv.getSecret('rotating', { version: v1.properties.version! }));
    expect(disabled.statusCode).toBe(403);
    expect(disabled.code).toBe('Forbidden');
    expect(disabled.body).toEqual({
      error: {
        code: 'Forbidden',
        message: 'Operation get is not allowed on a disabled secret.',
        innererror: { code: 'SecretDisabled' },
      },
    });
    // Metadata reads still work on a disabled version.
    const versions = [];
    for await (const p of kv.listPropertiesOfSecretVersions('rotating')) versions.push(p);
    expect(versions.find((p) => p.version === v1.properties.version)).toMatchObject({
      enabled: false,
      tags: { state: 'retired' },
    });

    const latest = await kv.updateSecretProperties('rotating', '', { tags: { state: 'current' } });
    expect(latest.tags).toEqual({ state: 'current' });
    expect((await kv.getSecret('rotating')).properties.tags).toEqual({ state: 'current' });
  });

  it('treats nbf and exp as informational: a secret outside its window is still readable', async () => {
    const kv = client();
    await kv.setSecret('windowed', 'still-readable', {
      notBefore: new Date(Date.now() + 86_400_000),
      expiresOn: new Date(Date.now() - 86_400_000),
    });
    const secret = await kv.getSecret('windowed');
    expect(secret.value).toBe('still-readable');
    expect(secret.properties.expiresOn!.getTime()).toBeLessThan(Date.now());
  });

  it('soft-deletes a whole secret, refuses its name with 409, recovers it with every version, and purges it', async () => {
    const kv = client();
    const v1 = await kv.setSecret('lifecycle', 'one');
    await kv.setSecret('lifecycle', 'two');

    const poller = await kv.beginDeleteSecret('lifecycle', POLL);
    const deleted = await poller.pollUntilDone();
    expect(deleted.properties.recoveryId).toBe(`${emulators().endpoints.keyVault.url}/deletedsecrets/lifecycle`);
    const deletedOn = deleted.properties.deletedOn!.getTime();
    expect(deleted.properties.scheduledPurgeDate!.getTime() - deletedOn).toBe(90 * 24 * 3600 * 1000);
    expect(deleted.value).toBeUndefined();

    expect((await keyVaultFailure(kv.getSecret('lifecycle'))).statusCode).toBe(404);
    expect((await keyVaultFailure(kv.getSecret('lifecycle', { version: v1.properties.version! }))).code).toBe(
      'SecretNotFound',
    );
    expect((await kv.getDeletedSecret('lifecycle')).properties.recoveryId).toContain('/deletedsecrets/lifecycle');
    const deletedNames: string[] = [];
    for await (const d of kv.listDeletedSecrets()) deletedNames.push(d.properties.name);
    expect(deletedNames).toContain('lifecycle');

    const conflict = await keyVaultFailure(kv.setSecret('lifecycle', 'three'));
    expect(conflict.statusCode).toBe(409);
    expect(conflict.body).toEqual({
      error: {
        code: 'Conflict',
        message:
          'Secret lifecycle is currently in a deleted but recoverable state, and its name cannot be reused; in this state, the secret can only be recovered or purged.',
        innererror: { code: 'ObjectIsDeletedButRecoverable' },
      },
    });

    const recovered = await (await kv.beginRecoverDeletedSecret('lifecycle', POLL)).pollUntilDone();
    expect(recovered.name).toBe('lifecycle');
    expect((await kv.getSecret('lifecycle')).value).toBe('two');
    expect((await kv.getSecret('lifecycle', { version: v1.properties.version! })).value).toBe('one');
    expect((await keyVaultFailure(kv.getDeletedSecret('lifecycle'))).body?.error).toEqual({
      code: 'SecretNotFound',
      message: 'Deleted Secret not found: lifecycle',
    });

    await (await kv.beginDeleteSecret('lifecycle', POLL)).pollUntilDone();
    await kv.purgeDeletedSecret('lifecycle');
    expect((await keyVaultFailure(kv.getDeletedSecret('lifecycle'))).statusCode).toBe(404);
    expect((await keyVaultFailure(kv.purgeDeletedSecret('lifecycle'))).statusCode).toBe(404);
    const fresh = await kv.setSecret('lifecycle', 'reborn');
    const versions = [];
    for await (const p of kv.listPropertiesOfSecretVersions('lifecycle')) versions.push(p.version);
    expect(versions).toEqual([fresh.properties.version]);
  });
});
