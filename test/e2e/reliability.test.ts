import { RestError } from '@azure/core-rest-pipeline';
import { IssuedSecret } from '../../src/vending/issueSecret';
import { CreatedApplication } from '../../src/vending/createApplication';
import { callerTokens } from '../support/callerTokens';
import { secretClientAs } from '../support/clients';
import { control } from '../support/emulators';
import { countLeftovers, findLeftovers, graphApplications } from '../support/endState';
import { ledgerRows } from '../support/ledger';
import { ApiAnswer, callApi, useSandbox } from '../support/sandbox';

/**
 * Issue #12's defects, each over HTTP against the sandbox stack: the answer, and the end state in Graph, the vault and
 * the ledger. Deadlines are short settings here (4 s, rollbacks 8 s: room for a loaded machine's ordinary requests);
 * nothing waits longer than a fault holds a call.
 */
describe('reliability defects of issue #12, end to end (sandbox over HTTP)', () => {
  const { sandbox, capture } = useSandbox({
    settings: { REQUEST_DEADLINE_MS: '4000', COMPENSATION_BUDGET_MS: '8000', SECRET_EXPIRING_WITHIN_DAYS: '30' },
    overrides: { graphRetry: { baseDelayMs: 5, maxDelayMs: 20 } },
  });
  const tokenFor = callerTokens(() => sandbox().endpoints);
  const api = async <T = Record<string, unknown>>(method: string, path: string, body?: unknown) =>
    callApi<T>(sandbox(), capture, method, path, body, { authorization: `Bearer ${await tokenFor('portal')}` });
  const graph = () => sandbox().endpoints.graph.control;
  const vault = () => sandbox().endpoints.keyVault.control;
  const identity = () => sandbox().endpoints.managedIdentity.endpoint.replace(/\/msi\/token$/, '/_emulator');
  const fault = (controlUrl: string, body: Record<string, unknown>) => control(controlUrl, 'POST', 'faults', body);
  const reported = { apps: new Set<string>() };

  beforeAll(async () => {
    // Tokens shorter than the clients' 5-minute renewal margin: every Graph call asks the identity endpoint, so a
    // fault injected there meets the next call (set before the API's first token, which would otherwise be cached).
    await control(identity(), 'PUT', 'token-lifetime', { seconds: 120 });
  });

  afterEach(async () => {
    for (const url of [graph(), vault(), identity()]) await control(url, 'DELETE', 'faults');
  });

  async function createApp(body: Record<string, unknown> = { displayName: 'reliable' }) {
    const created = await api<CreatedApplication>('POST', '/applications', body);
    expect(created.status).toBe(201);
    reported.apps.add(created.body.application.appId);
    return created.body;
  }

  async function addSecret(appId: string, body: Record<string, unknown> = {}): Promise<ApiAnswer<IssuedSecret>> {
    return api<IssuedSecret>('POST', `/applications/${appId}/secrets`, body);
  }

  it('defect 1: a revoke whose vault step failed is finished by its retry (204), not answered 404', async () => {
    const { application, secret } = await createApp();
    // removePassword succeeds; the PATCH that disables the vault version fails, past the SDK's own retries.
    await fault(vault(), { method: 'PATCH', pathPattern: '/secrets/', status: 502, count: 20 });
    const first = await api('DELETE', `/applications/${application.appId}/secrets/${secret!.keyId}`);
    expect(first.status).toBe(503);
    expect(first.body.type).toBe('urn:entra-app-vending:problem:OperationUnfinished');
    expect(Number(first.headers.get('retry-after'))).toBeGreaterThan(0);
    await control(vault(), 'DELETE', 'faults');

    const retry = await api('DELETE', `/applications/${application.appId}/secrets/${secret!.keyId}`);
    expect(retry.status).toBe(204);
    const reader = secretClientAs(sandbox().endpoints, 'operator');
    const read = await reader
      .getSecret(secret!.keyVault.secretName, { version: secret!.keyVault.version })
      .catch((e: unknown) => e);
    expect((read as RestError).statusCode).toBe(403); // disabled: the revoked value is no longer readable
    // Nothing stays open: the retry closed the first attempt's record.
    const open = (await ledgerRows(sandbox().azurite!)).filter(
      (r) => r.partitionKey === 'intent' && r.keyId === secret!.keyId,
    );
    expect(open).toEqual([]);
  });

  it('defect 2: revoking the newest secret of a slot brings the previous live one back behind the versionless reference', async () => {
    const { application, secret: first } = await createApp();
    const second = (await addSecret(application.appId)).body;
    const reader = secretClientAs(sandbox().endpoints, 'operator');
    const slot = second.keyVault.secretName;
    const firstValue = (await reader.getSecret(slot, { version: first!.keyVault.version })).value;

    expect((await api('DELETE', `/applications/${application.appId}/secrets/${second.keyId}`)).status).toBe(204);
    // Before: 403 SecretDisabled for everyone holding the reference, while `first` was live and listed active.
    const served = await reader.getSecret(slot);
    expect(served.value).toBe(firstValue);
    expect(served.properties.tags).toMatchObject({ keyId: first!.keyId });

    expect((await api('DELETE', `/applications/${application.appId}/secrets/${first!.keyId}`)).status).toBe(204);
    const empty = await reader.getSecret(slot).catch((e: unknown) => e);
    expect((empty as RestError).statusCode).toBe(403); // none left: the slot serves nothing
  });

  it('issues into one slot at once leave the slot on one of the issued credentials, and the answers say which reference is which', async () => {
    const { application } = await createApp({ displayName: 'concurrent', secret: false });
    const answers = await Promise.all(Array.from({ length: 6 }, () => addSecret(application.appId)));
    expect(answers.map((a) => a.status)).toEqual([201, 201, 201, 201, 201, 201]);
    const served = await secretClientAs(sandbox().endpoints, 'operator').getSecret(
      answers[0]!.body.keyVault.secretName,
    );
    expect(answers.map((a) => a.body.keyId)).toContain(served.properties.tags?.keyId);
    for (const { body } of answers) {
      expect(body.keyVault.reference).toBe(`@Microsoft.KeyVault(SecretUri=${body.keyVault.secretUriWithoutVersion})`);
      expect(body.keyVault.versionedReference).toBe(`@Microsoft.KeyVault(SecretUri=${body.keyVault.secretUri})`);
    }
  });

  it('defect 4: a call slower than the deadline is cut off: 503 with Retry-After, in about the deadline', async () => {
    const { application } = await createApp({ displayName: 'slow', secret: false });
    await fault(graph(), { method: 'GET', pathPattern: `appId='${application.appId}'`, delayMs: 10_000 });
    const started = performance.now();
    const answer = await api('POST', `/applications/${application.appId}/secrets`, {});
    const took = performance.now() - started;
    expect(answer.status).toBe(503);
    expect(answer.body.type).toBe('urn:entra-app-vending:problem:DeadlineExceeded');
    expect(answer.body.upstream).toBe('graph');
    expect(Number(answer.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(took).toBeLessThan(8000); // the held read was abandoned at 4 s (nothing to roll back)
  });

  it('defect 4: a write cut off at the deadline that lands later is rolled back: no credential without its secret', async () => {
    const { application } = await createApp({ displayName: 'slow-write', secret: false });
    await fault(graph(), { method: 'POST', pathPattern: 'addPassword', delayMs: 6000 });
    const answer = await api('POST', `/applications/${application.appId}/secrets`, {});
    expect(answer.status).toBe(503);
    const app = (await graphApplications(sandbox().endpoints)).find((a) => a.appId === application.appId)!;
    expect(app.passwordCredentials).toEqual([]); // it landed at 6 s; the rollback found it and removed it
  });

  it('defect 5: honest answers for what Graph would refuse or cannot do, and for the identity', async () => {
    const blank = await api('POST', '/applications', { displayName: '  \t ' });
    expect(blank.status).toBe(400);
    expect(blank.body.errors).toEqual([expect.objectContaining({ pointer: '/displayName' })]);
    const bidi = await api('POST', '/applications', { displayName: 'orders\u202Eipa' });
    expect(bidi.status).toBe(400);

    const far = await api('POST', '/applications', {
      displayName: 'far',
      secret: { startDateTime: '9999-12-01T00:00:00Z', lifetimeDays: 90 },
    });
    expect(far.status).toBe(422);
    const pointer = await api('POST', '/applications', { displayName: 'p', secret: { startDateTime: 'soon-ish' } });
    expect(pointer.status).toBe(400);
    expect(pointer.body.errors).toEqual([expect.objectContaining({ pointer: '/secret/startDateTime' })]);

    // Graph 403 on create: this identity lacks a permission — 502 and a line for the operator, not 404.
    await fault(graph(), { method: 'POST', pathPattern: '/applications$', status: 403 });
    const denied = await api('POST', '/applications', { displayName: 'denied' });
    expect(denied.status).toBe(502);
    expect(denied.body.upstream).toBe('graph');
    expect(capture.logLines.some((l) => l.includes('Application.ReadWrite.OwnedBy'))).toBe(true);

    // Graph 403 on the service principal step: 502 too, and the new app is deleted again.
    const before = new Set((await graphApplications(sandbox().endpoints)).map((a) => a.appId));
    await fault(graph(), { method: 'POST', pathPattern: '/servicePrincipals$', status: 403 });
    expect((await api('POST', '/applications', { displayName: 'denied-sp' })).status).toBe(502);
    const after = (await graphApplications(sandbox().endpoints)).filter((a) => !before.has(a.appId));
    expect(after).toEqual([]);
  });

  it('defect 5: the identity is blamed for its own failures; its configuration refused is not "retry later"', async () => {
    const { application } = await createApp({ displayName: 'identity', secret: false });
    await fault(identity(), { pathPattern: 'msi/token', queryPattern: 'graph', status: 400, count: 5 });
    const misconfigured = await api('GET', `/applications/${application.appId}/secrets`);
    expect(misconfigured.status).toBe(502);
    expect(misconfigured.body.upstream).toBe('identity');
    expect(misconfigured.headers.get('retry-after')).toBeNull();
    await control(identity(), 'DELETE', 'faults');

    await fault(identity(), { pathPattern: 'msi/token', queryPattern: 'graph', status: 429, count: 5 });
    const throttled = await api('GET', `/applications/${application.appId}/secrets`);
    expect(throttled.status).toBe(503);
    expect(throttled.body.upstream).toBe('identity');
    expect(Number(throttled.headers.get('retry-after'))).toBeGreaterThan(0);
  });

  it('defect 5: a brand-new secret of exactly the expiring window is active; every 201 says where the new thing is', async () => {
    const created = await api<CreatedApplication>('POST', '/applications', {
      displayName: 'boundaries',
      secret: { lifetimeDays: 30 },
    });
    expect(created.status).toBe(201);
    reported.apps.add(created.body.application.appId);
    expect(created.headers.get('location')).toBe(`/api/applications/${created.body.application.appId}/secrets`);
    const added = await addSecret(created.body.application.appId, { lifetimeDays: 29 });
    expect(added.headers.get('location')).toBe(
      `/api/applications/${created.body.application.appId}/secrets/${added.body.keyId}`,
    );
    const listed = await api<{ secrets: { keyId: string; status: string }[] }>(
      'GET',
      `/applications/${created.body.application.appId}/secrets`,
    );
    const status = Object.fromEntries(listed.body.secrets.map((s) => [s.keyId, s.status]));
    expect(status[created.body.secret!.keyId]).toBe('active'); // exactly 30 days left: not yet "within" 30
    expect(status[added.body.keyId]).toBe('expiring');
  });

  it('defect 6: the host answers a malformed %-escape in the path with a 400 problem, not a bare 500', async () => {
    const response = await fetch(`${sandbox().apiBaseUrl}/applications/%E0%A4%A/secrets`, {
      headers: { authorization: `Bearer ${await tokenFor('portal')}` },
    });
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toBe('application/problem+json');
  });

  it('left nothing behind across all of the above', async () => {
    const leftovers = await findLeftovers(sandbox().endpoints, reported);
    expect(leftovers).toEqual({
      strayApps: [],
      credentialsWithoutSecret: [],
      versionsWithoutCredential: [],
      brokenSlots: [],
      keyCredentialsWithoutCertificate: [],
      certificatesWithoutKeyCredential: [],
    });
    expect(countLeftovers(leftovers)).toBe(0);
  });
});
