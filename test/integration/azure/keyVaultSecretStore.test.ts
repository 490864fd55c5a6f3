import { SecretClient } from '@azure/keyvault-secrets';
import { throttledWithoutRetryAfter } from '../../../src/azure/keyVaultCalls';
import { createKeyVaultSecretStore } from '../../../src/azure/keyVaultSecretStore';
import { UpstreamFailureError, UpstreamUnavailableError } from '../../../src/vending/errors';
import { SecretStore } from '../../../src/vending/ports';
import { principalCredential, secretClientAs } from '../../support/clients';
import { control, useEmulators, useFunctionIdentity } from '../../support/emulators';

const DAY_MS = 24 * 60 * 60 * 1000;

describe('keyVaultSecretStore: the SecretStore port over the official SecretClient, against the Key Vault emulator', () => {
  const emulators = useEmulators();
  const functionIdentity = useFunctionIdentity(emulators);
  let store: SecretStore;
  const vaultControl = () => emulators().endpoints.keyVault.control;
  const options = (keyId: string) => ({
    contentType: 'text/plain; charset=utf-8',
    notBefore: new Date(Date.now() - 60_000),
    expiresOn: new Date(Date.now() + 7 * DAY_MS),
    tags: { managedBy: 'entra-app-vending', keyId },
  });

  /** The next `count` secret writes answer `status` (with `Retry-After` only when given). */
  const failPuts = (status: number, count: number, retryAfterSeconds?: number) =>
    control(vaultControl(), 'POST', 'faults', {
      method: 'PUT',
      pathPattern: '^/secrets/',
      status,
      count,
      ...(retryAfterSeconds === undefined ? {} : { retryAfterSeconds }),
    });
  /** A write that must fail as "retry later": this status to the caller, with a Retry-After. */
  async function expectUnavailable(write: Promise<unknown>, status: 429 | 503): Promise<void> {
    const error = await write.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UpstreamUnavailableError);
    expect(error).toMatchObject({ status, upstream: 'keyVault' });
    expect((error as UpstreamUnavailableError).retryAfterSeconds).toBeGreaterThanOrEqual(1);
  }

  beforeAll(() => {
    // The SDK's own retries (429/503) with a 1 ms base delay: its policy is exercised, no test waits on a backoff.
    const client = new SecretClient(emulators().endpoints.keyVault.url, functionIdentity(), {
      disableChallengeResourceVerification: true,
      retryOptions: { retryDelayInMs: 1, maxRetryDelayInMs: 2, maxRetries: 2 },
      additionalPolicies: [{ policy: throttledWithoutRetryAfter({ baseDelayMs: 1 }), position: 'perCall' }],
    });
    store = createKeyVaultSecretStore(client);
  });
  beforeEach(async () => {
    await control(vaultControl(), 'DELETE', 'faults');
  });

  it('writes versions of one slot, lists them with their tags (never values) and disables one', async () => {
    const first = await store.put('app-slot-a', 'value-one', options('k1'));
    const second = await store.put('app-slot-a', 'value-two', options('k2'));
    expect(first.id).toBe(`${store.vaultUrl}/secrets/app-slot-a/${first.version}`);
    const versions = await store.listVersions('app-slot-a');
    expect(versions.map((v) => [v.version, v.tags.keyId, v.enabled]).sort()).toEqual(
      [
        [first.version, 'k1', true],
        [second.version, 'k2', true],
      ].sort(),
    );
    expect(JSON.stringify(versions)).not.toContain('value-');

    await store.disableVersion('app-slot-a', first.version);
    const reader = secretClientAs(emulators().endpoints, 'operator');
    await expect(reader.getSecret('app-slot-a', { version: first.version })).rejects.toMatchObject({
      statusCode: 403,
      code: 'Forbidden',
    });
    expect((await reader.getSecret('app-slot-a', { version: second.version })).value).toBe('value-two');
    expect((await store.listVersions('app-slot-a')).find((v) => v.version === first.version)?.enabled).toBe(false);
  });

  it('lists no versions of a slot that was never written', async () => {
    expect(await store.listVersions('app-never-written')).toEqual([]);
  });

  it('rides out throttling with the SDK retry, then answers 429/503 with Retry-After when it persists', async () => {
    await failPuts(429, 1, 0);
    await expect(store.put('app-throttled-once', 'v', options('k3'))).resolves.toMatchObject({
      name: 'app-throttled-once',
    });

    await failPuts(429, 5, 0);
    await expectUnavailable(store.put('app-throttled', 'v', options('k4')), 429);
  });

  it('retries a 429 that does not say how long to wait (the SDK alone fails it at once), then answers 429 with Retry-After', async () => {
    const puts = async () =>
      (await control<{ method: string; path: string }[]>(vaultControl(), 'GET', 'requests')).filter(
        (r) => r.method === 'PUT' && r.path.startsWith('/secrets/app-throttled-bare'),
      ).length;
    await control(vaultControl(), 'DELETE', 'requests');
    await failPuts(429, 2);
    await expect(store.put('app-throttled-bare', 'v', options('k7'))).resolves.toMatchObject({
      name: 'app-throttled-bare',
    });
    expect(await puts()).toBe(3);

    await failPuts(429, 20);
    await expectUnavailable(store.put('app-throttled-bare', 'v', options('k8')), 429);
    expect(await puts()).toBe(3 + 4); // the first try and three retries

    // The same client without the policy: the SDK gives up on the first bare 429.
    await control(vaultControl(), 'DELETE', 'faults');
    await failPuts(429, 1);
    const bare = new SecretClient(emulators().endpoints.keyVault.url, functionIdentity(), {
      disableChallengeResourceVerification: true,
      retryOptions: { retryDelayInMs: 1, maxRetryDelayInMs: 2, maxRetries: 2 },
    });
    await expect(bare.setSecret('app-throttled-bare', 'v')).rejects.toMatchObject({ statusCode: 429 });
  });

  it.each([500, 502, 504])(
    'answers a %i that outlasts the SDK retries as 503 with Retry-After (the vault failing, not refusing)',
    async (status) => {
      await failPuts(status, 20);
      await expectUnavailable(store.put('app-failing', 'v', options('k9')), 503);
    },
  );

  it('maps a refusal to UpstreamFailure (502) with the vault code, e.g. a role the identity lacks', async () => {
    // The operator is a Key Vault Secrets User: it may read, not write.
    const readOnly = createKeyVaultSecretStore(
      new SecretClient(emulators().endpoints.keyVault.url, principalCredential(emulators().endpoints, 'operator'), {
        disableChallengeResourceVerification: true,
      }),
    );
    const error = await readOnly.put('app-forbidden', 'v', options('k5')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UpstreamFailureError);
    expect(error).toMatchObject({ status: 502, upstream: 'keyVault', upstreamCode: 'Forbidden' });
  });

  it('maps a dropped connection to 503 "could not be reached"', async () => {
    await failPuts(0, 5);
    const error = await store.put('app-unreachable', 'v', options('k6')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UpstreamUnavailableError);
    expect(error).toMatchObject({ status: 503, upstream: 'keyVault' });
  });
});
