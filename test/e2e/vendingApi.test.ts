import { RestError } from '@azure/core-rest-pipeline';
import { control } from '../support/emulators';
import { graphClientAs, secretClientAs } from '../support/clients';
import { RequestLogEntry as LogEntry } from '../../emulators/host/serviceHost';
import { CreatedApplication } from '../../src/vending/createApplication';
import { IssuedSecret } from '../../src/vending/issueSecret';
import { KeyVaultReference } from '../../src/vending/keyVaultReference';
import { ListedSecret } from '../../src/vending/listSecrets';
import { callerTokens, tokensObtained } from '../support/callerTokens';
import { ledgerRows } from '../support/ledger';
import { ApiAnswer, callApi, useSandbox } from '../support/sandbox';

// The API's answer types, as the domain defines them (JSON keeps their shape).
type KeyVaultRef = KeyVaultReference;
type Created = CreatedApplication;
type Listed = { appId: string; secrets: ListedSecret[] };

const DAY_MS = 24 * 3600 * 1000;

/** Every object in a JSON value that carries a credential's keyId, hint and vault reference. */
function referencedCredentials(
  value: unknown,
  found: { keyId: string; hint: string | null; keyVault: KeyVaultRef }[] = [],
) {
  if (Array.isArray(value)) value.forEach((v) => referencedCredentials(v, found));
  else if (value && typeof value === 'object') {
    const o = value as Record<string, unknown>;
    if (typeof o.keyId === 'string' && o.keyVault && typeof o.keyVault === 'object') {
      found.push({ keyId: o.keyId, hint: (o.hint as string | null) ?? null, keyVault: o.keyVault as KeyVaultRef });
    }
    Object.values(o).forEach((v) => referencedCredentials(v, found));
  }
  return found;
}
const NOT_OURS_APP_ID = '6d5e4f3a-2b1c-4d0e-9f8a-7b6c5d4e3f01';

