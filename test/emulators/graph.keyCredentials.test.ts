import { Client } from '@microsoft/microsoft-graph-client';
import { graphClient, graphClientAs } from '../support/clients';
import { testCertificate } from '../support/certificates';
import { useEmulators, useFunctionIdentity } from '../support/emulators';
import { graphFailure } from '../support/sdkErrors';

interface KeyCredential {
  keyId: string;
  customKeyIdentifier: string;
  displayName: string | null;
  startDateTime: string;
  endDateTime: string;
  type: string;
  usage: string;
  key: string | null;
}

/** Key credentials on applications: written with the whole collection, `key` only on `$select`. */
describe('Graph emulator: key credentials through @microsoft/microsoft-graph-client', () => {
  const emulators = useEmulators();
  const functionIdentity = useFunctionIdentity(emulators);
  let mi: Client;
  let appPath: string;

  beforeAll(async () => {
    mi = graphClient(emulators().endpoints, functionIdentity());
    const app = (await mi.api('/applications').post({ displayName: 'with-certificates' })) as { appId: string };
    appPath = `/applications(appId='${app.appId}')`;
  });

  const keyCredentials = async (withKeys: boolean): Promise<KeyCredential[]> =>
    (
      (await (withKeys ? mi.api(appPath).select('keyCredentials') : mi.api(appPath)).get()) as {
        keyCredentials: KeyCredential[];
      }
    ).keyCredentials;

  const entry = (base64: string, extra: Record<string, unknown> = {}) => ({
    type: 'AsymmetricX509Cert',
    usage: 'Verify',
    key: base64,
    ...extra,
  });

  it('adds a certificate by updating the collection; key only on $select; thumbprint as customKeyIdentifier', async () => {
    const cert = testCertificate({ subject: 'orders-1', toDays: 100 });
    const end = new Date(Date.now() + 30 * 24 * 3600 * 1000).toISOString();
    await mi.api(appPath).patch({ keyCredentials: [entry(cert.base64, { endDateTime: end, displayName: 'first' })] });

    const plain = await keyCredentials(false);
    expect(plain).toHaveLength(1);
    expect(plain[0]).toMatchObject({
      customKeyIdentifier: cert.thumbprint,
      displayName: 'first',
      type: 'AsymmetricX509Cert',
      usage: 'Verify',
      key: null,
    });
    expect(plain[0]!.keyId).toMatch(/^[0-9a-f-]{36}$/);
    expect(Date.parse(plain[0]!.endDateTime)).toBe(Date.parse(end));
    const selected = await keyCredentials(true);
    expect(selected[0]!.key).toBe(cert.base64);
    const listed = (await mi.api('/applications').get()) as { value: { keyCredentials: KeyCredential[] }[] };
    expect(listed.value.flatMap((a) => a.keyCredentials).every((c) => c.key === null)).toBe(true);
  });

  it('keeps the existing credentials only when they are sent back unchanged, and removes the ones left out', async () => {
    const existing = await keyCredentials(true);
    const second = testCertificate({ subject: 'orders-2' });
    await mi.api(appPath).patch({ keyCredentials: [...existing, entry(second.base64)] });
    const both = await keyCredentials(true);
    expect(both.map((c) => c.customKeyIdentifier)).toEqual([existing[0]!.customKeyIdentifier, second.thumbprint]);
    expect(both[1]!.displayName).toBe('CN=orders-2');
    expect(Date.parse(both[1]!.endDateTime)).toBe(second.notAfter.getTime());

    const changed = { ...existing[0]!, endDateTime: new Date(Date.now() + 86_400_000).toISOString() };
    const refused = await graphFailure(mi.api(appPath).patch({ keyCredentials: [changed] }));
    expect(refused.statusCode).toBe(400);
    expect(refused.parsed.message).toBe('Update to existing credential with KeyId is not allowed.');

    await mi.api(appPath).patch({ keyCredentials: [both[1]] });
    expect((await keyCredentials(false)).map((c) => c.keyId)).toEqual([both[1]!.keyId]);
  });

  it("refuses an end after the certificate's notAfter, a start before its notBefore, a wrong usage, and no certificate", async () => {
    const cert = testCertificate({ fromDays: -1, toDays: 10 });
    const late = await graphFailure(
      mi.api(appPath).patch({
        keyCredentials: [entry(cert.base64, { endDateTime: new Date(Date.now() + 11 * 86_400_000).toISOString() })],
      }),
    );
    expect(late.statusCode).toBe(400);
    expect(late.parsed).toMatchObject({
      code: 'KeyCredentialsInvalidEndDate',
      message: 'Key credential end date is invalid.',
    });
    const early = await graphFailure(
      mi.api(appPath).patch({
        keyCredentials: [entry(cert.base64, { startDateTime: new Date(Date.now() - 2 * 86_400_000).toISOString() })],
      }),
    );
    expect(early.statusCode).toBe(400);
    const usage = await graphFailure(
      mi.api(appPath).patch({ keyCredentials: [entry(cert.base64, { usage: 'Encrypt' })] }),
    );
    expect(usage.parsed.message).toBe(
      'The value for the property "usage" in one of your credentials is invalid. Acceptable values are Sign, Verify.',
    );
    const garbage = await graphFailure(
      mi.api(appPath).patch({ keyCredentials: [entry(Buffer.from('not a certificate').toString('base64'))] }),
    );
    expect(garbage.statusCode).toBe(400);
  });

  it("refuses OwnedBy a key credential on someone else's app", async () => {
    const cert = testCertificate();
    const payroll = emulators().seed.applications[0]!;
    const refused = await graphFailure(
      mi.api(`/applications(appId='${payroll.appId}')`).patch({ keyCredentials: [entry(cert.base64)] }),
    );
    expect(refused.statusCode).toBe(403);
    const admin = graphClientAs(emulators().endpoints, 'tenantAdmin');
    await admin.api(`/applications(appId='${payroll.appId}')`).patch({ keyCredentials: [entry(cert.base64)] });
  });
});
