import { randomUUID } from 'node:crypto';
import { SecretClient } from '@azure/keyvault-secrets';
import type { Context, Middleware } from '@microsoft/microsoft-graph-client';
import { CallMeter } from '../../../src/azure/callMeter';
import { createGraphClient, createGraphDirectory } from '../../../src/azure/graphDirectory';
import { createKeyVaultSecretStore } from '../../../src/azure/keyVaultSecretStore';
import { OwnedApplication, StoredSecretSummary } from '../../../src/vending/ports';
import { testCertificate } from '../../support/certificates';
import { graphClientAs } from '../../support/clients';
import { control, useEmulators, useFunctionIdentity } from '../../support/emulators';

const DAY_MS = 24 * 60 * 60 * 1000;

/** Records the URL of every request the Graph client sends (a middleware of the official client, no HTTP mocking). */
function urlRecorder(urls: string[]): Middleware {
  let next: Middleware | undefined;
  return {
    setNext: (m) => {
      next = m;
    },
    execute: async (context: Context) => {
      const request: unknown = context.request;
      urls.push(typeof request === 'string' ? request : (request as { url: string }).url);
      await next!.execute(context);
    },
  };
}

async function collect<T>(pages: AsyncIterable<T[]>): Promise<T[][]> {
  const all: T[][] = [];
  for await (const page of pages) all.push(page);
  return all;
}