describe('vending API end to end (sandbox stack over HTTP)', () => {
  const { sandbox, capture } = useSandbox();
  const tokenFor = callerTokens(() => sandbox().endpoints);
  /** Calls the API as the portal (App.Create and Secret.Create), with a token from the emulated Entra. */
  const api = async <T = Record<string, unknown>>(
    method: string,
    path: string,
    body?: unknown,
  ): Promise<ApiAnswer<T>> =>
    callApi<T>(sandbox(), capture, method, path, body, { authorization: `Bearer ${await tokenFor('portal')}` });
  const graphControl = (): string => sandbox().endpoints.graph.control;
  const vaultControl = (): string => sandbox().endpoints.keyVault.control;
  const revokedKeyIds = new Set<string>();

  async function callsSince(controlUrl: string): Promise<LogEntry[]> {
    return control<LogEntry[]>(controlUrl, 'GET', 'requests');
  }
  async function clearLogs(): Promise<void> {
    await control(graphControl(), 'DELETE', 'requests');
    await control(vaultControl(), 'DELETE', 'requests');
  }
  /** The vault value of a reference, read back as the operator (Key Vault Secrets User) with the official client. */
  async function readBack(ref: KeyVaultRef): Promise<string | undefined> {
    const secret = await secretClientAs(sandbox().endpoints, 'operator').getSecret(ref.secretName, {
      version: ref.version,
    });
    return secret.value;
  }
  async function createApp(body: Record<string, unknown> = {}): Promise<Created> {
    const answer = await api<Created>('POST', '/applications', {
      displayName: `e2e-${Math.random().toString(36).slice(2, 8)}`,
      ...body,
    });
    expect(answer.status).toBe(201);
    return answer.body;
  }

  afterEach(async () => {
    await control(graphControl(), 'DELETE', 'faults');
    await control(vaultControl(), 'DELETE', 'faults');
    await control(graphControl(), 'PUT', 'replication-lag', { ms: 0 });
    await control(graphControl(), 'PUT', 'policy', {});
  });

  it('serves health and a valid OpenAPI document without a token and without calling anything', async () => {
    await clearLogs();
    const anonymous = <T>(path: string) => callApi<T>(sandbox(), capture, 'GET', path);
    const health = await anonymous('/health');
    expect(health).toMatchObject({ status: 200, body: { status: 'ok' } });
    const openApi = await anonymous<{
      openapi: string;
      paths: Record<string, Record<string, { operationId: string }>>;
    }>('/openapi.json');
    expect(openApi.status).toBe(200);
    expect(openApi.body.openapi).toBe('3.0.3');
    expect(openApi.body.paths['/applications/{appId}/secrets']?.post?.operationId).toBe('addSecret');
    expect(await callsSince(graphControl())).toEqual([]);
  });

  it('creates an app with service principal and first secret in 2 Graph calls and 1 Key Vault call, answering with a reference that reads back', async () => {
    await createApp(); // warm-up: the first vault call of a client carries the one-time auth challenge
    await clearLogs();
    const before = Date.now();
    const created = await createApp({ secret: { lifetimeDays: 30, displayName: 'primary' } });

    const graphCalls = (await callsSince(graphControl())).filter((c) => c.principal === 'functionIdentity');
    expect(graphCalls.map((c) => `${c.method} ${c.path} ${c.status}`)).toEqual([
      'POST /v1.0/applications 201',
      'POST /v1.0/servicePrincipals 201',
    ]);
    const vaultCalls = await callsSince(vaultControl());
    expect(vaultCalls.map((c) => `${c.method} ${c.status}`)).toEqual(['PUT 200']);

    expect(created.servicePrincipal?.id).toMatch(/^[0-9a-f-]{36}$/);
    const secret = created.secret!;
    expect(secret.appId).toBe(created.application.appId);
    expect(Date.parse(secret.endDateTime) - Date.parse(secret.startDateTime)).toBe(30 * DAY_MS);
    expect(Date.parse(secret.startDateTime)).toBeGreaterThanOrEqual(before - 1000);
    const { keyVault } = secret;
    expect(keyVault.secretName).toBe(`app-${created.application.appId}-primary`);
    expect(keyVault.secretUri).toBe(
      `${sandbox().endpoints.keyVault.url}/secrets/${keyVault.secretName}/${keyVault.version}`,
    );
    expect(keyVault.reference).toBe(`@Microsoft.KeyVault(SecretUri=${keyVault.secretUriWithoutVersion})`);
    expect(keyVault.versionedReference).toBe(`@Microsoft.KeyVault(SecretUri=${keyVault.secretUri})`);

    const value = await readBack(keyVault);
    expect(sandbox().emulators.issuedSecretTexts()).toContain(value);
    expect(value!.slice(0, 3)).toBe(secret.hint);

    // The vault version carries the credential's window and links back to it.
    const properties = (await secretClientAs(sandbox().endpoints, 'operator').getSecret(keyVault.secretName))
      .properties;
    expect(properties.tags).toMatchObject({ appId: secret.appId, keyId: secret.keyId, managedBy: 'entra-app-vending' });
    expect(properties.expiresOn?.getTime()).toBe(Math.floor(Date.parse(secret.endDateTime) / 1000) * 1000);
    expect(properties.notBefore?.getTime()).toBe(Math.floor(Date.parse(secret.startDateTime) / 1000) * 1000);
    expect(properties.contentType).toMatch(/^text\/plain/);
  });

  it('adds a secret in 2 Graph calls (the app with its owner tags, addPassword) and 1 Key Vault call, as a new version of the same slot', async () => {
    const created = await createApp();
    await clearLogs();
    const added = await api<IssuedSecret>('POST', `/applications/${created.application.appId}/secrets`, {});
    expect(added.status).toBe(201);
    const graphCalls = (await callsSince(graphControl())).filter((c) => c.principal === 'functionIdentity');
    expect(graphCalls.map((c) => `${c.method} ${c.path}`)).toEqual([
      `GET /v1.0/applications(appId='${created.application.appId}')`,
      `POST /v1.0/applications(appId='${created.application.appId}')/addPassword`,
    ]);
    expect((await callsSince(vaultControl())).map((c) => `${c.method} ${c.status}`)).toEqual(['PUT 200']);

    expect(added.body.keyVault.secretName).toBe(created.secret!.keyVault.secretName);
    expect(added.body.keyVault.version).not.toBe(created.secret!.keyVault.version);
    expect(Date.parse(added.body.endDateTime) - Date.parse(added.body.startDateTime)).toBe(90 * DAY_MS); // the default
    expect(sandbox().emulators.issuedSecretTexts()).toContain(await readBack(added.body.keyVault));
  });

  it('honours a future start and an explicit end', async () => {
    const created = await createApp({ secret: false });
    expect(created.secret).toBeNull();
    const start = new Date(Date.now() + 2 * DAY_MS);
    const end = new Date(start.getTime() + 10 * DAY_MS);
    const added = await api<IssuedSecret>('POST', `/applications/${created.application.appId}/secrets`, {
      displayName: 'rotation',
      startDateTime: start.toISOString(),
      endDateTime: end.toISOString(),
    });
    expect(added.status).toBe(201);
    expect(Date.parse(added.body.startDateTime)).toBe(start.getTime());
    expect(Date.parse(added.body.endDateTime)).toBe(end.getTime());
  });

  it('lists credentials with status and references, never values', async () => {
    const created = await createApp({ secret: { lifetimeDays: 120 } });
    const appId = created.application.appId;
    const soon = await api<IssuedSecret>('POST', `/applications/${appId}/secrets`, {
      displayName: 'soon',
      lifetimeDays: 5,
    });
    // A credential made by hand with Graph's two-year default, and one already expired: not issued through the API.
    const now = Date.now();
    await control(graphControl(), 'POST', 'credentials', {
      appId,
      displayName: 'by-hand',
      startDateTime: new Date(now - DAY_MS).toISOString(),
      endDateTime: new Date(now + 700 * DAY_MS).toISOString(),
    });
    await control(graphControl(), 'POST', 'credentials', {
      appId,
      displayName: 'old',
      startDateTime: new Date(now - 100 * DAY_MS).toISOString(),
      endDateTime: new Date(now - DAY_MS).toISOString(),
    });
    const listed = await api<Listed>('GET', `/applications/${appId}/secrets`);
    expect(listed.status).toBe(200);
    const byName = Object.fromEntries(listed.body.secrets.map((s) => [s.displayName ?? '', s]));
    expect(byName.old?.status).toBe('expired');
    expect(byName['by-hand']?.status).toBe('overPolicy');
    expect(byName.soon?.status).toBe('expiring');
    expect(byName.default?.status).toBe('active');
    expect(byName.soon?.keyVault?.version).toBe(soon.body.keyVault.version);
    expect(byName.default?.keyVault?.version).toBe(created.secret!.keyVault.version);
    expect(byName['by-hand']?.keyVault).toBeNull();
    expect(listed.body.secrets.map((s) => s.endDateTime)).toEqual(
      [...listed.body.secrets.map((s) => s.endDateTime)].sort(),
    );
  });

  it('revokes: the credential leaves the app and its vault version is disabled', async () => {
    const created = await createApp();
    const { appId } = created.application;
    const keep = await api<IssuedSecret>('POST', `/applications/${appId}/secrets`, {});
    const revoked = await api('DELETE', `/applications/${appId}/secrets/${created.secret!.keyId}`);
    expect(revoked.status).toBe(204);
    revokedKeyIds.add(created.secret!.keyId);

    const listed = await api<Listed>('GET', `/applications/${appId}/secrets`);
    expect(listed.body.secrets.map((s) => s.keyId)).toEqual([keep.body.keyId]);
    const vault = secretClientAs(sandbox().endpoints, 'operator');
    const error = await vault
      .getSecret(created.secret!.keyVault.secretName, { version: created.secret!.keyVault.version })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RestError);
    expect((error as RestError).statusCode).toBe(403);
    expect((error as RestError).code).toBe('Forbidden');
    // The other version of the slot still reads.
    expect(await readBack(keep.body.keyVault)).toBeDefined();

    // Revocation is idempotent: the same DELETE again finds nothing left to do and answers the same.
    const again = await api('DELETE', `/applications/${appId}/secrets/${created.secret!.keyId}`);
    expect(again.status).toBe(204);
    // A keyId this API never issued on this app is still not found.
    const unknown = await api('DELETE', `/applications/${appId}/secrets/${crypto.randomUUID()}`);
    expect(unknown.status).toBe(404);
    expect(unknown.contentType).toBe('application/problem+json');
  });

  it('refuses lifetimes beyond the policy with 422 stating the maximum, and leaves nothing behind', async () => {
    await clearLogs();
    const tooLong = await api('POST', '/applications', { displayName: 'too-long', secret: { lifetimeDays: 181 } });
    expect(tooLong.status).toBe(422);
    expect(tooLong.contentType).toBe('application/problem+json');
    expect(tooLong.body).toMatchObject({
      status: 422,
      maxLifetimeDays: 180,
      type: 'urn:entra-app-vending:problem:LifetimePolicyViolation',
    });
    expect(String(tooLong.body.detail)).toContain('180 days');
    expect(await callsSince(graphControl())).toEqual([]);

    const created = await createApp({ secret: false });
    const endTooLate = await api('POST', `/applications/${created.application.appId}/secrets`, {
      endDateTime: new Date(Date.now() + 200 * DAY_MS).toISOString(),
    });
    expect(endTooLate.status).toBe(422);
    const backwards = await api('POST', `/applications/${created.application.appId}/secrets`, {
      startDateTime: new Date(Date.now() + 10 * DAY_MS).toISOString(),
      endDateTime: new Date(Date.now() + 5 * DAY_MS).toISOString(),
    });
    expect(backwards.status).toBe(422);
    const listed = await api<Listed>('GET', `/applications/${created.application.appId}/secrets`);
    expect(listed.body.secrets).toEqual([]);
  });

  it('turns a stricter tenant policy into 422 asking for less', async () => {
    await control(graphControl(), 'PUT', 'policy', { passwordMaxLifetime: 'P30D' });
    const answer = await api('POST', '/applications', { displayName: 'tenant-policy', secret: { lifetimeDays: 60 } });
    expect(answer.status).toBe(422);
    expect(answer.body.type).toBe('urn:entra-app-vending:problem:TenantCredentialPolicyViolation');
    expect(String(answer.body.detail)).toMatch(/shorter/);
    const within = await api('POST', '/applications', {
      displayName: 'tenant-policy-ok',
      secret: { lifetimeDays: 20 },
    });
    expect(within.status).toBe(201);
  });

  it.each([
    ['unknown field', { displayName: 'x', colour: 'blue' }, '/colour'],
    ['missing displayName', {}, '/displayName'],
    ['wrong type', { displayName: 42 }, '/displayName'],
    ['over-long name', { displayName: 'x'.repeat(121) }, '/displayName'],
    ['bad date', { displayName: 'x', secret: { endDateTime: 'next tuesday' } }, '/secret/endDateTime'],
    ['bad slot name', { displayName: 'x', secret: { displayName: 'has space' } }, '/secret/displayName'],
  ])('rejects a body with %s: 400 problem naming the field, nothing created', async (_case, body, pointer) => {
    await clearLogs();
    const answer = await api<{ errors: { pointer: string }[]; status: number }>('POST', '/applications', body);
    expect(answer.status).toBe(400);
    expect(answer.contentType).toBe('application/problem+json');
    expect(answer.body.errors.map((e) => e.pointer)).toContain(pointer);
    expect(await callsSince(graphControl())).toEqual([]);
  });

  it('rejects non-JSON bodies and bad path ids with 400', async () => {
    const notJson = await api('POST', '/applications', '{"displayName":');
    expect(notJson.status).toBe(400);
    const badId = await api('GET', '/applications/not-a-guid/secrets');
    expect(badId.status).toBe(400);
    expect(badId.contentType).toBe('application/problem+json');
  });

  it('answers 404 for apps that do not exist or are not this identity’s, without touching them', async () => {
    const notOurs = await api('POST', `/applications/${NOT_OURS_APP_ID}/secrets`, {});
    expect(notOurs.status).toBe(404);
    const listNotOurs = await api('GET', `/applications/${NOT_OURS_APP_ID}/secrets`);
    expect(listNotOurs.status).toBe(404);
    const missing = await api('POST', '/applications/00000000-0000-4000-8000-000000000001/secrets', {});
    expect(missing.status).toBe(404);
    const admin = graphClientAs(sandbox().endpoints, 'tenantAdmin');
    const legacy = (await admin
      .api(`/applications(appId='${NOT_OURS_APP_ID}')`)
      .select(['passwordCredentials'])
      .get()) as {
      passwordCredentials: unknown[];
    };
    expect(legacy.passwordCredentials).toEqual([]);
  });

  it('leaves no credential behind when Key Vault cannot store the secret (add)', async () => {
    const created = await createApp({ secret: false });
    await control(vaultControl(), 'POST', 'faults', { method: 'PUT', pathPattern: '^/secrets/', status: 403 });
    const answer = await api('POST', `/applications/${created.application.appId}/secrets`, {});
    expect(answer.status).toBe(502);
    expect(answer.body).toMatchObject({ upstream: 'keyVault' });
    const admin = graphClientAs(sandbox().endpoints, 'tenantAdmin');
    const app = (await admin
      .api(`/applications(appId='${created.application.appId}')`)
      .select(['passwordCredentials'])
      .get()) as {
      passwordCredentials: unknown[];
    };
    expect(app.passwordCredentials).toEqual([]);
  });

  it('deletes the new app again when Key Vault cannot store its first secret (create)', async () => {
    await control(vaultControl(), 'POST', 'faults', { method: 'PUT', pathPattern: '^/secrets/', status: 403 });
    const displayName = `e2e-dangling-${Date.now()}`;
    const answer = await api('POST', '/applications', { displayName });
    expect(answer.status).toBe(502);
    const admin = graphClientAs(sandbox().endpoints, 'tenantAdmin');
    const found = (await admin.api('/applications').filter(`displayName eq '${displayName}'`).get()) as {
      value: unknown[];
    };
    expect(found.value).toEqual([]);
  });

  it('retries Graph throttling (Retry-After) and succeeds', async () => {
    const created = await createApp({ secret: false });
    await control(graphControl(), 'POST', 'faults', {
      method: 'POST',
      pathPattern: 'addPassword$',
      status: 429,
      count: 2,
      retryAfterSeconds: 0,
    });
    await clearLogs();
    const answer = await api('POST', `/applications/${created.application.appId}/secrets`, {});
    expect(answer.status).toBe(201);
    const statuses = (await callsSince(graphControl()))
      .filter((c) => c.path.endsWith('addPassword'))
      .map((c) => c.status);
    expect(statuses).toEqual([429, 429, 200]);
  });

  it('answers 429 with Retry-After when Graph keeps throttling', async () => {
    const created = await createApp({ secret: false });
    await control(graphControl(), 'POST', 'faults', {
      method: 'POST',
      pathPattern: 'addPassword$',
      status: 429,
      count: 50,
      retryAfterSeconds: 0,
    });
    const answer = await api('POST', `/applications/${created.application.appId}/secrets`, {});
    expect(answer.status).toBe(429);
    expect(Number(answer.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(answer.body).toMatchObject({ upstream: 'graph', status: 429 });
  });

  it('rides out replication lag when creating the service principal', async () => {
    await control(graphControl(), 'PUT', 'replication-lag', { ms: 400 });
    await clearLogs();
    const created = await createApp();
    expect(created.servicePrincipal).not.toBeNull();
    const spCalls = (await callsSince(graphControl())).filter((c) => c.path === '/v1.0/servicePrincipals');
    expect(spCalls.length).toBeGreaterThan(1);
    expect(spCalls.at(-1)!.status).toBe(201);
    expect(spCalls.slice(0, -1).every((c) => c.status === 400)).toBe(true);
  });

  it('every Key Vault reference any answer carried reads back: the issued secret, or disabled once revoked', async () => {
    const references = new Map<string, { keyId: string; hint: string | null; keyVault: KeyVaultRef }>();
    for (const body of capture.responseBodies) {
      if (!body.startsWith('{')) continue;
      for (const ref of referencedCredentials(JSON.parse(body))) references.set(ref.keyVault.secretUri, ref);
    }
    expect(references.size).toBeGreaterThan(10);
    const issued = sandbox().emulators.issuedSecretTexts();
    const vault = secretClientAs(sandbox().endpoints, 'operator');
    for (const { keyId, hint, keyVault } of references.values()) {
      if (revokedKeyIds.has(keyId)) {
        const error = await vault
          .getSecret(keyVault.secretName, { version: keyVault.version })
          .catch((e: unknown) => e);
        expect((error as RestError).statusCode).toBe(403);
        continue;
      }
      const value = await readBack(keyVault);
      expect(issued).toContain(value);
      expect(value!.slice(0, 3)).toBe(hint);
    }
  });

  // Last on purpose: tests in a file run in order, so this sees every body and log line of the suite.
  it('leaked no secret value issued by Graph into any response body, log line, emulator request log or ledger row, nor any caller token', async () => {
    const issued = sandbox().emulators.issuedSecretTexts();
    expect(issued.length).toBeGreaterThan(5);
    const requestLogs = JSON.stringify([await callsSince(graphControl()), await callsSince(vaultControl())]);
    const rows = (await ledgerRows(sandbox().azurite!)).map((row) => JSON.stringify(row));
    expect(rows.length).toBeGreaterThan(10);
    const haystacks = [...capture.responseBodies, ...capture.logLines, requestLogs, ...rows];
    expect(capture.logLines.length).toBeGreaterThan(0);
    const leaks = issued.filter((secretText) => haystacks.some((text) => text.includes(secretText)));
    expect(leaks).toEqual([]);
    // Nor any caller token this suite obtained, in a response, a log line or a ledger row.
    const tokens = tokensObtained();
    expect(tokens.length).toBeGreaterThan(0);
    const ours = [...capture.responseBodies, ...capture.logLines, ...rows];
    expect(tokens.filter((token) => ours.some((text) => text.includes(token)))).toEqual([]);
  });
});
