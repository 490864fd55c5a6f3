import { Client, RetryHandlerOptions } from '@microsoft/microsoft-graph-client';
import { TokenCredentialAuthenticationProvider } from '@microsoft/microsoft-graph-client/authProviders/azureTokenCredentials';
import { graphClient, graphClientAs } from '../support/clients';
import { control, useEmulators, useFunctionIdentity } from '../support/emulators';
import { graphFailure } from '../support/sdkErrors';

/** Graph through the official client: service principals, ownership, replication lag, policy, planted credentials, faults, reset. */
describe('Graph emulator: service principals, lag, policy, faults', () => {
  const emulators = useEmulators();
  const functionIdentity = useFunctionIdentity(emulators);
  let mi: Client;
  let admin: Client;

  function graphControl<T = unknown>(method: string, name: string, body?: unknown): Promise<T> {
    return control<T>(emulators().endpoints.graph.control, method, name, body);
  }

  beforeAll(() => {
    const { endpoints } = emulators();
    mi = graphClient(endpoints, functionIdentity());
    admin = graphClientAs(endpoints, 'tenantAdmin');
  });
  afterEach(async () => {
    await graphControl('PUT', 'replication-lag', { ms: 0 });
    await graphControl('PUT', 'policy', {});
    await graphControl('DELETE', 'faults');
  });

  interface Application {
    id: string;
    appId: string;
    displayName: string;
    passwordCredentials: {
      keyId: string;
      hint: string | null;
      secretText: string | null;
      displayName: string | null;
      startDateTime: string;
      endDateTime: string;
    }[];
  }
  interface ServicePrincipal {
    '@odata.context'?: string;
    id: string;
    appId: string;
    accountEnabled: boolean;
    servicePrincipalNames: string[];
    appDisplayName: string;
    servicePrincipalType: string;
  }

  it('creates a service principal for an owned app, refuses a second one, and finds it every way', async () => {
    const { endpoints } = emulators();
    const app = (await mi.api('/applications').post({ displayName: 'sp-app' })) as Application;
    const sp = (await mi.api('/servicePrincipals').post({ appId: app.appId })) as ServicePrincipal;
    expect(sp).toMatchObject({
      '@odata.context': `${endpoints.graph.baseUrl}/v1.0/$metadata#servicePrincipals/$entity`,
      appId: app.appId,
      accountEnabled: true,
      servicePrincipalNames: [app.appId],
      appDisplayName: 'sp-app',
      displayName: 'sp-app',
      servicePrincipalType: 'Application',
      appOwnerOrganizationId: endpoints.tenantId,
      passwordCredentials: [],
    });

    const conflict = await graphFailure(mi.api('/servicePrincipals').post({ appId: app.appId }));
    expect(conflict.statusCode).toBe(409);
    expect(conflict.code).toBe('Request_MultipleObjectsWithSameKeyValue');

    const byAppId = (await mi.api(`/servicePrincipals(appId='${app.appId}')`).select('id,appId').get()) as Record<
      string,
      unknown
    >;
    expect(byAppId).toEqual({
      '@odata.context': `${endpoints.graph.baseUrl}/v1.0/$metadata#servicePrincipals(id,appId)/$entity`,
      id: sp.id,
      appId: app.appId,
    });
    const byId = (await mi.api(`/servicePrincipals/${sp.id}`).get()) as ServicePrincipal;
    expect(byId.appId).toBe(app.appId);
    const filtered = (await mi.api('/servicePrincipals').filter(`appId eq '${app.appId}'`).get()) as {
      value: ServicePrincipal[];
    };
    expect(filtered.value.map((s) => s.id)).toEqual([sp.id]);

    const spOwners = (await mi.api(`/servicePrincipals/${sp.id}/owners`).get()) as { value: { id: string }[] };
    expect(spOwners.value.map((o) => o.id)).toEqual([endpoints.managedIdentity.objectId]);
  });

  it('knows the seeded principals, the vending API and its service principal', async () => {
    const { endpoints, seed } = emulators();
    const self = (await mi.api(`/servicePrincipals/${endpoints.managedIdentity.objectId}`).get()) as ServicePrincipal;
    expect(self).toMatchObject({ appId: endpoints.managedIdentity.clientId, servicePrincipalType: 'ManagedIdentity' });
    const apiSp = (await mi.api(`/servicePrincipals(appId='${seed.vendingApi.appId}')`).get()) as ServicePrincipal & {
      id: string;
      appRoles: { value: string }[];
    };
    expect(apiSp.id).toBe(seed.vendingApi.servicePrincipalId);
    expect(apiSp.appRoles.map((r) => r.value)).toEqual(seed.vendingApi.appRoles);
    const apiApp = (await mi.api(`/applications/${seed.vendingApi.objectId}`).select('identifierUris').get()) as {
      identifierUris: string[];
    };
    expect(apiApp.identifierUris).toEqual([seed.vendingApi.identifierUri]);
  });

  it('lists what the managed identity owns, with the application cast, $select, $top and paging', async () => {
    const { endpoints } = emulators();
    const created: Application[] = [];
    for (let i = 0; i < 3; i += 1)
      created.push((await mi.api('/applications').post({ displayName: `owned-${i}` })) as Application);
    await mi.api('/servicePrincipals').post({ appId: created[0]!.appId });

    const everything = (await mi
      .api(`/servicePrincipals/${endpoints.managedIdentity.objectId}/ownedObjects`)
      .top(999)
      .get()) as {
      value: { '@odata.type': string; id: string }[];
    };
    const types = new Set(everything.value.map((o) => o['@odata.type']));
    expect(types).toEqual(new Set(['#microsoft.graph.application', '#microsoft.graph.servicePrincipal']));

    const apps: { id: string; appId: string }[] = [];
    let page = (await mi
      .api(`/servicePrincipals/${endpoints.managedIdentity.objectId}/ownedObjects/microsoft.graph.application`)
      .select('id,appId')
      .top(2)
      .get()) as { value: { '@odata.type': string; id: string; appId: string }[]; '@odata.nextLink'?: string };
    for (;;) {
      for (const item of page.value) {
        expect(Object.keys(item).sort()).toEqual(['@odata.type', 'appId', 'id']);
        expect(item['@odata.type']).toBe('#microsoft.graph.application');
        apps.push(item);
      }
      if (!page['@odata.nextLink']) break;
      page = (await mi.api(page['@odata.nextLink']).get()) as typeof page;
    }
    expect(apps.map((a) => a.id)).toEqual(expect.arrayContaining(created.map((a) => a.id)));
    const payroll = emulators().seed.applications[0]!;
    expect(apps.map((a) => a.id)).not.toContain(payroll.objectId);

    const byAppIdForm = (await mi
      .api(`/servicePrincipals(appId='${endpoints.managedIdentity.clientId}')/ownedObjects/microsoft.graph.application`)
      .get()) as { value: unknown[] };
    expect(byAppIdForm.value).toHaveLength(apps.length);
  });

  it('lets Application.ReadWrite.All create the service principal of an app OwnedBy may not touch', async () => {
    const payroll = emulators().seed.applications[0]!;
    const denied = await graphFailure(mi.api('/servicePrincipals').post({ appId: payroll.appId }));
    expect(denied.statusCode).toBe(403);
    const sp = (await admin.api('/servicePrincipals').post({ appId: payroll.appId })) as ServicePrincipal;
    expect(sp.appDisplayName).toBe('legacy-payroll');
  });

  it('adds and removes service principal passwords through both address forms, on service principals it owns', async () => {
    const app = (await mi.api('/applications').post({ displayName: 'sp-password-app' })) as Application;
    const sp = (await mi.api('/servicePrincipals').post({ appId: app.appId })) as ServicePrincipal;
    const added = (await mi
      .api(`/servicePrincipals/${sp.id}/addPassword`)
      .post({ passwordCredential: { displayName: 'sp-secret' } })) as Application['passwordCredentials'][number];
    expect(added.secretText).toMatch(/^[A-Za-z0-9]{3}8Q~[A-Za-z0-9_~.-]{34}$/);
    expect(added).toMatchObject({ displayName: 'sp-secret', hint: added.secretText!.slice(0, 3) });
    expect(emulators().issuedSecretTexts()).toContain(added.secretText);

    const read = (await mi.api(`/servicePrincipals(appId='${app.appId}')`).select('passwordCredentials').get()) as {
      passwordCredentials: { keyId: string; secretText: string | null }[];
    };
    expect(read.passwordCredentials).toEqual([expect.objectContaining({ keyId: added.keyId, secretText: null })]);
    expect(
      await mi.api(`/servicePrincipals(appId='${app.appId}')/removePassword`).post({ keyId: added.keyId }),
    ).toBeUndefined();
    const after = (await mi.api(`/servicePrincipals/${sp.id}`).select('passwordCredentials').get()) as {
      passwordCredentials: unknown[];
    };
    expect(after.passwordCredentials).toEqual([]);

    const notOwned = await graphFailure(
      mi.api(`/servicePrincipals/${emulators().seed.vendingApi.servicePrincipalId}/addPassword`).post({}),
    );
    expect(notOwned.statusCode).toBe(403);
    expect(notOwned.code).toBe('Authorization_RequestDenied');
  });

  describe('replication lag', () => {
    it('answers 404 for follow-up calls on a new application until the lag has passed', async () => {
      await graphControl('PUT', 'replication-lag', { ms: 60_000 });
      const app = (await mi.api('/applications').post({ displayName: 'lagging-app' })) as Application;
      for (const call of [
        mi.api(`/applications/${app.id}`).get(),
        mi.api(`/applications(appId='${app.appId}')`).get(),
        mi.api(`/applications/${app.id}/addPassword`).post({}),
        mi
          .api(`/applications(appId='${app.appId}')/removePassword`)
          .post({ keyId: '00000000-0000-0000-0000-000000000001' }),
        mi.api(`/applications/${app.id}`).patch({ notes: 'x' }),
        mi.api(`/applications/${app.id}/owners`).get(),
        mi.api(`/applications/${app.id}`).delete(),
      ]) {
        const error = await graphFailure(call);
        expect(error.statusCode).toBe(404);
        expect(error.code).toBe('Request_ResourceNotFound');
      }
      const listed = (await mi.api('/applications').filter(`appId eq '${app.appId}'`).get()) as { value: unknown[] };
      expect(listed.value).toEqual([]);

      const sp = await graphFailure(mi.api('/servicePrincipals').post({ appId: app.appId }));
      expect(sp.statusCode).toBe(400);
      expect(sp.code).toBe('Request_BadRequest');
      const message = `The appId '${app.appId}' of the service principal does not reference a valid application object.`;
      expect(sp.message).toBe(message);
      expect(sp.parsed.details).toEqual([{ code: 'NoBackingApplicationObject', message, target: 'appId' }]);

      // The lag is measured from creation: once it is shorter than the object's age, the object is there.
      await graphControl('PUT', 'replication-lag', { ms: 0 });
      const read = (await mi.api(`/applications/${app.id}`).get()) as Application;
      expect(read.appId).toBe(app.appId);
      expect(((await mi.api('/servicePrincipals').post({ appId: app.appId })) as ServicePrincipal).appId).toBe(
        app.appId,
      );
    });

    it('hides a new service principal too', async () => {
      const app = (await mi.api('/applications').post({ displayName: 'lagging-sp-app' })) as Application;
      // The lag is measured from each object's creation: age the app past it (emulator clock), then create its service principal.
      await graphControl('POST', 'clock', { advanceMs: 700 });
      await graphControl('PUT', 'replication-lag', { ms: 600 });
      const sp = (await mi.api('/servicePrincipals').post({ appId: app.appId })) as ServicePrincipal;
      expect((await graphFailure(mi.api(`/servicePrincipals/${sp.id}`).get())).statusCode).toBe(404);
      expect((await graphFailure(mi.api(`/servicePrincipals(appId='${app.appId}')`).get())).statusCode).toBe(404);
      expect(await graphControl('GET', 'replication-lag')).toEqual({ ms: 600 });
      expect(((await mi.api(`/applications/${app.id}`).get()) as Application).appId).toBe(app.appId);
    });
  });

  describe('tenant app-management policy', () => {
    it('refuses password lifetimes above passwordMaxLifetime, the 2-year default included', async () => {
      await graphControl('PUT', 'policy', { passwordMaxLifetime: 'P30D' });
      const app = (await mi.api('/applications').post({ displayName: 'policy-app' })) as Application;
      const byDefault = await graphFailure(
        mi.api(`/applications/${app.id}/addPassword`).post({ passwordCredential: { displayName: 'two years' } }),
      );
      expect(byDefault.statusCode).toBe(400);
      expect(byDefault.code).toBe('CredentialInvalidLifetimeAsPerAppPolicy');
      expect(byDefault.message).toBe(
        "Credential lifetime exceeds the max value allowed as per assigned policy '00000000-0000-0000-0000-000000000000'.",
      );

      const inline = await graphFailure(
        mi.api('/applications').post({ displayName: 'policy-inline', passwordCredentials: [{ displayName: 'x' }] }),
      );
      expect(inline.code).toBe('CredentialInvalidLifetimeAsPerAppPolicy');

      const start = new Date();
      const end = new Date(start.getTime() + 10 * 24 * 3600 * 1000);
      const fine = (await mi
        .api(`/applications/${app.id}/addPassword`)
        .post({ passwordCredential: { startDateTime: start.toISOString(), endDateTime: end.toISOString() } })) as {
        secretText: string;
      };
      expect(fine.secretText).toHaveLength(40);

      await graphControl('PUT', 'policy', {
        passwordMaxLifetime: 'PT12H',
        policyId: 'b1f5f1c2-0000-4000-8000-000000000001',
      });
      const hours = await graphFailure(
        mi
          .api(`/applications/${app.id}/addPassword`)
          .post({ passwordCredential: { startDateTime: start.toISOString(), endDateTime: end.toISOString() } }),
      );
      expect(hours.message).toContain("policy 'b1f5f1c2-0000-4000-8000-000000000001'");

      await graphControl('PUT', 'policy', {});
      expect(
        ((await mi.api(`/applications/${app.id}/addPassword`).post({})) as { secretText: string }).secretText,
      ).toHaveLength(40);
    });
  });

  it('plants password credentials with any dates and no secret through the control plane', async () => {
    const app = (await mi.api('/applications').post({ displayName: 'planted-app' })) as Application;
    const planted = await graphControl<{ keyId: string }>('POST', 'credentials', {
      appId: app.appId,
      displayName: 'expired',
      startDateTime: '2020-01-01T00:00:00Z',
      endDateTime: '2021-01-01T00:00:00Z',
      hint: 'abc',
    });
    const read = (await mi.api(`/applications/${app.id}`).select('passwordCredentials').get()) as Application;
    expect(read.passwordCredentials).toHaveLength(1);
    expect(read.passwordCredentials[0]).toMatchObject({
      keyId: planted.keyId,
      displayName: 'expired',
      hint: 'abc',
      secretText: null,
    });
    expect(new Date(read.passwordCredentials[0]!.endDateTime).toISOString()).toBe('2021-01-01T00:00:00.000Z');
    await mi.api(`/applications/${app.id}/removePassword`).post({ keyId: planted.keyId });

    const unknown = await fetch(`${emulators().endpoints.graph.control}/credentials`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        appId: '00000000-0000-0000-0000-0000000000ff',
        startDateTime: '2020-01-01T00:00:00Z',
        endDateTime: '2021-01-01T00:00:00Z',
      }),
    });
    expect(unknown.status).toBe(404);
  });

  describe('faults', () => {
    it('answers 429 with Retry-After, which the client retries to success', async () => {
      // The official client with its default middleware (its RetryHandler included), as most callers build it.
      const { endpoints } = emulators();
      const stock = Client.initWithMiddleware({
        authProvider: new TokenCredentialAuthenticationProvider(functionIdentity(), {
          scopes: ['https://graph.microsoft.com/.default'],
        }),
        baseUrl: endpoints.graph.baseUrl,
        customHosts: new Set([new URL(endpoints.graph.baseUrl).hostname]),
      });
      await graphControl('DELETE', 'requests');
      await graphControl('POST', 'faults', {
        method: 'GET',
        pathPattern: '^/v1\\.0/applications$',
        status: 429,
        retryAfterSeconds: 0,
      });
      const list = (await stock.api('/applications').get()) as { value: unknown[] };
      expect(list.value.length).toBeGreaterThan(0);
      const log = await graphControl<{ path: string; status: number }[]>('GET', 'requests');
      expect(log.filter((e) => e.path === '/v1.0/applications').map((e) => e.status)).toEqual([429, 200]);
    });

    it("shows Graph's 429 and 503 bodies when the client does not retry", async () => {
      await graphControl('POST', 'faults', { pathPattern: 'applications', status: 429, retryAfterSeconds: 7 });
      const throttled = await graphFailure(
        mi
          .api('/applications')
          .middlewareOptions([new RetryHandlerOptions(0, 0)])
          .get(),
      );
      expect(throttled.statusCode).toBe(429);
      expect(throttled.code).toBe('TooManyRequests');
      expect(throttled.message).toBe('Please retry again later.');
      expect(throttled.parsed.innerError).toMatchObject({ code: '429', status: '429', message: 'Please retry after' });
      expect(throttled.headers?.get('retry-after')).toBe('7');

      await graphControl('POST', 'faults', { pathPattern: 'applications', status: 503 });
      const unavailable = await graphFailure(
        mi
          .api('/applications')
          .middlewareOptions([new RetryHandlerOptions(0, 0)])
          .get(),
      );
      expect(unavailable.statusCode).toBe(503);
      expect(unavailable.code).toBe('serviceNotAvailable');
    });

    it('drops the connection for status 0, and the next call works', async () => {
      await graphControl('POST', 'faults', { pathPattern: 'applications', status: 0 });
      await expect(mi.api('/applications').get()).rejects.toBeDefined();
      expect(((await mi.api('/applications').get()) as { value: unknown[] }).value.length).toBeGreaterThan(0);
    });
  });

  it('logs who called, and never a secret', async () => {
    await graphControl('DELETE', 'requests');
    const app = (await mi
      .api('/applications')
      .post({ displayName: 'log-app', passwordCredentials: [{}] })) as Application;
    await mi.api(`/applications/${app.id}/addPassword`).post({});
    await admin.api('/applications').top(1).get();
    const log = await graphControl<{ method: string; path: string; status: number; principal: string | null }[]>(
      'GET',
      'requests',
    );
    expect(log).toEqual([
      expect.objectContaining({
        method: 'POST',
        path: '/v1.0/applications',
        status: 201,
        principal: 'functionIdentity',
      }),
      expect.objectContaining({
        method: 'POST',
        path: `/v1.0/applications/${app.id}/addPassword`,
        status: 200,
        principal: 'functionIdentity',
      }),
      expect.objectContaining({ method: 'GET', path: '/v1.0/applications', status: 200, principal: 'tenantAdmin' }),
    ]);
    const text = JSON.stringify(log);
    const secrets = emulators().issuedSecretTexts();
    expect(secrets.length).toBeGreaterThan(1);
    for (const secret of secrets) expect(text).not.toContain(secret);
  });

  it('forgets everything but the seed on reset', async () => {
    const app = (await mi.api('/applications').post({ displayName: 'reset-app' })) as Application;
    await graphControl('PUT', 'replication-lag', { ms: 5000 });
    await graphControl('PUT', 'policy', { passwordMaxLifetime: 'P1D' });
    await graphControl('POST', 'reset');
    expect((await graphFailure(mi.api(`/applications/${app.id}`).get())).statusCode).toBe(404);
    expect(await graphControl('GET', 'replication-lag')).toEqual({ ms: 0 });
    expect(await graphControl('GET', 'policy')).toEqual({});
    const payroll = emulators().seed.applications[0]!;
    const seeded = (await mi.api(`/applications/${payroll.objectId}`).get()) as Application;
    expect(seeded.displayName).toBe('legacy-payroll');
    const owners = (await mi.api(`/applications/${payroll.objectId}/owners`).get()) as { value: { id: string }[] };
    expect(owners.value.map((o) => o.id)).toEqual([emulators().endpoints.principals.tenantAdmin!.objectId]);
    // The legacy app's service principal created earlier is gone as well.
    expect((await graphFailure(mi.api(`/servicePrincipals(appId='${payroll.appId}')`).get())).statusCode).toBe(404);
  });
});
