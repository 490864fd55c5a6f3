import { Client, PageIterator } from '@microsoft/microsoft-graph-client';
import { graphClient, graphClientAs, principalCredential } from '../support/clients';
import { useEmulators, useFunctionIdentity } from '../support/emulators';
import { graphFailure } from '../support/sdkErrors';

/** Graph through the official client only: applications, passwords, queries, permissions and error shapes. */
describe('Graph emulator: applications through @microsoft/microsoft-graph-client', () => {
  const emulators = useEmulators();
  const functionIdentity = useFunctionIdentity(emulators);
  let mi: Client;
  let admin: Client;
  let noRoles: Client;

  function expectEnvelope(body: Record<string, unknown>): void {
    expect(typeof body.code).toBe('string');
    expect(typeof body.message).toBe('string');
    const inner = body.innerError as Record<string, unknown>;
    expect(inner.date).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$/);
    expect(inner['request-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(typeof inner['client-request-id']).toBe('string');
  }

  beforeAll(() => {
    const { endpoints } = emulators();
    mi = graphClient(endpoints, functionIdentity());
    admin = graphClientAs(endpoints, 'tenantAdmin');
    noRoles = graphClientAs(endpoints, 'noRoles');
  });

  interface PasswordCredential {
    keyId: string;
    hint: string | null;
    secretText: string | null;
    displayName: string | null;
    startDateTime: string;
    endDateTime: string;
    customKeyIdentifier: null;
  }
  interface Application {
    '@odata.context': string;
    id: string;
    appId: string;
    displayName: string;
    passwordCredentials: PasswordCredential[];
    [key: string]: unknown;
  }

  const twoYears = (start: string): number => {
    const end = new Date(start);
    end.setUTCFullYear(end.getUTCFullYear() + 2);
    return end.getTime();
  };

  it('creates an application with an inline secret that is shown once, owned by the calling managed identity', async () => {
    const { endpoints } = emulators();
    const before = Date.now();
    const created = (await mi.api('/applications').post({
      displayName: 'inline-secret-app',
      signInAudience: 'AzureADMyOrg',
      passwordCredentials: [{ displayName: 'initial' }],
    })) as Application;
    expect(created['@odata.context']).toBe(`${endpoints.graph.baseUrl}/v1.0/$metadata#applications/$entity`);
    expect(created).toMatchObject({
      displayName: 'inline-secret-app',
      signInAudience: 'AzureADMyOrg',
      publisherDomain: 'contoso.onmicrosoft.com',
      identifierUris: [],
      keyCredentials: [],
      requiredResourceAccess: [],
      deletedDateTime: null,
    });
    expect(created.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(created.appId).toMatch(/^[0-9a-f-]{36}$/);
    expect(created.passwordCredentials).toHaveLength(1);
    const cred = created.passwordCredentials[0]!;
    expect(cred.secretText).toMatch(/^[A-Za-z0-9]{3}8Q~[A-Za-z0-9_~.-]{34}$/);
    expect(cred.hint).toBe(cred.secretText!.slice(0, 3));
    expect(cred).toMatchObject({ displayName: 'initial', customKeyIdentifier: null });
    expect(cred.keyId).toMatch(/^[0-9a-f-]{36}$/);
    const start = new Date(cred.startDateTime).getTime();
    expect(start).toBeGreaterThanOrEqual(before - 1000);
    expect(start).toBeLessThanOrEqual(Date.now() + 1000);
    expect(new Date(cred.endDateTime).getTime()).toBe(twoYears(cred.startDateTime));
    expect(emulators().issuedSecretTexts()).toContain(cred.secretText);

    const read = (await mi.api(`/applications/${created.id}`).get()) as Application;
    expect(read.passwordCredentials).toEqual([{ ...cred, secretText: null }]);

    const owners = (await mi.api(`/applications/${created.id}/owners`).get()) as { value: Record<string, unknown>[] };
    expect(owners.value).toHaveLength(1);
    expect(owners.value[0]).toMatchObject({
      '@odata.type': '#microsoft.graph.servicePrincipal',
      id: endpoints.managedIdentity.objectId,
      appId: endpoints.managedIdentity.clientId,
      servicePrincipalType: 'ManagedIdentity',
    });
    const ownersByAppId = (await mi.api(`/applications(appId='${created.appId}')/owners`).select('id').get()) as {
      value: unknown[];
    };
    expect(ownersByAppId.value).toEqual([
      { '@odata.type': '#microsoft.graph.servicePrincipal', id: endpoints.managedIdentity.objectId },
    ]);
  });

  it('requires displayName on create', async () => {
    const error = await graphFailure(mi.api('/applications').post({ signInAudience: 'AzureADMyOrg' }));
    expect(error.statusCode).toBe(400);
    expect(error.code).toBe('Request_BadRequest');
    expectEnvelope(error.parsed);
  });

  it('reads an application by appId with $select and the matching @odata.context', async () => {
    const { endpoints } = emulators();
    const created = (await mi.api('/applications').post({ displayName: 'select-app' })) as Application;
    const read = (await mi
      .api(`/applications(appId='${created.appId}')`)
      .select(['id', 'appId', 'displayName', 'passwordCredentials'])
      .get()) as Record<string, unknown>;
    expect(read).toEqual({
      '@odata.context': `${endpoints.graph.baseUrl}/v1.0/$metadata#applications(id,appId,displayName,passwordCredentials)/$entity`,
      id: created.id,
      appId: created.appId,
      displayName: 'select-app',
      passwordCredentials: [],
    });
    const error = await graphFailure(mi.api(`/applications/${created.id}`).select('nope').get());
    expect(error.statusCode).toBe(400);
    expect(error.code).toBe('BadRequest');
  });

  it('adds and removes passwords through both address forms', async () => {
    const app = (await mi.api('/applications').post({ displayName: 'password-app' })) as Application;

    const byId = (await mi
      .api(`/applications/${app.id}/addPassword`)
      .post({ passwordCredential: { displayName: 'by-id' } })) as PasswordCredential;
    expect(byId).toMatchObject({ displayName: 'by-id', customKeyIdentifier: null });
    expect(byId.secretText).toHaveLength(40);
    expect(byId.hint).toBe(byId.secretText!.slice(0, 3));
    expect(new Date(byId.endDateTime).getTime()).toBe(twoYears(byId.startDateTime));

    const start = '2030-01-01T00:00:00Z';
    const end = '2030-03-01T00:00:00Z';
    const byAppId = (await mi.api(`/applications(appId='${app.appId}')/addPassword`).post({
      passwordCredential: { displayName: 'by-app-id', startDateTime: start, endDateTime: end },
    })) as PasswordCredential;
    expect(new Date(byAppId.startDateTime).toISOString()).toBe('2030-01-01T00:00:00.000Z');
    expect(new Date(byAppId.endDateTime).toISOString()).toBe('2030-03-01T00:00:00.000Z');
    expect(emulators().issuedSecretTexts()).toEqual(expect.arrayContaining([byId.secretText, byAppId.secretText]));

    // No body at all is allowed: defaults apply.
    const bare = (await mi.api(`/applications/${app.id}/addPassword`).post({})) as PasswordCredential;
    expect(bare.displayName).toBeNull();

    let read = (await mi.api(`/applications/${app.id}`).select('passwordCredentials').get()) as Application;
    expect(read.passwordCredentials.map((c) => c.keyId).sort()).toEqual([byId.keyId, byAppId.keyId, bare.keyId].sort());
    expect(read.passwordCredentials.every((c) => c.secretText === null)).toBe(true);

    expect(await mi.api(`/applications/${app.id}/removePassword`).post({ keyId: byId.keyId })).toBeUndefined();
    expect(
      await mi.api(`/applications(appId='${app.appId}')/removePassword`).post({ keyId: byAppId.keyId }),
    ).toBeUndefined();
    read = (await mi.api(`/applications/${app.id}`).select('passwordCredentials').get()) as Application;
    expect(read.passwordCredentials.map((c) => c.keyId)).toEqual([bare.keyId]);

    const unknownKey = await graphFailure(mi.api(`/applications/${app.id}/removePassword`).post({ keyId: byId.keyId }));
    expect(unknownKey.statusCode).toBe(404);
    expect(unknownKey.code).toBe('Request_ResourceNotFound');
    expectEnvelope(unknownKey.parsed);
  });

  it("refuses bad password dates with Graph's errors", async () => {
    const app = (await mi.api('/applications').post({ displayName: 'bad-dates-app' })) as Application;
    const backwards = await graphFailure(
      mi.api(`/applications/${app.id}/addPassword`).post({
        passwordCredential: { startDateTime: '2030-02-01T00:00:00Z', endDateTime: '2030-01-01T00:00:00Z' },
      }),
    );
    expect(backwards.statusCode).toBe(400);
    expect(backwards.code).toBe('KeyCredentialsInvalidEndDate');
    expectEnvelope(backwards.parsed);
    const garbage = await graphFailure(
      mi.api(`/applications/${app.id}/addPassword`).post({ passwordCredential: { endDateTime: 'next tuesday' } }),
    );
    expect(garbage.statusCode).toBe(400);
    expect(garbage.code).toBe('BadRequest');
    const inline = await graphFailure(
      mi.api('/applications').post({
        displayName: 'bad-inline',
        passwordCredentials: [{ startDateTime: '2030-02-01T00:00:00Z', endDateTime: '2030-02-01T00:00:00Z' }],
      }),
    );
    expect(inline.code).toBe('KeyCredentialsInvalidEndDate');
  });

  it('updates with PATCH (204) but refuses passwordCredentials changes', async () => {
    const app = (await mi.api('/applications').post({ displayName: 'patch-app' })) as Application;
    expect(await mi.api(`/applications/${app.id}`).patch({ displayName: 'patched-app', notes: 'n' })).toBeUndefined();
    const read = (await mi.api(`/applications/${app.id}`).get()) as Application;
    expect(read).toMatchObject({ displayName: 'patched-app', notes: 'n' });
    const error = await graphFailure(mi.api(`/applications/${app.id}`).patch({ passwordCredentials: [] }));
    expect(error.statusCode).toBe(400);
    expect(error.code).toBe('Request_BadRequest');
    const readOnly = await graphFailure(mi.api(`/applications/${app.id}`).patch({ appId: app.id }));
    expect(readOnly.code).toBe('Request_BadRequest');
  });

  it("deletes (204) and then answers 404 Request_ResourceNotFound with Graph's exact message", async () => {
    const app = (await mi.api('/applications').post({ displayName: 'delete-app' })) as Application;
    expect(await mi.api(`/applications/${app.id}`).delete()).toBeUndefined();
    const error = await graphFailure(mi.api(`/applications/${app.id}`).get());
    expect(error.statusCode).toBe(404);
    expect(error.code).toBe('Request_ResourceNotFound');
    expect(error.message).toBe(
      `Resource '${app.id}' does not exist or one of its queried reference-property objects are not present.`,
    );
    expectEnvelope(error.parsed);
    const byAppId = await graphFailure(mi.api(`/applications(appId='${app.appId}')/addPassword`).post({}));
    expect(byAppId.statusCode).toBe(404);
  });

  it('answers malformed ids, unknown segments and wrong methods like Graph', async () => {
    const malformed = await graphFailure(mi.api('/applications/not-a-guid').get());
    expect(malformed.statusCode).toBe(400);
    expect(malformed.code).toBe('Request_BadRequest');
    expect(malformed.message).toBe("Invalid object identifier 'not-a-guid'.");
    const segment = await graphFailure(mi.api('/applicationz').get());
    expect(segment.statusCode).toBe(400);
    expect(segment.code).toBe('BadRequest');
    expect(segment.message).toBe("Resource not found for the segment 'applicationz'.");
    const method = await graphFailure(mi.api('/applications').put({}));
    expect(method.statusCode).toBe(405);
    expectEnvelope(method.parsed);
  });

  it('lets Application.ReadWrite.OwnedBy read but not change an application it does not own', async () => {
    const payroll = emulators().seed.applications.find((a) => a.displayName === 'legacy-payroll')!;
    const read = (await mi.api(`/applications(appId='${payroll.appId}')`).get()) as Application;
    expect(read.id).toBe(payroll.objectId);
    const attempts = [
      mi.api(`/applications/${payroll.objectId}`).patch({ displayName: 'hijacked' }),
      mi.api(`/applications/${payroll.objectId}`).delete(),
      mi.api(`/applications/${payroll.objectId}/addPassword`).post({ passwordCredential: {} }),
      mi.api(`/applications(appId='${payroll.appId}')/addPassword`).post({ passwordCredential: {} }),
      mi
        .api(`/applications/${payroll.objectId}/removePassword`)
        .post({ keyId: '00000000-0000-0000-0000-000000000001' }),
      mi.api('/servicePrincipals').post({ appId: payroll.appId }),
    ];
    for (const attempt of attempts) {
      const error = await graphFailure(attempt);
      expect(error.statusCode).toBe(403);
      expect(error.code).toBe('Authorization_RequestDenied');
      expect(error.message).toBe('Insufficient privileges to complete the operation.');
      expectEnvelope(error.parsed);
    }
    // Application.ReadWrite.All may.
    const added = (await admin
      .api(`/applications/${payroll.objectId}/addPassword`)
      .post({ passwordCredential: { displayName: 'admin' } })) as PasswordCredential;
    expect(added.secretText).toHaveLength(40);
    await admin.api(`/applications/${payroll.objectId}/removePassword`).post({ keyId: added.keyId });
  });

  it('refuses everything to a principal without Graph permissions', async () => {
    for (const call of [
      noRoles.api('/applications').get(),
      noRoles.api('/applications').post({ displayName: 'x' }),
      noRoles.api('/servicePrincipals').get(),
    ]) {
      const error = await graphFailure(call);
      expect(error.statusCode).toBe(403);
      expect(error.code).toBe('Authorization_RequestDenied');
    }
  });

  it('answers 401 InvalidAuthenticationToken without a token or with a token for another resource', async () => {
    const { endpoints } = emulators();
    const response = await fetch(`${endpoints.graph.baseUrl}/v1.0/applications`, {
      headers: { 'client-request-id': 'my-correlation' },
    });
    expect(response.status).toBe(401);
    expect(response.headers.get('client-request-id')).toBe('my-correlation');
    expect(response.headers.get('request-id')).toMatch(/^[0-9a-f-]{36}$/);
    const body = (await response.json()) as { error: Record<string, unknown> };
    expect(body.error).toMatchObject({ code: 'InvalidAuthenticationToken', message: 'Access token is empty.' });
    expect((body.error.innerError as Record<string, unknown>)['client-request-id']).toBe('my-correlation');
    expectEnvelope(body.error);

    const vaultToken = await principalCredential(emulators().endpoints, 'tenantAdmin').getToken(
      'https://vault.azure.net/.default',
    );
    const wrongAudience = await fetch(`${endpoints.graph.baseUrl}/v1.0/applications`, {
      headers: { authorization: `Bearer ${vaultToken.token}` },
    });
    expect(wrongAudience.status).toBe(401);
    const wrong = (await wrongAudience.json()) as { error: { code: string; message: string } };
    expect(wrong.error).toMatchObject({
      code: 'InvalidAuthenticationToken',
      message: 'Access token validation failure. Invalid audience.',
    });
  });

  describe('listing', () => {
    const prefix = `page-${Date.now()}-`;
    const apps: Application[] = [];

    beforeAll(async () => {
      for (let i = 0; i < 7; i += 1)
        apps.push((await mi.api('/applications').post({ displayName: `${prefix}${i}` })) as Application);
    });

    it('filters by appId and displayName (the client percent-encodes $filter)', async () => {
      const target = apps[3]!;
      const byAppId = (await mi.api('/applications').filter(`appId eq '${target.appId}'`).get()) as {
        value: Application[];
      };
      expect(byAppId.value.map((a) => a.id)).toEqual([target.id]);
      const byName = (await mi
        .api('/applications')
        .filter(`displayName eq '${target.displayName}'`)
        .select('id,displayName')
        .get()) as {
        '@odata.context': string;
        value: Record<string, unknown>[];
      };
      expect(byName.value).toEqual([{ id: target.id, displayName: target.displayName }]);
      expect(byName['@odata.context']).toMatch(/\$metadata#applications\(id,displayName\)$/);
      const none = (await mi.api('/servicePrincipals').filter(`appId eq '${target.appId}'`).get()) as {
        value: unknown[];
      };
      expect(none.value).toEqual([]);
      const unsupported = await graphFailure(mi.api('/applications').filter("notes eq 'x'").get());
      expect(unsupported.statusCode).toBe(400);
      expect(unsupported.code).toBe('Request_UnsupportedQuery');
    });

    it("keeps tags through create, PATCH and $select, and finds apps by a tag with tags/any(t:t eq '…')", async () => {
      const tag = `vending:owner:${crypto.randomUUID()}`;
      const tagged = (await mi
        .api('/applications')
        .post({ displayName: `tagged-${Date.now()}`, tags: [tag] })) as Application;
      const read = (await mi.api(`/applications/${tagged.id}`).select('tags').get()) as { tags: string[] };
      expect(read.tags).toEqual([tag]);
      const found = (await mi.api('/applications').filter(`tags/any(t:t eq '${tag}')`).select('id').get()) as {
        value: { id: string }[];
      };
      expect(found.value).toEqual([{ id: tagged.id }]);
      await mi.api(`/applications/${tagged.id}`).patch({ tags: ['other'] });
      const gone = (await mi.api('/applications').filter(`tags/any(t:t eq '${tag}')`).get()) as { value: unknown[] };
      expect(gone.value).toEqual([]);
      const notAString = await graphFailure(mi.api(`/applications/${tagged.id}`).patch({ tags: 'single' }));
      expect(notAString.statusCode).toBe(400);
    });

    it('pages with $top and an absolute https @odata.nextLink that PageIterator follows', async () => {
      const first = (await mi
        .api('/applications')
        .filter(`startswith(displayName,'${prefix}')`)
        .select('id,displayName')
        .top(3)
        .get()) as {
        value: Application[];
        '@odata.nextLink': string;
      };
      expect(first.value).toHaveLength(3);
      expect(first['@odata.nextLink']).toMatch(
        new RegExp(
          `^${emulators().endpoints.graph.baseUrl.replace(/\./g, '\\.')}/v1\\.0/applications\\?.*\\$skiptoken=`,
        ),
      );

      const second = (await mi.api(first['@odata.nextLink']).get()) as {
        value: Application[];
        '@odata.nextLink'?: string;
      };
      expect(second.value).toHaveLength(3);
      expect(Object.keys(second.value[0]!).sort()).toEqual(['displayName', 'id']);

      const seen: string[] = [];
      const iterator = new PageIterator(mi, first, (item: Application) => {
        seen.push(item.displayName);
        return true;
      });
      await iterator.iterate();
      expect(seen).toEqual(apps.map((a) => a.displayName));
    });

    it('refuses $top above 999', async () => {
      const error = await graphFailure(mi.api('/applications').top(1000).get());
      expect(error.statusCode).toBe(400);
      expect(error.code).toBe('Request_BadRequest');
      const max = (await mi.api('/applications').top(999).get()) as { value: unknown[]; '@odata.nextLink'?: string };
      expect(max['@odata.nextLink']).toBeUndefined();
    });

    it('lists every application (default page size 100) to OwnedBy, including ones it does not own', async () => {
      const all = (await mi.api('/applications').select('displayName').get()) as { value: { displayName: string }[] };
      expect(all.value.map((a) => a.displayName)).toEqual(
        expect.arrayContaining(['legacy-payroll', 'entra-app-vending', `${prefix}0`]),
      );
    });
  });
});
