import { control, useEmulators } from '../support/emulators';
import { principalCredential, graphClientAs } from '../support/clients';
import { SecretClient } from '@azure/keyvault-secrets';

/** POSTs a control body and answers the status (for refusals). */
async function status(url: string, body: unknown): Promise<number> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  await response.text();
  return response.status;
}

describe('bulk seeding and clocks on the Graph and Key Vault control planes', () => {
  const emulators = useEmulators();
  const graph = () => emulators().endpoints.graph.control;
  const vault = () => emulators().endpoints.keyVault.control;
  const dates = { startDateTime: '2026-01-01T00:00:00Z', endDateTime: '2026-03-01T00:00:00Z' };

  afterEach(async () => {
    await control(graph(), 'POST', 'reset');
    await control(vault(), 'POST', 'reset');
  });

  it('creates many applications owned by a seeded principal, with tags and planted credentials, visible to Graph', async () => {
    const { applications } = await control<{ applications: { id: string; appId: string; keyIds: string[] }[] }>(
      graph(),
      'POST',
      'applications',
      { count: 3, owner: 'tenantAdmin', displayNamePrefix: 'seeded', tags: ['t1'], passwordCredentials: [dates] },
    );
    expect(applications).toHaveLength(3);
    const app = (await graphClientAs(emulators().endpoints, 'tenantAdmin')
      .api(`/applications(appId='${applications[1]!.appId}')`)
      .select(['displayName', 'tags', 'passwordCredentials'])
      .get()) as { displayName: string; tags: string[]; passwordCredentials: { keyId: string; endDateTime: string }[] };
    expect(app.displayName).toBe('seeded-1');
    expect(app.tags).toEqual(['t1']);
    expect(app.passwordCredentials.map((c) => c.keyId)).toEqual(applications[1]!.keyIds);
    expect(Date.parse(app.passwordCredentials[0]!.endDateTime)).toBe(Date.parse(dates.endDateTime));
    const owners = (await graphClientAs(emulators().endpoints, 'tenantAdmin')
      .api(`/applications(appId='${applications[1]!.appId}')/owners`)
      .get()) as { value: { id: string }[] };
    expect(owners.value.map((o) => o.id)).toEqual([emulators().endpoints.principals.tenantAdmin!.objectId]);
  });

  it.each([
    [{ count: 0 }],
    [{ count: 10_001 }],
    [{ count: 1, owner: 'nobody' }],
    [{ count: 1, tags: [7] }],
    [{ count: 1, passwordCredentials: [{ startDateTime: 'yesterday', endDateTime: dates.endDateTime }] }],
    [{ count: 1, passwordCredentials: [{ ...dates, hint: 'four' }] }],
  ])('refuses a bad bulk application body %j with 400', async (body) => {
    expect(await status(`${graph()}/applications`, body)).toBe(400);
  });

  it('writes many secret versions at once (metadata as given, values readable), and refuses bad entries', async () => {
    const { secrets } = await control<{ secrets: { name: string; version: string }[] }>(vault(), 'POST', 'secrets', {
      secrets: [
        { name: 'bulk-a', value: 'one', tags: { keyId: 'k1' }, contentType: 'text/plain' },
        { name: 'bulk-a', value: 'two', tags: { keyId: 'k2' }, attributes: { enabled: false } },
      ],
    });
    expect(secrets.map((s) => s.name)).toEqual(['bulk-a', 'bulk-a']);
    const client = new SecretClient(
      emulators().endpoints.keyVault.url,
      principalCredential(emulators().endpoints, 'tenantAdmin'),
      {
        disableChallengeResourceVerification: true,
      },
    );
    expect((await client.getSecret('bulk-a', { version: secrets[0]!.version })).value).toBe('one');
    const versions = [];
    for await (const v of client.listPropertiesOfSecretVersions('bulk-a')) versions.push([v.tags?.keyId, v.enabled]);
    expect(versions).toEqual([
      ['k1', true],
      ['k2', false],
    ]);
    expect(await status(`${vault()}/secrets`, { secrets: [{ name: 'bad name', value: 'x' }] })).toBe(400);
    expect(await status(`${vault()}/secrets`, { secrets: [{ name: 'no-value' }] })).toBe(400);
    expect(
      await status(`${vault()}/secrets`, {
        secrets: Array.from({ length: 5_001 }, (_, i) => ({ name: `s${i}`, value: 'x' })),
      }),
    ).toBe(400);
  });

  it('moves the vault clock: versions written after it are created later', async () => {
    const client = new SecretClient(
      emulators().endpoints.keyVault.url,
      principalCredential(emulators().endpoints, 'tenantAdmin'),
      {
        disableChallengeResourceVerification: true,
      },
    );
    const before = await client.setSecret('clocked', 'a');
    expect(await control(vault(), 'POST', 'clock', { advanceMs: 86_400_000 })).toEqual({ offsetMs: 86_400_000 });
    const after = await client.setSecret('clocked', 'b');
    const days = (after.properties.createdOn!.getTime() - before.properties.createdOn!.getTime()) / 86_400_000;
    expect(days).toBeGreaterThanOrEqual(1);
    expect(days).toBeLessThan(1.01);
    expect(await status(`${vault()}/clock`, { advanceMs: -1 })).toBe(400);
  });
});
