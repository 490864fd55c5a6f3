import { RequestLogEntry as LogEntry } from '../../emulators/host/serviceHost';
import { CreatedApplication } from '../../src/vending/createApplication';
import { AuditRecord } from '../../src/vending/ports';
import { IssuedSecret } from '../../src/vending/issueSecret';
import { callerTokens, tokensObtained } from '../support/callerTokens';
import { control } from '../support/emulators';
import { ledgerRows } from '../support/ledger';
import { ApiAnswer, callApi, useSandbox } from '../support/sandbox';

/** Headers a Logic Apps HTTP action sends on every attempt of one action in one run (from a run's request history). */
function logicAppHeaders(runId: string, action = 'Add_secret'): Record<string, string> {
  return {
    'user-agent': 'azure-logic-apps/1.0 (workflow 1e5956dac5b748818eccaf3dd665fb96; version 08586734240518566569)',
    'x-ms-execution-location': 'westus',
    'x-ms-workflow-id': '1e5956dac5b748818eccaf3dd665fb96',
    'x-ms-workflow-version': '08586734240518566569',
    'x-ms-workflow-name': 'rotate-secrets',
    'x-ms-workflow-system-id': '/locations/westus/scaleunits/prod-40/workflows/1e5956dac5b748818eccaf3dd665fb96',
    'x-ms-workflow-run-id': runId,
    'x-ms-workflow-run-tracking-id': '7dc5e1e6-6448-4b23-9fdc-a404c4ccc3b8',
    'x-ms-workflow-operation-name': action,
    // Per attempt: a retry carries new ones, and the key must not depend on them.
    'x-ms-tracking-id': crypto.randomUUID(),
    'x-ms-correlation-id': crypto.randomUUID(),
    'x-ms-client-request-id': crypto.randomUUID(),
    'x-ms-client-tracking-id': runId,
  };
}

const JWT = /eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]+/;