describe("the scan's enumeration: owned apps page by page from Graph, the vault's secret list", () => {
  const emulators = useEmulators();
  const functionIdentity = useFunctionIdentity(emulators);

  it('reads 2,100 owned apps in three Graph calls ($top=999, $select of the scan fields), tags and credentials included', async () => {
    const { endpoints } = emulators();
    const start = new Date(Date.now() - DAY_MS).toISOString();
    const end = new Date(Date.now() + 30 * DAY_MS).toISOString();
    const seeded = await control<{ applications: { appId: string; keyIds: string[] }[] }>(
      endpoints.graph.control,
      'POST',
      'applications',
      {
        count: 2_100,
        tags: ['vending:rotate:*'],
        passwordCredentials: [
          { displayName: 'default', startDateTime: start, endDateTime: end },
          { displayName: 'ci', startDateTime: start, endDateTime: end },
        ],
      },
    );
    // An app someone else owns is not in the listing.
    await control(endpoints.graph.control, 'POST', 'applications', { count: 3, owner: 'tenantAdmin' });

    const urls: string[] = [];
    const client = createGraphClient(
      functionIdentity(),
      {
        baseUrl: endpoints.graph.baseUrl,
        tokenScope: 'https://graph.microsoft.com/.default',
        customHosts: [new URL(endpoints.graph.baseUrl).hostname],
      },
      urlRecorder(urls),
    );
    const directory = createGraphDirectory(client, { managedIdentityClientId: endpoints.managedIdentity.clientId });
    const pages = await collect<OwnedApplication>(directory.ownedApplicationPages());

    expect(pages.map((p) => p.length)).toEqual([999, 999, 102]);
    expect(urls).toHaveLength(3);
    const first = new URL(urls[0]!);
    expect(decodeURIComponent(first.pathname)).toBe(
      `/v1.0/servicePrincipals(appId='${endpoints.managedIdentity.clientId}')/ownedObjects/microsoft.graph.application`,
    );
    expect(first.searchParams.get('$top')).toBe('999');
    expect(first.searchParams.get('$select')).toBe('id,appId,displayName,tags,passwordCredentials,keyCredentials');
    const apps = pages.flat();
    expect(apps.map((a) => a.appId)).toEqual(seeded.applications.map((a) => a.appId));
    expect(apps[0]).toEqual({
      id: expect.any(String) as string,
      appId: seeded.applications[0]!.appId,
      displayName: 'bulk-0',
      tags: ['vending:rotate:*'],
      passwordCredentials: seeded.applications[0]!.keyIds.map((keyId, i) => ({
        keyId,
        displayName: i === 0 ? 'default' : 'ci',
        hint: null,
        startDateTime: expect.any(String) as string,
        endDateTime: expect.any(String) as string,
      })),
      keyCredentials: [],
    });
    const credential = apps[0]!.passwordCredentials[0]!;
    expect([Date.parse(credential.startDateTime), Date.parse(credential.endDateTime)]).toEqual([
      Date.parse(start),
      Date.parse(end),
    ]);
  });

  it('reads the credentials of any app, owned or not, and says when there is none', async () => {
    const { endpoints, seed } = emulators();
    const client = createGraphClient(functionIdentity(), {
      baseUrl: endpoints.graph.baseUrl,
      tokenScope: 'https://graph.microsoft.com/.default',
      customHosts: [new URL(endpoints.graph.baseUrl).hostname],
    });
    const directory = createGraphDirectory(client, { managedIdentityClientId: endpoints.managedIdentity.clientId });
    const legacy = seed.applications[0]!.appId;
    const { keyId } = await control<{ keyId: string }>(endpoints.graph.control, 'POST', 'credentials', {
      appId: legacy,
      displayName: 'x',
      startDateTime: new Date().toISOString(),
      endDateTime: new Date(Date.now() + DAY_MS).toISOString(),
    });
    expect((await directory.findApplicationCredentials(legacy))?.map((c) => c.keyId)).toContain(keyId);
    expect(await directory.findApplicationCredentials(randomUUID())).toBeUndefined();

    // Both kinds in one read: a certificate its owner added is there too, without its key.
    const certificate = testCertificate();
    await graphClientAs(endpoints, 'tenantAdmin')
      .api(`/applications(appId='${legacy}')`)
      .patch({
        keyCredentials: [{ type: 'AsymmetricX509Cert', usage: 'Verify', key: certificate.base64, displayName: 'byo' }],
      });
    const all = (await directory.findAllCredentials(legacy))!;
    expect(all.passwordCredentials.map((c) => c.keyId)).toContain(keyId);
    expect(all.keyCredentials).toEqual([
      expect.objectContaining({ displayName: 'byo', thumbprint: certificate.thumbprint }),
    ]);
    expect(all.keyCredentials[0]).not.toHaveProperty('key');
    expect(await directory.findAllCredentials(randomUUID())).toBeUndefined();
  });

  it('lists the vault 25 secrets a call, latest version tags and creation time, no values; the meter counts each call', async () => {
    const { endpoints } = emulators();
    const secrets = Array.from({ length: 60 }, (_, i) => ({
      name: `bulk-${String(i).padStart(3, '0')}`,
      value: `value-${i}`,
      tags: { managedBy: 'entra-app-vending', keyId: `k${i}` },
    }));
    await control(endpoints.keyVault.control, 'POST', 'secrets', { secrets });
    await control(endpoints.keyVault.control, 'POST', 'secrets', {
      secrets: [{ name: 'bulk-000', value: 'newer', tags: { managedBy: 'entra-app-vending', keyId: 'k-new' } }],
    });
    const meter = new CallMeter();
    const client = new SecretClient(endpoints.keyVault.url, functionIdentity(), {
      disableChallengeResourceVerification: true,
      additionalPolicies: [{ policy: meter.keyVaultPolicy(), position: 'perRetry' }],
    });
    const store = createKeyVaultSecretStore(client);
    const pages = await collect<StoredSecretSummary>(store.secretPages());
    expect(pages.map((p) => p.length)).toEqual([25, 25, 10]);
    const all = pages.flat();
    expect(all[0]).toEqual({
      name: 'bulk-000',
      enabled: true,
      tags: { managedBy: 'entra-app-vending', keyId: 'k-new' },
      createdOn: expect.any(Date) as Date,
    });
    expect(JSON.stringify(all)).not.toContain('value-');
    // Three pages, plus the SDK's first, unauthenticated request (the challenge).
    expect(meter.read().keyVault.calls).toBe(4);
    expect((await store.listVersions('bulk-000')).map((v) => v.tags.keyId)).toEqual(['k0', 'k-new']);
  });
});
