import { createGraphClient, createGraphDirectory } from '../../../src/azure/graphDirectory';
import { RetryOptions } from '../../../src/azure/retryPolicy';
import {
  InvalidRequestError,
  NotFoundError,
  TenantPolicyError,
  UpstreamFailureError,
  UpstreamUnavailableError,
} from '../../../src/vending/errors';
import { Directory } from '../../../src/vending/ports';
import { control, useEmulators, useFunctionIdentity } from '../../support/emulators';

const DAY_MS = 24 * 60 * 60 * 1000;

describe('graphDirectory: the Directory port over the official Graph client, against the Graph emulator', () => {
  const emulators = useEmulators();
  const functionIdentity = useFunctionIdentity(emulators);
  /** Waits the retry policy asked for; recorded instead of slept, so no test waits for a backoff. */
  let waits: number[];
  let directory: Directory;
  const graphControl = () => emulators().endpoints.graph.control;
  const legacyAppId = () => emulators().seed.applications[0]!.appId;

  function directoryWith(retry: RetryOptions = {}): Directory {
    const { endpoints } = emulators();
    const client = createGraphClient(functionIdentity(), {
      baseUrl: endpoints.graph.baseUrl,
      tokenScope: 'https://graph.microsoft.com/.default',
      customHosts: [new URL(endpoints.graph.baseUrl).hostname],
    });
    return createGraphDirectory(client, {
      managedIdentityClientId: endpoints.managedIdentity.clientId,
      retry: {
        sleep: (ms) => {
          waits.push(ms);
          return Promise.resolve();
        },
        ...retry,
      },
    });
  }

  /** The Graph calls the emulator saw since the last reset of its log, as `METHOD path`. */
  async function graphCalls(): Promise<string[]> {
    const log = await control<{ method: string; path: string; status: number }[]>(graphControl(), 'GET', 'requests');
    return log.map((e) => `${e.method} ${decodeURIComponent(e.path)} ${e.status}`);
  }

  const window = (days: number) => {
    const start = new Date();
    return { displayName: 'default', startDateTime: start, endDateTime: new Date(start.getTime() + days * DAY_MS) };
  };

  beforeEach(async () => {
    waits = [];
    directory = directoryWith();
    await control(graphControl(), 'DELETE', 'faults');
    await control(graphControl(), 'PUT', 'replication-lag', { ms: 0 });
    await control(graphControl(), 'PUT', 'policy', {});
    await control(graphControl(), 'DELETE', 'requests');
  });

  it('creates an app with its first password in one call, owns it, adds, lists and removes passwords', async () => {
    const created = await directory.createApplication({ displayName: 'adapter-app', tags: [], password: window(10) });
    expect(created.password?.secretText.length).toBeGreaterThanOrEqual(16);
    expect(created.password?.hint).toBe(created.password?.secretText.slice(0, 3));
    const { appId } = created.application;
    const sp = await directory.createServicePrincipal(appId);
    expect(sp.id).toMatch(/^[0-9a-f-]{36}$/);

    const added = await directory.addPassword(appId, { ...window(5), displayName: 'ci' });
    const owned = await directory.getOwnedApplication(appId);
    expect(owned.passwordCredentials.map((c) => c.keyId).sort()).toEqual([created.password!.keyId, added.keyId].sort());
    // Never a value when read back.
    expect(JSON.stringify(owned)).not.toContain(added.secretText);

    await directory.removePassword(appId, added.keyId);
    expect((await directory.getOwnedApplication(appId)).passwordCredentials).toHaveLength(1);
    expect(await graphCalls()).toEqual([
      'POST /v1.0/applications 201',
      'POST /v1.0/servicePrincipals 201',
      `POST /v1.0/applications(appId='${appId}')/addPassword 200`,
      expect.stringMatching(new RegExp(`^GET /v1.0/applications\\(appId='${appId}'\\)(/owners)? 200$`)),
      expect.stringMatching(new RegExp(`^GET /v1.0/applications\\(appId='${appId}'\\)(/owners)? 200$`)),
      `POST /v1.0/applications(appId='${appId}')/removePassword 204`,
      expect.stringMatching(/^GET /),
      expect.stringMatching(/^GET /),
    ]);
    expect(waits).toEqual([]);
  });

  describe('owner tags and the owned-application list', () => {
    it('writes tags in the create call and reads them back with the app, in one read', async () => {
      const tags = ['vending:owner:11111111-1111-4111-8111-111111111111', 'team:payments'];
      const { application } = await directory.createApplication({ displayName: 'tagged', tags });
      await control(graphControl(), 'DELETE', 'requests');
      const read = await directory.getApplication(application.appId);
      expect(read).toEqual({ ...application, tags });
      expect(await graphCalls()).toEqual([`GET /v1.0/applications(appId='${application.appId}') 200`]);
      expect((await directory.getOwnedApplication(application.appId)).tags).toEqual(tags);
    });

    it('replaces the tags with one PATCH', async () => {
      const { application } = await directory.createApplication({ displayName: 'retagged', tags: ['a'] });
      await control(graphControl(), 'DELETE', 'requests');
      await directory.setApplicationTags(application.appId, ['b', 'c']);
      expect(await graphCalls()).toEqual([`PATCH /v1.0/applications(appId='${application.appId}') 204`]);
      expect((await directory.getApplication(application.appId)).tags).toEqual(['b', 'c']);
    });

    it("reads someone else's app (tags and all) but never lets it be re-tagged", async () => {
      expect((await directory.getApplication(legacyAppId())).appId).toBe(legacyAppId());
      await expect(directory.setApplicationTags(legacyAppId(), ['x'])).rejects.toBeInstanceOf(NotFoundError);
    });

    it("answers a page token Graph cannot page with as the caller's bad input (400 on skipToken), not Graph failing", async () => {
      const refused = directory.listOwnedApplications({ top: 2, skipToken: '..%2F' });
      await expect(refused).rejects.toBeInstanceOf(InvalidRequestError);
      await expect(refused).rejects.toMatchObject({ status: 400, errors: [{ pointer: '#/query/skipToken' }] });
    });

    it("pages through exactly the apps this identity owns, passing Graph's skip token back as it came", async () => {
      const made = [];
      for (let i = 0; i < 3; i++) {
        made.push((await directory.createApplication({ displayName: `paged-${i}`, tags: [`n:${i}`] })).application);
      }
      const seen: string[] = [];
      const tagsByApp = new Map<string, string[]>();
      let skipToken: string | undefined;
      let pages = 0;
      do {
        const page = await directory.listOwnedApplications({ top: 2, ...(skipToken ? { skipToken } : {}) });
        expect(page.applications.length).toBeLessThanOrEqual(2);
        seen.push(...page.applications.map((a) => a.appId));
        for (const a of page.applications) tagsByApp.set(a.appId, a.tags);
        skipToken = page.skipToken;
        pages++;
      } while (skipToken !== undefined);
      expect(pages).toBeGreaterThanOrEqual(2);
      expect(seen).toEqual(expect.arrayContaining(made.map((a) => a.appId)));
      expect(seen).not.toContain(legacyAppId());
      expect(new Set(seen).size).toBe(seen.length);
      made.forEach((app, i) => expect(tagsByApp.get(app.appId)).toEqual([`n:${i}`]));
      // One call per page, each to this identity's own service principal.
      const listCalls = (await graphCalls()).filter((c) => c.includes('ownedObjects'));
      expect(listCalls).toHaveLength(pages);
      const own = emulators().endpoints.managedIdentity.clientId;
      for (const call of listCalls) {
        expect(call).toBe(`GET /v1.0/servicePrincipals(appId='${own}')/ownedObjects/microsoft.graph.application 200`);
      }
    });
  });

  describe('retries', () => {
    it('retries 429 on a write, waiting what Retry-After says, then succeeds', async () => {
      const { application } = await directory.createApplication({ displayName: 'throttled', tags: [] });
      await control(graphControl(), 'POST', 'faults', {
        method: 'POST',
        pathPattern: 'addPassword',
        status: 429,
        count: 2,
        retryAfterSeconds: 2,
      });
      const added = await directory.addPassword(application.appId, window(3));
      expect(added.keyId).toMatch(/^[0-9a-f-]{36}$/);
      expect(waits).toEqual([2000, 2000]);
    });

    it('does not retry 503 on a write that could duplicate a credential, and says when to come back', async () => {
      const { application } = await directory.createApplication({ displayName: 'unavailable', tags: [] });
      await control(graphControl(), 'POST', 'faults', {
        method: 'POST',
        pathPattern: 'addPassword',
        status: 503,
        count: 1,
        retryAfterSeconds: 7,
      });
      const error = await directory.addPassword(application.appId, window(3)).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(UpstreamUnavailableError);
      expect(error).toMatchObject({ status: 503, retryAfterSeconds: 7, upstream: 'graph' });
      expect(waits).toEqual([]);
      // Exactly one addPassword reached Graph: nothing was issued twice.
      expect((await graphCalls()).filter((c) => c.includes('addPassword'))).toHaveLength(1);
    });

    it('retries 503 and dropped connections on reads', async () => {
      const { application } = await directory.createApplication({ displayName: 'flaky-read', tags: [] });
      await control(graphControl(), 'POST', 'faults', { method: 'GET', pathPattern: '/owners', status: 503, count: 1 });
      await control(graphControl(), 'POST', 'faults', { method: 'GET', pathPattern: "appId='", status: 0, count: 1 });
      const owned = await directory.getOwnedApplication(application.appId);
      expect(owned.appId).toBe(application.appId);
      expect(waits.length).toBeGreaterThanOrEqual(2);
    });

    it('gives up when the budget runs out, answering 429 with the last Retry-After', async () => {
      const { application } = await directory.createApplication({ displayName: 'always-throttled', tags: [] });
      await control(graphControl(), 'POST', 'faults', {
        method: 'POST',
        pathPattern: 'addPassword',
        status: 429,
        count: 10,
        retryAfterSeconds: 3,
      });
      const limited = directoryWith({ maxAttempts: 3 });
      const error = await limited.addPassword(application.appId, window(3)).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(UpstreamUnavailableError);
      expect(error).toMatchObject({ status: 429, retryAfterSeconds: 3 });
      expect(waits).toEqual([3000, 3000]);
    });

    it("rides out Entra's replication lag when creating the service principal of a new app", async () => {
      await control(graphControl(), 'PUT', 'replication-lag', { ms: 1_500 });
      // Each backoff the policy asks for moves the emulator's clock instead of waiting: the lag ends in emulator time.
      const laggard = directoryWith({
        sleep: async (ms) => {
          waits.push(ms);
          await control(graphControl(), 'POST', 'clock', { advanceMs: ms });
        },
      });
      const { application } = await laggard.createApplication({ displayName: 'lagging', tags: [] });
      const sp = await laggard.createServicePrincipal(application.appId);
      expect(sp.id).toMatch(/^[0-9a-f-]{36}$/);
      const calls = (await graphCalls()).filter((c) => c.startsWith('POST /v1.0/servicePrincipals'));
      expect(calls[0]).toBe('POST /v1.0/servicePrincipals 400');
      expect(calls.at(-1)).toBe('POST /v1.0/servicePrincipals 201');
      expect(waits.length).toBe(calls.length - 1);
    });
  });

  describe("error mapping, by Graph's error code", () => {
    it('Request_ResourceNotFound → NotFound', async () => {
      const missing = '00000000-0000-4000-8000-000000000001';
      await expect(directory.addPassword(missing, window(3))).rejects.toBeInstanceOf(NotFoundError);
      await expect(directory.getOwnedApplication(missing)).rejects.toBeInstanceOf(NotFoundError);
    });

    it("Authorization_RequestDenied on someone else's app → NotFound, and reading it is refused as not ours", async () => {
      await expect(directory.addPassword(legacyAppId(), window(3))).rejects.toBeInstanceOf(NotFoundError);
      // OwnedBy may read every app: the adapter itself refuses apps this identity does not own.
      await expect(directory.getOwnedApplication(legacyAppId())).rejects.toBeInstanceOf(NotFoundError);
    });

    it("CredentialInvalidLifetimeAsPerAppPolicy → TenantPolicy (the tenant's own policy is stricter)", async () => {
      const { application } = await directory.createApplication({ displayName: 'tenant-policy', tags: [] });
      await control(graphControl(), 'PUT', 'policy', { passwordMaxLifetime: 'P7D' });
      const error = await directory.addPassword(application.appId, window(30)).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(TenantPolicyError);
      expect(error).toMatchObject({ status: 422, code: 'TenantCredentialPolicyViolation' });
    });

    it('any other refusal → UpstreamFailure (502) that keeps only the code, never the text', async () => {
      await control(graphControl(), 'POST', 'faults', {
        method: 'POST',
        pathPattern: '^/v1.0/applications$',
        status: 400,
      });
      const error = await directory.createApplication({ displayName: 'refused', tags: [] }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(UpstreamFailureError);
      expect(error).toMatchObject({ status: 502, upstream: 'graph' });
      expect((error as Error).message).toBe('Microsoft Graph refused the request.');
    });

    it('a 403 on removePassword is a permission this identity lacks (502 and an operator line), never "already gone"', async () => {
      const warnings: string[] = [];
      const { endpoints } = emulators();
      const client = createGraphClient(functionIdentity(), {
        baseUrl: endpoints.graph.baseUrl,
        tokenScope: 'https://graph.microsoft.com/.default',
        customHosts: [new URL(endpoints.graph.baseUrl).hostname],
      });
      const warned = createGraphDirectory(client, {
        managedIdentityClientId: endpoints.managedIdentity.clientId,
        warn: (message) => warnings.push(message),
      });
      const created = await directory.createApplication({
        displayName: 'denied-removal',
        tags: [],
        password: window(3),
      });
      await control(graphControl(), 'POST', 'faults', { method: 'POST', pathPattern: 'removePassword', status: 403 });
      const error = await warned
        .removePassword(created.application.appId, created.password!.keyId)
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(UpstreamFailureError);
      expect(error).toMatchObject({ status: 502, upstream: 'graph' });
      expect(warnings).toHaveLength(1);
      // Not removed: a revoke must not go on as if it were.
      expect((await directory.getOwnedApplication(created.application.appId)).passwordCredentials).toHaveLength(1);
    });

    it('a removal is idempotent: retried after a dropped connection, and done', async () => {
      const created = await directory.createApplication({
        displayName: 'dropped-removal',
        tags: [],
        password: window(3),
      });
      await control(graphControl(), 'POST', 'faults', { method: 'POST', pathPattern: 'removePassword', status: 0 });
      await directory.removePassword(created.application.appId, created.password!.keyId);
      expect((await directory.getOwnedApplication(created.application.appId)).passwordCredentials).toEqual([]);
      expect(waits).toHaveLength(1);
    });
  });
});
