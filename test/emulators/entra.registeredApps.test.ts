import { createHash, randomUUID, sign } from 'node:crypto';
import { ClientAssertionCredential, ClientCertificateCredential, ClientSecretCredential } from '@azure/identity';
import { Client } from '@microsoft/microsoft-graph-client';
import { graphClient } from '../support/clients';
import { testCertificate, TestCertificate } from '../support/certificates';
import { control, useEmulators, useFunctionIdentity } from '../support/emulators';

const GRAPH = 'https://graph.microsoft.com/.default';

/** Apps created through the Graph emulator sign in at the Entra emulator with their own secrets and certificates. */
describe('Entra emulator: sign-in with credentials vended through Graph, through @azure/identity', () => {
  const emulators = useEmulators();
  const functionIdentity = useFunctionIdentity(emulators);
  let graph: Client;

  beforeAll(() => {
    graph = graphClient(emulators().endpoints, functionIdentity());
  });

  const authority = () => ({
    authorityHost: emulators().endpoints.entra.authorityHost,
    disableInstanceDiscovery: true,
  });

  async function newApp(servicePrincipal = true): Promise<{ appId: string; spId: string | undefined }> {
    const app = (await graph.api('/applications').post({ displayName: `signer-${randomUUID()}` })) as { appId: string };
    const sp = servicePrincipal
      ? ((await graph.api('/servicePrincipals').post({ appId: app.appId })) as { id: string })
      : undefined;
    return { appId: app.appId, spId: sp?.id };
  }

  async function addPassword(appId: string, endDateTime?: string): Promise<{ keyId: string; secretText: string }> {
    return (await graph
      .api(`/applications(appId='${appId}')/addPassword`)
      .post({ passwordCredential: { displayName: 'ci', ...(endDateTime ? { endDateTime } : {}) } })) as {
      keyId: string;
      secretText: string;
    };
  }

  async function addCertificate(appId: string, cert: TestCertificate, extra: Record<string, unknown> = {}) {
    await graph
      .api(`/applications(appId='${appId}')`)
      .patch({ keyCredentials: [{ type: 'AsymmetricX509Cert', usage: 'Verify', key: cert.base64, ...extra }] });
  }

  const secretToken = (appId: string, secret: string) =>
    new ClientSecretCredential(emulators().endpoints.tenantId, appId, secret, authority()).getToken(GRAPH);

  function claimsOf(token: string): Record<string, unknown> {
    return JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8')) as Record<string, unknown>;
  }

  /** A client assertion as ClientAssertionCredential callers build it, RS256 with the SHA-1 `x5t`. */
  function assertion(appId: string, cert: TestCertificate, claims: Record<string, unknown> = {}): string {
    const der = Buffer.from(cert.base64, 'base64');
    const header = { alg: 'RS256', typ: 'JWT', x5t: createHash('sha1').update(der).digest('base64url') };
    const now = Math.floor(Date.now() / 1000);
    const payload = {
      aud: `${emulators().endpoints.entra.authorityHost}/${emulators().endpoints.tenantId}/oauth2/v2.0/token`,
      iss: appId,
      sub: appId,
      jti: randomUUID(),
      nbf: now,
      exp: now + 300,
      ...claims,
    };
    const input = `${Buffer.from(JSON.stringify(header)).toString('base64url')}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}`;
    return `${input}.${sign('sha256', Buffer.from(input), cert.privateKeyPem).toString('base64url')}`;
  }

  const assertionToken = (appId: string, jwt: string) =>
    new ClientAssertionCredential(
      emulators().endpoints.tenantId,
      appId,
      () => Promise.resolve(jwt),
      authority(),
    ).getToken(GRAPH);

  it('issues a token to an app signing in with a secret Graph vended, as its service principal with no roles', async () => {
    const { appId, spId } = await newApp();
    const { secretText } = await addPassword(appId);
    const token = await secretToken(appId, secretText);
    expect(claimsOf(token.token)).toMatchObject({ appid: appId, oid: spId, aud: 'https://graph.microsoft.com' });
    expect(claimsOf(token.token).roles).toBeUndefined();
    await expect(
      graphClient(emulators().endpoints, {
        getToken: () => Promise.resolve(token),
      })
        .api('/applications')
        .get(),
    ).rejects.toMatchObject({ statusCode: 403 });
  });

  it('refuses a wrong secret (7000215), a removed one (7000215), an expired one (7000222), an app without a service principal (7000229)', async () => {
    const { appId } = await newApp();
    const { keyId, secretText } = await addPassword(appId);
    await expect(secretToken(appId, `${secretText}x`)).rejects.toThrow(/AADSTS7000215/);
    await graph.api(`/applications(appId='${appId}')/removePassword`).post({ keyId });
    await expect(secretToken(appId, secretText)).rejects.toThrow(/AADSTS7000215/);

    const orphan = await newApp(false);
    const orphanSecret = await addPassword(orphan.appId);
    await expect(secretToken(orphan.appId, orphanSecret.secretText)).rejects.toThrow(/AADSTS7000229/);
  });

  it('signs in with a certificate as ClientCertificateCredential sends it (PS256, x5t#S256) and ClientAssertionCredential (RS256, x5t)', async () => {
    const { appId } = await newApp();
    const cert = testCertificate();
    await addCertificate(appId, cert);
    const viaCertificate = await new ClientCertificateCredential(
      emulators().endpoints.tenantId,
      appId,
      { certificate: `${cert.privateKeyPem}${cert.pem}` },
      authority(),
    ).getToken(GRAPH);
    expect(claimsOf(viaCertificate.token).appid).toBe(appId);
    const viaAssertion = await assertionToken(appId, assertion(appId, cert));
    expect(claimsOf(viaAssertion.token).appid).toBe(appId);
  });

  it('refuses assertions that are expired (700024), for another audience (700023) or client (700021), unregistered or badly signed (700027)', async () => {
    const { appId } = await newApp();
    const cert = testCertificate();
    await addCertificate(appId, cert);
    const past = Math.floor(Date.now() / 1000) - 3600;
    await expect(assertionToken(appId, assertion(appId, cert, { nbf: past - 600, exp: past }))).rejects.toThrow(
      /AADSTS700024: Client assertion is not within its valid time range/,
    );
    await expect(assertionToken(appId, assertion(appId, cert, { aud: 'https://elsewhere/token' }))).rejects.toThrow(
      /AADSTS700023/,
    );
    await expect(assertionToken(appId, assertion(appId, cert, { iss: randomUUID() }))).rejects.toThrow(/AADSTS700021/);
    const stranger = testCertificate();
    await expect(assertionToken(appId, assertion(appId, stranger))).rejects.toThrow(
      /AADSTS700027: .*The key was not found/,
    );
    const forged = { ...cert, privateKeyPem: stranger.privateKeyPem };
    await expect(assertionToken(appId, assertion(appId, forged))).rejects.toThrow(
      /AADSTS700027: .*did not match the expected signature value/,
    );
  });

  it("refuses a key credential outside its window and an expired secret, on the directory's clock", async () => {
    const { appId } = await newApp();
    const cert = testCertificate();
    const soon = new Date(Date.now() + 3600_000).toISOString();
    await addCertificate(appId, cert, { endDateTime: soon });
    const { secretText } = await addPassword(appId, soon);
    await control(emulators().endpoints.graph.control, 'POST', 'clock', { advanceMs: 2 * 3600_000 });
    await expect(assertionToken(appId, assertion(appId, cert))).rejects.toThrow(
      /AADSTS700027: .*The key used is expired/,
    );
    await expect(secretToken(appId, secretText)).rejects.toThrow(
      /AADSTS7000222: The provided client secret keys for app/,
    );
  });
});
