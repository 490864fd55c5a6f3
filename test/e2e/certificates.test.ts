import { ClientAssertionCredential, ClientCertificateCredential, ClientSecretCredential } from '@azure/identity';
import { keyVaultClientAssertion } from '../../examples/keyVaultAssertion';
import { CreatedApplication } from '../../src/vending/createApplication';
import { IssuedCertificate } from '../../src/vending/issueCertificate';
import { ListedCertificate } from '../../src/vending/listCertificates';
import { principalCredential, secretClientAs } from '../support/clients';
import { testCertificate } from '../support/certificates';
import { ApiAnswer, callApi, useSandbox } from '../support/sandbox';
import { keyVaultFailure } from '../support/sdkErrors';

const GRAPH = 'https://graph.microsoft.com/.default';
const VAULT = { disableChallengeResourceVerification: true };

/** Vended credentials proven by signing in: a secret and a Key Vault certificate get tokens, and after revocation do not. */
describe('certificates and sign-in with vended credentials, end to end (sandbox stack over HTTP)', () => {
  const { sandbox, capture } = useSandbox();
  const api = <T = Record<string, unknown>>(method: string, path: string, body?: unknown): Promise<ApiAnswer<T>> =>
    callApi<T>(sandbox(), capture, method, path, body);
  const authority = () => ({
    authorityHost: sandbox().endpoints.entra.authorityHost,
    disableInstanceDiscovery: true,
  });
  const tokenEndpoint = () =>
    `${sandbox().endpoints.entra.authorityHost}/${sandbox().endpoints.tenantId}/oauth2/v2.0/token`;

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

  it('never answers or logs a private key or a secret value', () => {
    const everything = [...capture.responseBodies, ...capture.logLines].join('\n');
    expect(everything).not.toMatch(/PRIVATE KEY/);
    for (const secret of sandbox().emulators.issuedSecretTexts()) expect(everything).not.toContain(secret);
  });
});
