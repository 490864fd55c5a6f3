import { CertificateClient } from '@azure/keyvault-certificates';
import { createGraphClient, createGraphDirectory } from '../../../src/azure/graphDirectory';
import { throttledWithoutRetryAfter } from '../../../src/azure/keyVaultCalls';
import { createKeyVaultCertificateStore } from '../../../src/azure/keyVaultCertificateStore';
import { NotFoundError, UpstreamFailureError, UpstreamUnavailableError } from '../../../src/vending/errors';
import { CertificateStore, KeyCredentialDirectory } from '../../../src/vending/ports';
import { principalCredential } from '../../support/clients';
import { testCertificate } from '../../support/certificates';
import { control, useEmulators, useFunctionIdentity } from '../../support/emulators';

const DAY_MS = 24 * 60 * 60 * 1000;

describe('certificate adapters against the emulators: keyVaultCertificateStore and graphDirectory key credentials', () => {
  const emulators = useEmulators();
  const functionIdentity = useFunctionIdentity(emulators);
  let store: CertificateStore;
  let directory: KeyCredentialDirectory;
  let appId: string;

  beforeAll(async () => {
    const { endpoints } = emulators();
    // As composition builds it (a bare 429 retried too), with the SDK's backoff shortened so no test waits on it.
    const client = new CertificateClient(endpoints.keyVault.url, functionIdentity(), {
      disableChallengeResourceVerification: true,
      retryOptions: { retryDelayInMs: 1, maxRetryDelayInMs: 2, maxRetries: 2 },
      additionalPolicies: [{ policy: throttledWithoutRetryAfter({ baseDelayMs: 1 }), position: 'perCall' }],
    });
    store = createKeyVaultCertificateStore(client, { pollIntervalMs: 10 });
    const graph = createGraphClient(functionIdentity(), {
      baseUrl: endpoints.graph.baseUrl,
      tokenScope: 'https://graph.microsoft.com/.default',
      customHosts: [new URL(endpoints.graph.baseUrl).hostname],
    });
    const created = (await graph.api('/applications').post({ displayName: 'adapters' })) as { appId: string };
    appId = created.appId;
    directory = createGraphDirectory(graph, { managedIdentityClientId: endpoints.managedIdentity.clientId });
  });

  it('creates a certificate in the vault, lists its versions by tag and disables one', async () => {
    const created = await store.create('cert-adapter-default', {
      subject: 'CN=adapter',
      exportable: false,
      keySize: 2048,
      validityInMonths: 2,
      tags: { keyId: 'k1' },
    });
    expect(created.keyId).toBe(`${store.vaultUrl}/keys/cert-adapter-default/${created.version}`);
    expect(created.notAfter.getTime() - created.notBefore.getTime()).toBeGreaterThanOrEqual(56 * DAY_MS);
    const second = await store.create('cert-adapter-default', {
      subject: 'CN=adapter',
      exportable: false,
      keySize: 3072,
      validityInMonths: 1,
      tags: { keyId: 'k2' },
    });
    await store.disableVersion('cert-adapter-default', created.version);
    const versions = await store.listVersions('cert-adapter-default');
    expect(versions.map((v) => [v.tags.keyId, v.enabled, v.version]).sort()).toEqual(
      [
        ['k1', false, created.version],
        ['k2', true, second.version],
      ].sort(),
    );
    expect(await store.listVersions('never-made')).toEqual([]);
    // The vault's certificate list: each certificate once, its latest version's tags and creation time.
    const listed = [];
    for await (const page of store.certificatePages()) listed.push(...page);
    expect(listed.filter((c) => c.name === 'cert-adapter-default')).toEqual([
      { name: 'cert-adapter-default', enabled: true, tags: { keyId: 'k2' }, createdOn: expect.any(Date) as Date },
    ]);
  });

  it('maps a vault refusal to an upstream failure', async () => {
    const refused = createKeyVaultCertificateStore(
      new CertificateClient(
        emulators().endpoints.keyVault.url,
        principalCredential(emulators().endpoints, 'operator'),
        {
          disableChallengeResourceVerification: true,
        },
      ),
    );
    await expect(
      refused.create('cert-refused', {
        subject: 'CN=x',
        exportable: false,
        keySize: 2048,
        validityInMonths: 1,
        tags: {},
      }),
    ).rejects.toBeInstanceOf(UpstreamFailureError);
  });

  it('rides out a 429 without Retry-After; a vault failing past the retries (5xx) is 503 with Retry-After', async () => {
    const vault = emulators().endpoints.keyVault.control;
    const policy = { subject: 'CN=busy', exportable: false, keySize: 2048, validityInMonths: 1, tags: {} };
    await control(vault, 'POST', 'faults', { method: 'POST', pathPattern: '/create$', status: 429, count: 2 });
    await expect(store.create('cert-busy', policy)).resolves.toMatchObject({ name: 'cert-busy' });
    for (const status of [500, 502, 504]) {
      await control(vault, 'POST', 'faults', { method: 'POST', pathPattern: '/create$', status, count: 10 });
      const failing = await store.create('cert-failing', policy).catch((e: unknown) => e);
      await control(vault, 'DELETE', 'faults');
      expect(failing).toBeInstanceOf(UpstreamUnavailableError);
      expect(failing).toMatchObject({ status: 503, upstream: 'keyVault' });
      expect((failing as UpstreamUnavailableError).retryAfterSeconds).toBeGreaterThanOrEqual(1);
    }
  });

  it('adds key credentials keeping the others (the whole collection written back) and removes one', async () => {
    const a = testCertificate({ subject: 'a' });
    const b = testCertificate({ subject: 'b' });
    const credential = (keyId: string, cert: typeof a) => ({
      keyId,
      displayName: keyId,
      thumbprint: cert.thumbprint,
      certificate: cert.base64,
      startDateTime: new Date(),
      endDateTime: new Date(Date.now() + 30 * DAY_MS),
    });
    const first = await directory.addKeyCredential(appId, credential('11111111-1111-4111-8111-111111111111', a));
    expect(first.thumbprint).toBe(a.thumbprint);
    await control(emulators().endpoints.graph.control, 'DELETE', 'requests');
    await directory.addKeyCredential(appId, credential('22222222-2222-4222-8222-222222222222', b));
    const calls = await control<{ method: string; path: string }[]>(
      emulators().endpoints.graph.control,
      'GET',
      'requests',
    );
    expect(calls.map((c) => c.method)).toEqual(['GET', 'PATCH']);

    const { keyCredentials } = await directory.getOwnedKeyCredentials(appId);
    expect(keyCredentials.map((k) => [k.displayName, k.thumbprint])).toEqual([
      ['11111111-1111-4111-8111-111111111111', a.thumbprint],
      ['22222222-2222-4222-8222-222222222222', b.thumbprint],
    ]);
    await directory.removeKeyCredential(appId, '11111111-1111-4111-8111-111111111111');
    expect((await directory.getOwnedKeyCredentials(appId)).keyCredentials.map((k) => k.thumbprint)).toEqual([
      b.thumbprint,
    ]);
  });

  it('answers a 403 on removing a key credential as a permission this identity lacks (502), never "already gone"', async () => {
    const cert = testCertificate({ subject: 'denied' });
    await directory.addKeyCredential(appId, {
      keyId: '33333333-3333-4333-8333-333333333333',
      displayName: 'denied',
      thumbprint: cert.thumbprint,
      certificate: cert.base64,
      startDateTime: new Date(),
      endDateTime: new Date(Date.now() + 30 * DAY_MS),
    });
    const graph = emulators().endpoints.graph.control;
    await control(graph, 'POST', 'faults', { method: 'PATCH', pathPattern: 'applications', status: 403 });
    const error = await directory
      .removeKeyCredential(appId, '33333333-3333-4333-8333-333333333333')
      .catch((e: unknown) => e);
    await control(graph, 'DELETE', 'faults');
    expect(error).toBeInstanceOf(UpstreamFailureError);
    expect(error).toMatchObject({ status: 502, upstream: 'graph' });
    const { keyCredentials } = await directory.getOwnedKeyCredentials(appId);
    expect(keyCredentials.map((k) => k.keyId)).toContain('33333333-3333-4333-8333-333333333333');
  });

  it('answers NotFound for an app this identity does not own', async () => {
    await expect(directory.getOwnedKeyCredentials(emulators().seed.applications[0]!.appId)).rejects.toBeInstanceOf(
      NotFoundError,
    );
  });
});
