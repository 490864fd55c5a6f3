import { ClientAssertionCredential, ClientCertificateCredential, ClientSecretCredential } from '@azure/identity';
import { CertificateClient } from '@azure/keyvault-certificates';
import { keyVaultClientAssertion } from '../../examples/keyVaultAssertion';
import { RequestLogEntry } from '../../emulators/host/serviceHost';
import { CreatedApplication } from '../../src/vending/createApplication';
import { IssuedCertificate } from '../../src/vending/issueCertificate';
import { ListedCertificate } from '../../src/vending/listCertificates';
import { AuditRecord } from '../../src/vending/ports';
import { callerTokens, tokensObtained } from '../support/callerTokens';
import { principalCredential, secretClientAs } from '../support/clients';
import { testCertificate } from '../support/certificates';
import { control } from '../support/emulators';
import { ledgerRows } from '../support/ledger';
import { ApiAnswer, callApi, useSandbox } from '../support/sandbox';
import { keyVaultFailure } from '../support/sdkErrors';

const GRAPH = 'https://graph.microsoft.com/.default';
const VAULT = { disableChallengeResourceVerification: true };

/** Vended credentials proven by signing in: a secret and a Key Vault certificate get tokens, and after revocation do not. */
describe('certificates and sign-in with vended credentials, end to end (sandbox stack over HTTP)', () => {
  const { sandbox, capture } = useSandbox();
  const tokenFor = callerTokens(() => sandbox().endpoints);
  /** Calls the API as a seeded caller, with a token got from the emulated Entra as that caller gets it. */
  const apiAs =
    (caller: string) =>
    async <T = Record<string, unknown>>(
      method: string,
      path: string,
      body?: unknown,
      headers: Record<string, string> = {},
    ): Promise<ApiAnswer<T>> =>
      callApi<T>(sandbox(), capture, method, path, body, {
        authorization: `Bearer ${await tokenFor(caller)}`,
        ...headers,
      });
  /** The portal: App.Create and Secret.Create; it owns the apps it creates here. */
  const api = apiAs('portal');
  const authority = () => ({
    authorityHost: sandbox().endpoints.entra.authorityHost,
    disableInstanceDiscovery: true,
  });
  const tokenEndpoint = () =>
    `${sandbox().endpoints.entra.authorityHost}/${sandbox().endpoints.tenantId}/oauth2/v2.0/token`;

  async function clearLogs(): Promise<void> {
    await control(sandbox().endpoints.graph.control, 'DELETE', 'requests');
    await control(sandbox().endpoints.keyVault.control, 'DELETE', 'requests');
  }
  /** The calls the function identity made, as `METHOD path`. */
  async function callsTo(controlUrl: string): Promise<string[]> {
    const log = await control<RequestLogEntry[]>(controlUrl, 'GET', 'requests');
    return log.filter((e) => e.principal === 'functionIdentity').map((e) => `${e.method} ${e.path}`);
  }
  const graphCalls = () => callsTo(sandbox().endpoints.graph.control);
  const vaultCalls = () => callsTo(sandbox().endpoints.keyVault.control);

  async function createApp(secret: boolean): Promise<CreatedApplication> {
    const answer = await api<CreatedApplication>('POST', '/applications', {
      displayName: `e2e-cert-${Math.random().toString(36).slice(2, 8)}`,
      ...(secret ? { secret: { lifetimeDays: 7 } } : { secret: false }),
    });
    expect(answer.status).toBe(201);
    return answer.body;
  }

  /** A client assertion for the app, signed by Key Vault with the certificate's key, as the workload. */
  const signedAssertion = (appId: string, cert: IssuedCertificate): Promise<string> =>
    keyVaultClientAssertion({
      keyId: cert.keyVault!.keyId,
      thumbprint: cert.thumbprint,
      clientId: appId,
      tokenEndpoint: tokenEndpoint(),
      signer: principalCredential(sandbox().endpoints, 'workload'),
      clientOptions: VAULT,
    });

  /** A token for the app through ClientAssertionCredential, its assertion signed by Key Vault as the workload. */
  function keyVaultSignedCredential(appId: string, cert: IssuedCertificate): ClientAssertionCredential {
    return new ClientAssertionCredential(
      sandbox().endpoints.tenantId,
      appId,
      () => signedAssertion(appId, cert),
      authority(),
    );
  }

  it('a vended secret, read from its Key Vault reference, gets a token; after revocation it does not', async () => {
    const { application, secret } = await createApp(true);
    const value = (await secretClientAs(sandbox().endpoints, 'operator').getSecret(secret!.keyVault.secretName)).value!;
    const signIn = () =>
      new ClientSecretCredential(sandbox().endpoints.tenantId, application.appId, value, authority()).getToken(GRAPH);
    const token = await signIn();
    expect(token.token.split('.')).toHaveLength(3);
    expect((await api('DELETE', `/applications/${application.appId}/secrets/${secret!.keyId}`)).status).toBe(204);
    await expect(signIn()).rejects.toThrow(/AADSTS7000215/);
  });

  it('a non-exportable Key Vault certificate signs the app in through Key Vault; nobody reads its private key; revoked, it does not', async () => {
    const { application } = await createApp(false);
    const added = await api<IssuedCertificate>('POST', `/applications/${application.appId}/certificates`, {
      lifetimeDays: 60,
    });
    expect(added.status).toBe(201);
    const cert = added.body;
    expect(cert).toMatchObject({ appId: application.appId, source: 'keyVault', displayName: 'default' });
    expect(cert.keyVault).toMatchObject({
      exportable: false,
      secret: null,
      certificateName: `cert-${application.appId}-default`,
    });
    expect(cert.thumbprint).toMatch(/^[0-9A-F]{40}$/);
    expect(Date.parse(cert.endDateTime) - Date.parse(cert.startDateTime)).toBeLessThanOrEqual(60 * 86_400_000);

    const token = await keyVaultSignedCredential(application.appId, cert).getToken(GRAPH);
    const claims = JSON.parse(Buffer.from(token.token.split('.')[1]!, 'base64url').toString()) as { appid: string };
    expect(claims.appid).toBe(application.appId);

    // The vault's most privileged seeded principal reads the secret behind the certificate: no private key in it.
    const behind = await secretClientAs(sandbox().endpoints, 'tenantAdmin').getSecret(cert.keyVault!.certificateName);
    expect(behind.value).toContain('-----BEGIN CERTIFICATE-----');
    expect(behind.value).not.toMatch(/PRIVATE KEY/);

    const listed = await api<{ certificates: ListedCertificate[] }>(
      'GET',
      `/applications/${application.appId}/certificates`,
    );
    expect(listed.status).toBe(200);
    expect(listed.body.certificates).toEqual([
      expect.objectContaining({ keyId: cert.keyId, thumbprint: cert.thumbprint, status: 'active' }),
    ]);
    expect(listed.body.certificates[0]!.keyVault).toMatchObject({ version: cert.keyVault!.version, enabled: true });

    // An assertion Key Vault signed before the revocation: Entra must refuse it once the key credential is gone.
    const signedBefore = await signedAssertion(application.appId, cert);
    expect((await api('DELETE', `/applications/${application.appId}/certificates/${cert.keyId}`)).status).toBe(204);
    await expect(
      new ClientAssertionCredential(
        sandbox().endpoints.tenantId,
        application.appId,
        () => Promise.resolve(signedBefore),
        authority(),
      ).getToken(GRAPH),
    ).rejects.toThrow(/AADSTS700027: .*The key was not found/);
    // And Key Vault no longer signs with the disabled certificate's key.
    await expect(keyVaultSignedCredential(application.appId, cert).getToken(GRAPH)).rejects.toThrow(
      /not allowed on a disabled key/,
    );
    const sign = await keyVaultFailure(signedAssertion(application.appId, cert));
    expect(sign.statusCode).toBe(403);
    expect(
      (await api<{ certificates: unknown[] }>('GET', `/applications/${application.appId}/certificates`)).body
        .certificates,
    ).toEqual([]);
  });

  it('Key Vault busy or failing is "retry later" for both kinds (#12): a bare 429 retried, a 5xx past the retries 503 with Retry-After', async () => {
    const { application } = await createApp(false);
    const vault = sandbox().endpoints.keyVault.control;
    const fault = (body: Record<string, unknown>) => control(vault, 'POST', 'faults', body);
    // Throttled twice without saying how long: the API's Key Vault clients retry it on their own backoff.
    await fault({ method: 'PUT', pathPattern: '^/secrets/', status: 429, count: 2 });
    const secret = await api<{ keyId: string }>('POST', `/applications/${application.appId}/secrets`, {});
    expect(secret.status).toBe(201);
    await fault({ method: 'POST', pathPattern: '/create$', status: 429, count: 2 });
    const certificate = await api<IssuedCertificate>('POST', `/applications/${application.appId}/certificates`, {});
    expect(certificate.status).toBe(201);
    expect(await control<unknown[]>(vault, 'GET', 'faults')).toEqual([]);
    expect(certificate.headers.get('location')).toBe(
      `/api/applications/${application.appId}/certificates/${certificate.body.keyId}`,
    );

    // Failing on the vault's side past the SDK's retries (500 and 504 alike: see the stores' integration tests).
    for (const [path, pathPattern] of [
      ['secrets', '^/secrets/'],
      ['certificates', '/create$'],
    ] as const) {
      await fault({ method: path === 'secrets' ? 'PUT' : 'POST', pathPattern, status: 502, count: 4 });
      const failing = await api('POST', `/applications/${application.appId}/${path}`, {});
      await control(vault, 'DELETE', 'faults');
      expect(failing.status).toBe(503);
      expect(failing.body).toMatchObject({
        type: 'urn:entra-app-vending:problem:UpstreamUnavailable',
        upstream: 'keyVault',
      });
      expect(Number(failing.headers.get('retry-after'))).toBeGreaterThan(0);
    }
    // Only what the answers reported is there: the failed requests' credential was removed, no key credential added.
    const listed = await api<{ secrets: { keyId: string }[] }>('GET', `/applications/${application.appId}/secrets`);
    expect(listed.body.secrets.map((s) => s.keyId)).toEqual([secret.body.keyId]);
    const certs = await api<{ certificates: ListedCertificate[] }>(
      'GET',
      `/applications/${application.appId}/certificates`,
    );
    expect(certs.body.certificates.map((c) => c.keyId)).toEqual([certificate.body.keyId]);
  });

  it('keeps the existing key credentials when adding another', async () => {
    const { application } = await createApp(false);
    const first = (await api<IssuedCertificate>('POST', `/applications/${application.appId}/certificates`, {})).body;
    const second = (
      await api<IssuedCertificate>('POST', `/applications/${application.appId}/certificates`, { displayName: 'second' })
    ).body;
    const listed = await api<{ certificates: ListedCertificate[] }>(
      'GET',
      `/applications/${application.appId}/certificates`,
    );
    expect(listed.body.certificates.map((c) => c.keyId).sort()).toEqual([first.keyId, second.keyId].sort());
    expect((await keyVaultSignedCredential(application.appId, first).getToken(GRAPH)).token).toBeTruthy();
  });

  it('applies the lifetime policy and refuses exportable keys this deployment does not allow (422 with the reason)', async () => {
    const { application } = await createApp(false);
    const long = await api<{ type: string; maxLifetimeDays: number }>(
      'POST',
      `/applications/${application.appId}/certificates`,
      { lifetimeDays: 400 },
    );
    expect(long.status).toBe(422);
    expect(long.body).toMatchObject({
      type: 'urn:entra-app-vending:problem:LifetimePolicyViolation',
      maxLifetimeDays: 365,
    });
    const exportable = await api<{ type: string; detail: string }>(
      'POST',
      `/applications/${application.appId}/certificates`,
      { exportable: true },
    );
    expect(exportable.status).toBe(422);
    expect(exportable.body.type).toBe('urn:entra-app-vending:problem:CertificatePolicyViolation');
    expect(exportable.body.detail).toMatch(/exportable/);

    // The input policy of secrets holds for certificates too (#12): printable names, exact pointers, a date horizon.
    const post = (body: unknown) =>
      api<{ errors?: { pointer: string }[] }>('POST', `/applications/${application.appId}/certificates`, body);
    for (const displayName of ['  \t ', 'blue\u202Egreen', 'nul\u0000', 'x'.repeat(200)]) {
      const bad = await post({ displayName });
      expect(bad.status).toBe(400);
      expect(bad.body.errors).toEqual([expect.objectContaining({ pointer: '/displayName' })]);
    }
    const soonish = await post({ startDateTime: 'soon-ish' });
    expect(soonish.status).toBe(400);
    expect(soonish.body.errors).toEqual([expect.objectContaining({ pointer: '/startDateTime' })]);
    expect((await post({ startDateTime: '9999-12-01T00:00:00Z', lifetimeDays: 30 })).status).toBe(422);
    expect((await post({ endDateTime: '2026-02-30T00:00:00Z' })).status).toBe(400);
    expect(
      (await api<{ certificates: unknown[] }>('GET', `/applications/${application.appId}/certificates`)).body
        .certificates,
    ).toEqual([]);
  });

  it('adds a public certificate the caller brings, which then signs the app in; refuses bad ones with the reason', async () => {
    const { application } = await createApp(false);
    const path = `/applications/${application.appId}/certificates`;
    const own = testCertificate({ toDays: 400 });
    const added = await api<IssuedCertificate>('POST', path, { certificate: own.base64, lifetimeDays: 60 });
    expect(added.status).toBe(201);
    expect(added.body).toMatchObject({ source: 'uploaded', keyVault: null, thumbprint: own.thumbprint });
    const token = await new ClientCertificateCredential(
      sandbox().endpoints.tenantId,
      application.appId,
      { certificate: `${own.privateKeyPem}${own.pem}` },
      authority(),
    ).getToken(GRAPH);
    expect(token.token).toBeTruthy();

    const refusals: [string, Record<string, unknown>, number, RegExp][] = [
      ['expired', { certificate: testCertificate({ fromDays: -30, toDays: -1 }).base64 }, 422, /expired/],
      ['too short', { certificate: testCertificate({ toDays: 5 }).base64 }, 422, /does not cover/],
      ['RSA 1024', { certificate: testCertificate({ modulusLength: 1024 }).base64 }, 422, /1024 bits/],
      ['not a certificate', { certificate: Buffer.from('hello, world').toString('base64') }, 400, /not an X\.509/],
      ['with its private key', { certificate: `${own.privateKeyPem}${own.pem}` }, 400, /private key/],
      ['with Key Vault options', { certificate: own.base64, exportable: false }, 400, /Key Vault creates/],
    ];
    for (const [why, body, status, reason] of refusals) {
      const answer = await api<{ detail: string; errors?: { detail: string }[] }>('POST', path, body);
      expect({ why, status: answer.status }).toEqual({ why, status });
      expect(answer.contentType).toContain('application/problem+json');
      expect(`${answer.body.detail} ${JSON.stringify(answer.body.errors ?? [])}`).toMatch(reason);
    }
  });

  it('who may: 401 without a valid token, 403 without Secret.Create or Admin, 404 for an app the caller may not manage; Admin everywhere', async () => {
    const { application } = await createApp(false);
    const path = `/applications/${application.appId}/certificates`;
    const mine = (await api<IssuedCertificate>('POST', path, {})).body;
    const missing = `/applications/${crypto.randomUUID()}/certificates`;
    const anonymous = <T>(method: string, to: string, body?: unknown) =>
      callApi<T>(sandbox(), capture, method, to, body);
    await clearLogs();
    for (const [method, suffix, body] of [
      ['POST', '', {}],
      ['GET', ''],
      ['DELETE', `/${mine.keyId}`],
    ] as [string, string, unknown?][]) {
      const unauthenticated = await anonymous<{ type: string }>(method, `${path}${suffix}`, body);
      expect({ method, status: unauthenticated.status, type: unauthenticated.body.type }).toEqual({
        method,
        status: 401,
        type: 'urn:entra-app-vending:problem:Unauthenticated',
      });
      expect(unauthenticated.headers.get('www-authenticate')).toMatch(/^Bearer authorization_uri="/);
      const forbidden = await apiAs('noRoles')<{ type: string; detail: string }>(method, `${path}${suffix}`, body);
      expect({ method, status: forbidden.status, detail: forbidden.body.detail }).toEqual({
        method,
        status: 403,
        detail: 'This operation needs one of the app roles Secret.Create, Admin on this API.',
      });
      // Secret.Create, app-only or a user through a group, but no owner: the app is not there for them, exactly as
      // an app that does not exist is not.
      for (const stranger of ['logicApp', 'lee']) {
        for (const to of [path, missing]) {
          const notFound = await apiAs(stranger)<{ type: string; detail: string }>(method, `${to}${suffix}`, body);
          expect({ stranger, method, status: notFound.status, type: notFound.body.type }).toEqual({
            stranger,
            method,
            status: 404,
            type: 'urn:entra-app-vending:problem:NotFound',
          });
        }
      }
    }
    // The refusals changed nothing: no vault call, no Graph write, the portal's one certificate still enabled.
    expect(await vaultCalls()).toEqual([]);
    expect((await graphCalls()).filter((c) => !c.startsWith('GET '))).toEqual([]);
    const listed = await api<{ certificates: ListedCertificate[] }>('GET', path);
    expect(listed.body.certificates.map((c) => [c.keyId, c.keyVault?.enabled])).toEqual([[mine.keyId, true]]);

    // Admin manages every app this identity owns, whoever owns it here.
    const admin = apiAs('operator');
    const byAdmin = await admin<IssuedCertificate>('POST', path, { displayName: 'admin' });
    expect(byAdmin.status).toBe(201);
    expect((await admin('GET', path)).status).toBe(200);
    expect((await admin('DELETE', `${path}/${mine.keyId}`)).status).toBe(204);
    const after = await api<{ certificates: ListedCertificate[] }>('GET', path);
    expect(after.body.certificates.map((c) => c.keyId)).toEqual([byAdmin.body.keyId]);
  });

  it('is safe to retry: concurrent and later POSTs with one Idempotency-Key make one certificate and one key credential', async () => {
    const { application } = await createApp(false);
    const path = `/applications/${application.appId}/certificates`;
    const key = crypto.randomUUID();
    const body = { displayName: 'deploy', lifetimeDays: 30 };
    await clearLogs();
    // Upstream latency keeps the first request in flight while the others arrive.
    await control(sandbox().endpoints.graph.control, 'PUT', 'latency', { ms: 300 });
    const answers = await Promise.all(
      Array.from({ length: 8 }, () => api<IssuedCertificate>('POST', path, body, { 'idempotency-key': key })),
    ).finally(() => control(sandbox().endpoints.graph.control, 'PUT', 'latency', { ms: 0 }));
    expect(answers.every((a) => a.status === 201 || a.status === 409)).toBe(true);
    const issued = answers.filter((a) => a.status === 201);
    expect(issued.filter((a) => a.headers.get('idempotent-replayed') === null)).toHaveLength(1);
    expect(new Set(issued.map((a) => a.body.keyId)).size).toBe(1);
    const first = issued[0]!.body;

    // Later, the same request again: the first answer, byte for byte, without touching Graph or Key Vault.
    await clearLogs();
    const replay = await api<IssuedCertificate>('POST', path, body, { 'idempotency-key': key });
    expect(replay.status).toBe(201);
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    expect(replay.body).toEqual(first);
    expect(await vaultCalls()).toEqual([]);
    expect(await graphCalls()).toEqual([]);
    // The same key with another body is refused and makes nothing.
    const reused = await api('POST', path, { ...body, lifetimeDays: 31 }, { 'idempotency-key': key });
    expect(reused.status).toBe(422);
    expect(reused.body).toMatchObject({ type: 'urn:entra-app-vending:problem:IdempotencyKeyReused' });
    expect(await vaultCalls()).toEqual([]);

    // One key credential on the app, one certificate version in the vault; a key without the header is a new one.
    const listed = await api<{ certificates: ListedCertificate[] }>('GET', path);
    expect(listed.body.certificates.map((c) => c.keyId)).toEqual([first.keyId]);
    const vault = new CertificateClient(
      sandbox().endpoints.keyVault.url,
      principalCredential(sandbox().endpoints, 'tenantAdmin'),
      VAULT,
    );
    const versions = [];
    for await (const version of vault.listPropertiesOfCertificateVersions(first.keyVault!.certificateName)) {
      versions.push(version.version);
    }
    expect(versions).toEqual([first.keyVault!.version]);
    expect((await api<IssuedCertificate>('POST', path, body)).body.keyId).not.toBe(first.keyId);
  }, 60_000);

  it('puts certificate operations on the audit record: written ahead and completed, refusals included', async () => {
    const { application } = await createApp(false);
    const path = `/applications/${application.appId}/certificates`;
    const added = await api<IssuedCertificate>('POST', path, { displayName: 'audited' });
    const own = testCertificate({ toDays: 400 });
    const brought = await api<IssuedCertificate>('POST', path, { certificate: own.base64, lifetimeDays: 30 });
    expect((await api('DELETE', `${path}/${added.body.keyId}`)).status).toBe(204);
    const refused = await apiAs('logicApp')<{ correlationId: string }>('POST', path, {});
    expect(refused.status).toBe(404);

    const history = await apiAs('operator')<{ records: AuditRecord[] }>('GET', `/audit?appId=${application.appId}`);
    expect(history.status).toBe(200);
    const portal = sandbox().endpoints.principals.portal!;
    const find = (operation: string, status: number, keyId?: string) =>
      history.body.records.filter((r) => r.operation === operation && r.status === status && r.keyId === keyId);
    expect(find('addCertificate', 201, added.body.keyId)).toEqual([
      expect.objectContaining({
        caller: { id: portal.objectId, appId: portal.clientId, roles: ['Secret.Create'] },
        certificateName: added.body.keyVault!.certificateName,
        certificateVersion: added.body.keyVault!.version,
        operationState: 'completed',
      }),
    ]);
    expect(find('addCertificate', 201, brought.body.keyId)).toEqual([
      expect.objectContaining({ operationState: 'completed' }),
    ]);
    expect(find('addCertificate', 201, brought.body.keyId)[0]!.certificateName).toBeUndefined();
    expect(find('revokeCertificate', 204, added.body.keyId)).toEqual([
      expect.objectContaining({
        certificateName: added.body.keyVault!.certificateName,
        certificateVersion: added.body.keyVault!.version,
        operationState: 'completed',
      }),
    ]);
    expect(history.body.records.find((r) => r.correlationId === refused.body.correlationId)).toMatchObject({
      operation: 'addCertificate',
      status: 404,
      problemType: 'NotFound',
      caller: { id: sandbox().endpoints.principals.logicApp!.objectId, roles: ['Secret.Create'] },
    });
    // Nothing left open: every intent of this file's certificate operations was completed or closed.
    const open = (await ledgerRows(sandbox().azurite!)).filter((r) => r.partitionKey === 'intent');
    expect(open.filter((r) => r.appId === application.appId)).toEqual([]);
  });

  it('never answers, logs or records a private key, a secret value or a token', async () => {
    const rows = (await ledgerRows(sandbox().azurite!)).map((row) => JSON.stringify(row));
    const everything = [...capture.responseBodies, ...capture.logLines, ...rows].join('\n');
    expect(everything).not.toMatch(/PRIVATE KEY/);
    for (const secret of sandbox().emulators.issuedSecretTexts()) expect(everything).not.toContain(secret);
    expect(tokensObtained().length).toBeGreaterThanOrEqual(5);
    for (const token of tokensObtained()) expect(everything).not.toContain(token.split('.')[2]!);
  });
});