describe('safe retries and the audit ledger, end to end (sandbox stack over HTTP, ledger in Azurite)', () => {
  const { sandbox, capture } = useSandbox();
  const tokenFor = callerTokens(() => sandbox().endpoints);
  const bearer = async (caller: string): Promise<Record<string, string>> => ({
    authorization: `Bearer ${await tokenFor(caller)}`,
  });
  /** Calls the API as a seeded caller (the portal unless told otherwise) with a token got as that caller gets it. */
  const apiAs =
    (caller: string) =>
    async <T = Record<string, unknown>>(
      method: string,
      path: string,
      body?: unknown,
      headers: Record<string, string> = {},
    ): Promise<ApiAnswer<T>> =>
      callApi<T>(sandbox(), capture, method, path, body, { ...(await bearer(caller)), ...headers });
  const api = apiAs('portal');
  /** A Logic App calls with its managed identity's token (Secret.Create only). */
  const logicApp = apiAs('logicApp');
  const principal = (name: string) => sandbox().endpoints.principals[name]!;
  const graphControl = (): string => sandbox().endpoints.graph.control;
  const vaultControl = (): string => sandbox().endpoints.keyVault.control;
  async function clearLogs(): Promise<void> {
    await control(graphControl(), 'DELETE', 'requests');
    await control(vaultControl(), 'DELETE', 'requests');
  }
  async function graphWrites(): Promise<string[]> {
    const calls = await control<LogEntry[]>(graphControl(), 'GET', 'requests');
    return calls.filter((c) => c.principal === 'functionIdentity' && c.method === 'POST').map((c) => c.path);
  }
  async function vaultWrites(): Promise<number> {
    const calls = await control<LogEntry[]>(vaultControl(), 'GET', 'requests');
    // The first call of a vault client is its auth challenge (401): only stored versions count.
    return calls.filter((c) => c.method === 'PUT' && c.status === 200).length;
  }
  /** An app made by the portal, with the Logic App as a second owner (it rotates the app's secrets). */
  async function newApp(): Promise<string> {
    const created = await api<CreatedApplication>('POST', '/applications', {
      displayName: 'retries',
      secret: false,
      owners: [principal('logicApp').objectId],
    });
    expect(created.status).toBe(201);
    return created.body.application.appId;
  }

  afterEach(async () => {
    await control(graphControl(), 'PUT', 'latency', { ms: 0 });
    await control(vaultControl(), 'PUT', 'latency', { ms: 0 });
  });

  it('50 concurrent identical POSTs with one Idempotency-Key issue exactly one credential; a later replay gives the first answer', async () => {
    const appId = await newApp();
    await clearLogs();
    // Upstream latency keeps the first request in flight while the others arrive.
    await control(graphControl(), 'PUT', 'latency', { ms: 300 });
    const key = crypto.randomUUID();
    const body = { displayName: 'burst', lifetimeDays: 7 };
    const answers = await Promise.all(
      Array.from({ length: 50 }, () =>
        api<IssuedSecret>('POST', `/applications/${appId}/secrets`, body, { 'idempotency-key': key }),
      ),
    );
    const addPasswords = (await graphWrites()).filter((p) => p.endsWith('/addPassword'));
    expect(addPasswords).toEqual([`/v1.0/applications(appId='${appId}')/addPassword`]);
    expect(await vaultWrites()).toBe(1);
    const statuses = new Set(answers.map((a) => a.status));
    expect([...statuses].every((s) => s === 201 || s === 409)).toBe(true);
    const issued = answers.filter((a) => a.status === 201);
    expect(issued.length).toBeGreaterThanOrEqual(1);
    expect(new Set(issued.map((a) => a.body.keyId)).size).toBe(1);
    expect(issued.filter((a) => a.headers.get('idempotent-replayed') === null)).toHaveLength(1);
    for (const conflict of answers.filter((a) => a.status === 409)) {
      expect(conflict.headers.get('retry-after')).toMatch(/^\d+$/);
      expect(conflict.body).toMatchObject({ type: 'urn:entra-app-vending:problem:IdempotencyKeyInFlight' });
    }
    const { keyId } = issued[0]!.body;
    const app = await api<{ secrets: { keyId: string }[] }>('GET', `/applications/${appId}/secrets`);
    expect(app.body.secrets.map((s) => s.keyId)).toEqual([keyId]);

    // Later: the same answer, byte for byte, without touching Graph or Key Vault.
    await clearLogs();
    const replay = await api<IssuedSecret>('POST', `/applications/${appId}/secrets`, body, { 'idempotency-key': key });
    expect(replay.status).toBe(201);
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    expect(replay.body).toEqual(issued[0]!.body);
    expect(await graphWrites()).toEqual([]);
    expect(await vaultWrites()).toBe(0);

    // The same key with another body is refused, and changes nothing.
    const other = await api(
      'POST',
      `/applications/${appId}/secrets`,
      { displayName: 'burst', lifetimeDays: 8 },
      {
        'idempotency-key': key,
      },
    );
    expect(other.status).toBe(422);
    expect(other.body).toMatchObject({ type: 'urn:entra-app-vending:problem:IdempotencyKeyReused' });
    expect(await graphWrites()).toEqual([]);

    // Keys are the caller's own: the same key and body from another caller (also an owner) is its own request.
    const theirs = await logicApp<IssuedSecret>('POST', `/applications/${appId}/secrets`, body, {
      'idempotency-key': key,
    });
    expect(theirs.status).toBe(201);
    expect(theirs.headers.get('idempotent-replayed')).toBeNull();
    expect(theirs.body.keyId).not.toBe(keyId);
    expect((await graphWrites()).filter((p) => p.endsWith('/addPassword'))).toHaveLength(1);
  }, 60_000);

  it('keeps no 404 for a key: once an owner shares the app, the same key from the same caller does the work', async () => {
    const created = await api<CreatedApplication>('POST', '/applications', {
      displayName: 'shared-later',
      secret: false,
    });
    const { appId } = created.body.application;
    const key = crypto.randomUUID();
    const ask = () => logicApp<IssuedSecret>('POST', `/applications/${appId}/secrets`, {}, { 'idempotency-key': key });
    expect((await ask()).status).toBe(404);
    const shared = await api('PUT', `/applications/${appId}/owners`, {
      owners: [principal('portal').objectId, principal('logicApp').objectId],
    });
    expect(shared.status).toBe(200);
    const now = await ask();
    expect(now.status).toBe(201);
    expect(now.headers.get('idempotent-replayed')).toBeNull();
    expect((await ask()).headers.get('idempotent-replayed')).toBe('true');
  });

  it('a Logic Apps action retried after a client timeout creates nothing new; for-each iterations with different bodies create one each', async () => {
    const appId = await newApp();
    await clearLogs();
    const runId = `08586${Date.now()}CU46`;
    const item = { displayName: 'item-1', lifetimeDays: 7 };
    // The first attempt: the workflow gives up waiting (its timeout, here 300 ms) while the API is still working.
    await control(vaultControl(), 'PUT', 'latency', { ms: 1500 });
    const timedOut = await fetch(`${sandbox().apiBaseUrl}/applications/${appId}/secrets`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(await bearer('logicApp')), ...logicAppHeaders(runId) },
      body: JSON.stringify(item),
      signal: AbortSignal.timeout(300),
    }).catch((error: unknown) => error);
    expect((timedOut as Error).name).toBe('TimeoutError');
    // The retry resends the same request (new tracking ids) and gets the first attempt's answer.
    const retry = await logicApp<IssuedSecret>('POST', `/applications/${appId}/secrets`, item, logicAppHeaders(runId));
    expect(retry.status).toBe(201);
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    await control(vaultControl(), 'PUT', 'latency', { ms: 0 });
    const again = await logicApp<IssuedSecret>('POST', `/applications/${appId}/secrets`, item, logicAppHeaders(runId));
    expect(again.body.keyId).toBe(retry.body.keyId);
    expect((await graphWrites()).filter((p) => p.endsWith('/addPassword'))).toHaveLength(1);

    // Two iterations of a For each in the same run and action, with different items: two credentials.
    const second = await logicApp<IssuedSecret>(
      'POST',
      `/applications/${appId}/secrets`,
      { displayName: 'item-2', lifetimeDays: 7 },
      logicAppHeaders(runId),
    );
    expect(second.status).toBe(201);
    expect(second.headers.get('idempotent-replayed')).toBeNull();
    expect(second.body.keyId).not.toBe(retry.body.keyId);
    expect((await graphWrites()).filter((p) => p.endsWith('/addPassword'))).toHaveLength(2);
    // The same item in another run is another request.
    const nextRun = await logicApp<IssuedSecret>(
      'POST',
      `/applications/${appId}/secrets`,
      item,
      logicAppHeaders(`${runId}9`),
    );
    expect(nextRun.headers.get('idempotent-replayed')).toBeNull();
    expect((await graphWrites()).filter((p) => p.endsWith('/addPassword'))).toHaveLength(3);
  }, 60_000);

  /** Tokens that must be refused, for the 401 rows: malformed, and one that is a real token with a forged signature. */
  const refusedTokens: string[] = [];

  it('puts every request that needs a caller on record, refusals included, with the real caller, target, outcome and run', async () => {
    const appId = await newApp();
    const notOurs = crypto.randomUUID();
    const runId = `08586${Date.now()}CU01`;
    const [portal, logicAppSp, operator] = [principal('portal'), principal('logicApp'), principal('operator')];
    const dana = sandbox().endpoints.users.dana!;
    const made = await logicApp<IssuedSecret>(
      'POST',
      `/applications/${appId}/secrets`,
      { lifetimeDays: 3 },
      logicAppHeaders(runId),
    );
    expect(made.status).toBe(201);
    const [header, payload] = (await tokenFor('portal')).split('.');
    const forged = `${header}.${payload}.${Buffer.from('not the tenant’s signature').toString('base64url')}`;
    refusedTokens.push(forged);
    const asDana = apiAs('dana');
    const anonymous = <T>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}) =>
      callApi<T>(sandbox(), capture, method, path, body, headers);
    const calls: [(method: string, path: string, body?: unknown) => Promise<ApiAnswer>, string, string, unknown?][] = [
      [api, 'POST', '/applications', { displayName: 'audited' }],
      [api, 'POST', '/applications', { displayName: 'x', unknown: 1 }],
      [api, 'POST', `/applications/${appId}/secrets`, { lifetimeDays: 365 }],
      [api, 'POST', `/applications/${notOurs}/secrets`, {}],
      [api, 'GET', `/applications/${appId}/secrets`],
      [api, 'GET', `/applications/${notOurs}/secrets`],
      [api, 'DELETE', `/applications/${appId}/secrets/${made.body.keyId}`],
      [api, 'DELETE', `/applications/${appId}/secrets/${made.body.keyId}`], // again: revocation is idempotent
      [api, 'DELETE', `/applications/${appId}/secrets/${crypto.randomUUID()}`], // never issued here
      [api, 'GET', '/applications'],
      [api, 'GET', `/applications/${appId}/owners`],
      [api, 'PUT', `/applications/${appId}/owners`, { owners: [portal.objectId, logicAppSp.objectId] }],
      [api, 'GET', `/audit?appId=${appId}`], // portal is no Admin
      [logicApp, 'POST', '/applications', { displayName: 'not-mine-to-make' }], // Secret.Create only
      [asDana, 'GET', `/applications/${appId}/owners`], // a user, not an owner
      [anonymous, 'POST', `/applications/${appId}/secrets`, {}], // no token
      [(m, p, b) => anonymous(m, p, b, { authorization: `Bearer ${forged}` }), 'GET', '/applications'],
    ];
    const answers: ApiAnswer[] = [];
    for (const [as, method, path, body] of calls) answers.push(await as(method, path, body));
    expect(answers.map((a) => a.status)).toEqual([
      201, 400, 422, 404, 200, 404, 204, 204, 404, 200, 200, 200, 403, 403, 404, 401, 401,
    ]);

    const rows = (await ledgerRows(sandbox().azurite!)).filter((r) => String(r.partitionKey).startsWith('day|'));
    const onRecord = (operation: string, status: number, problemType?: string) =>
      rows.filter((r) => r.operation === operation && r.status === status && r.problemType === problemType);
    for (const [operation, status, problemType] of [
      ['createApplication', 201],
      ['createApplication', 400, 'InvalidRequest'],
      ['addSecret', 422, 'LifetimePolicyViolation'],
      ['addSecret', 404, 'NotFound'],
      ['listSecrets', 200],
      ['listSecrets', 404, 'NotFound'],
      ['revokeSecret', 204],
      ['revokeSecret', 404, 'NotFound'],
      ['listApplications', 200],
      ['getApplicationOwners', 200],
      ['setApplicationOwners', 200],
      ['readAudit', 403, 'Forbidden'],
      ['createApplication', 403, 'Forbidden'],
      ['getApplicationOwners', 404, 'NotFound'],
      ['addSecret', 401, 'Unauthenticated'],
      ['listApplications', 401, 'Unauthenticated'],
    ] as const) {
      expect({ operation, status, found: onRecord(operation, status, problemType).length > 0 }).toEqual({
        operation,
        status,
        found: true,
      });
    }
    // Each refusal carries the correlation id its problem answer gave.
    for (const refused of answers.filter((a) => a.status >= 400)) {
      const correlationId = (refused.body as { correlationId: string }).correlationId;
      expect(rows.filter((r) => r.correlationId === correlationId)).toHaveLength(1);
    }
    const addRecord = rows.find((r) => r.operation === 'addSecret' && r.keyId === made.body.keyId && r.status === 201);
    expect(addRecord).toMatchObject({
      kind: 'request',
      callerId: logicAppSp.objectId,
      callerAppId: logicAppSp.clientId,
      callerRoles: JSON.stringify(['Secret.Create']),
      appId,
      secretName: made.body.keyVault.secretName,
      secretVersion: made.body.keyVault.version,
      operationState: 'completed',
      logicAppsRunId: runId,
      logicAppsActionName: 'Add_secret',
      logicAppsWorkflowId: '/locations/westus/scaleunits/prod-40/workflows/1e5956dac5b748818eccaf3dd665fb96',
      replayed: false,
    });
    expect(addRecord!.idempotencyKey).toMatch(/^logicapps:[0-9a-f]{64}$/);
    // The same records under the app's partition: everything about one app is one partition.
    const appRows = (await ledgerRows(sandbox().azurite!)).filter((r) => r.partitionKey === `app|${appId}`);
    expect(appRows.map((r) => r.operation)).toEqual(
      expect.arrayContaining([
        'createApplication',
        'addSecret',
        'listSecrets',
        'revokeSecret',
        'getApplicationOwners',
        'setApplicationOwners',
      ]),
    );
    // Probes and documents are not audited.
    await api('GET', '/health');
    await api('GET', '/openapi.json');
    const after = (await ledgerRows(sandbox().azurite!)).map((r) => r.operation);
    expect(after).not.toContain('health');
    expect(after).not.toContain('openApi');

    // An Admin reads it all back over HTTP, with a real token: the app's records, oldest first, each with its caller.
    const admin = apiAs('operator');
    const history = await admin<{ records: AuditRecord[]; continuationToken: string | null }>(
      'GET',
      `/audit?appId=${appId}`,
    );
    expect(history.status).toBe(200);
    expect(history.body.continuationToken).toBeNull();
    const byOperation = (operation: string, status: number) =>
      history.body.records.find((r) => r.operation === operation && r.status === status);
    expect(byOperation('createApplication', 201)).toMatchObject({
      caller: { id: portal.objectId, appId: portal.clientId, roles: ['App.Create'] },
      operationState: 'completed',
    });
    expect(byOperation('addSecret', 201)).toMatchObject({
      caller: { id: logicAppSp.objectId, appId: logicAppSp.clientId, roles: ['Secret.Create'] },
      keyId: made.body.keyId,
      logicApps: { runId, actionName: 'Add_secret' },
    });
    expect(byOperation('setApplicationOwners', 200)).toMatchObject({
      caller: { id: portal.objectId, roles: ['App.Create'] },
      owners: [portal.objectId, logicAppSp.objectId],
      operationState: 'completed',
    });
    // A user is on record by its UPN (the token's preferred_username) and the roles it was let in with.
    expect(byOperation('getApplicationOwners', 404)).toMatchObject({
      caller: { id: dana.objectId, name: dana.userPrincipalName, roles: ['App.Create', 'Secret.Create'] },
      problemType: 'NotFound',
    });
    const times = history.body.records.map((r) => r.time);
    expect(times).toEqual([...times].sort());

    // The refusals before any handler, by their day: a 401 names no caller, a 403 the caller it refused.
    const since = new Date(Date.now() - 10 * 60_000).toISOString();
    const day: AuditRecord[] = [];
    let continuationToken: string | null = null;
    do {
      const query = `from=${encodeURIComponent(since)}&top=50${continuationToken ? `&continuationToken=${encodeURIComponent(continuationToken)}` : ''}`;
      const page: ApiAnswer<{ records: AuditRecord[]; continuationToken: string | null }> = await admin(
        'GET',
        `/audit?${query}`,
      );
      expect(page.status).toBe(200);
      day.push(...page.body.records);
      ({ continuationToken } = page.body);
    } while (continuationToken);
    const recordOf = (answer: ApiAnswer) =>
      day.find((r) => r.correlationId === (answer.body as { correlationId: string }).correlationId);
    for (const unauthenticated of answers.slice(-2)) {
      expect(recordOf(unauthenticated)).toEqual({
        time: expect.any(String) as string,
        operation: expect.stringMatching(/^(addSecret|listApplications)$/) as string,
        correlationId: (unauthenticated.body as { correlationId: string }).correlationId,
        status: 401,
        problemType: 'Unauthenticated',
        caller: { id: 'unidentified', roles: [] },
      });
    }
    expect(recordOf(answers[13]!)).toMatchObject({
      operation: 'createApplication',
      status: 403,
      caller: { id: logicAppSp.objectId, appId: logicAppSp.clientId, roles: [] },
    });
    expect(recordOf(answers[12]!)).toMatchObject({
      operation: 'readAudit',
      status: 403,
      caller: { id: portal.objectId, roles: [] },
    });
    expect(recordOf(answers[12]!)!.appId).toBeUndefined();
    // The Admin's own reads are on record too, as the Admin's.
    const reads = (await ledgerRows(sandbox().azurite!)).filter(
      (r) => r.operation === 'readAudit' && r.status === 200 && r.partitionKey === `app|${appId}`,
    );
    expect(reads).toEqual([
      expect.objectContaining({ callerId: operator.objectId, callerRoles: JSON.stringify(['Admin']) }),
    ]);
    // And the 404 rule of the other routes: an app nothing is on record about is not found.
    expect((await admin('GET', `/audit?appId=${crypto.randomUUID()}`)).status).toBe(404);
  }, 60_000);

  // Last but one on purpose: tests in a file run in order, so this sees every ledger row of the suite.
  it('keeps no secret value and no token in any ledger row (audit, intents, idempotency answers)', async () => {
    const rows = await ledgerRows(sandbox().azurite!);
    expect(rows.length).toBeGreaterThan(20);
    const kinds = new Set(rows.map((r) => r.kind));
    expect(kinds).toEqual(new Set(['request', 'idempotency']));
    const issued = sandbox().emulators.issuedSecretTexts();
    expect(issued.length).toBeGreaterThan(3);
    const texts = rows.map((row) => JSON.stringify(row));
    expect(issued.filter((secretText) => texts.some((text) => text.includes(secretText)))).toEqual([]);
    // Every token this file's callers obtained (portal, Logic App, Admin, a user) and every one it sent to be refused.
    const tokens = [...tokensObtained(), ...refusedTokens];
    expect(tokensObtained().length).toBeGreaterThanOrEqual(4);
    expect(refusedTokens.length).toBeGreaterThan(0);
    expect(tokens.filter((token) => texts.some((text) => text.includes(token)))).toEqual([]);
    // Nor any part of one: its signature is what would let it be replayed.
    const signatures = tokens.map((token) => token.split('.')[2]!);
    expect(signatures.filter((signature) => texts.some((text) => text.includes(signature)))).toEqual([]);
    expect(texts.filter((text) => JWT.test(text))).toEqual([]);
    expect(texts.filter((text) => /bearer/i.test(text))).toEqual([]);
  });

  it('refuses to create anything while the ledger is unreachable: 503, and no Graph or Key Vault write', async () => {
    const appId = await newApp();
    await clearLogs();
    await sandbox().azurite!.stop();
    const started = Date.now();
    const refused = await api('POST', `/applications/${appId}/secrets`, {});
    const created = await api('POST', '/applications', { displayName: 'not-now' });
    const keyed = await api('POST', `/applications/${appId}/secrets`, {}, { 'idempotency-key': crypto.randomUUID() });
    for (const answer of [refused, created, keyed]) {
      expect(answer.status).toBe(503);
      expect(answer.headers.get('retry-after')).toMatch(/^\d+$/);
      expect(answer.body).toMatchObject({
        type: 'urn:entra-app-vending:problem:UpstreamUnavailable',
        upstream: 'ledger',
      });
      expect(answer.body.detail).toMatch(/nothing was changed/);
    }
    expect(Date.now() - started).toBeLessThan(20_000);
    expect(await graphWrites()).toEqual([]);
    expect(await vaultWrites()).toBe(0);
    // Reads still answer; their lost audit record is logged as an error with the correlation id.
    const listed = await api('GET', `/applications/${appId}/secrets`);
    expect(listed.status).toBe(200);
    expect(capture.logLines.some((l) => l.includes('audit record lost'))).toBe(true);
  }, 60_000);
});
