import { randomUUID } from 'node:crypto';
import { createApplication } from '../../../src/vending/createApplication';
import { issueCertificate } from '../../../src/vending/issueCertificate';
import { MANAGED_BY_TAG } from '../../../src/vending/issueSecret';
import { certificateNameFor } from '../../../src/vending/secretNaming';
import { testCertificate } from '../../support/certificates';
import { graphClientAs } from '../../support/clients';
import { useEmulators, useFunctionIdentity } from '../../support/emulators';
import { useLedgerStorage } from '../../support/ledger';
import { CALLER, DAY_MS, startScanHarness } from '../../support/scanHarness';

describe('the expiry scan over key credentials and Key Vault certificates, against the emulators and Azurite', () => {
  const emulators = useEmulators();
  const azurite = useLedgerStorage(emulators);
  useFunctionIdentity(emulators);
  let harness: ReturnType<typeof startScanHarness>;
  const planted: Record<string, string> = {};
  let appId: string;
  let foreignAppId: string;

  /** Adds a key credential through Graph as someone outside this API would: no ledger record, no vault certificate. */
  const plantKey = async (displayName: string, startDays: number, endDays: number): Promise<string> => {
    const certificate = testCertificate({ fromDays: startDays - 10, toDays: endDays + 10 });
    const keyId = randomUUID();
    const day = (days: number) => new Date(harness.now().getTime() + days * DAY_MS);
    await harness.services.certificates.directory.addKeyCredential(appId, {
      keyId,
      displayName,
      thumbprint: certificate.thumbprint,
      certificate: certificate.base64,
      startDateTime: day(startDays),
      endDateTime: day(endDays),
    });
    return keyId;
  };
  const keyIdsOnApp = async (): Promise<string[]> => {
    const app = (await graphClientAs(emulators().endpoints, 'tenantAdmin')
      .api(`/applications(appId='${appId}')`)
      .select(['keyCredentials'])
      .get()) as { keyCredentials: { keyId: string }[] };
    return app.keyCredentials.map((k) => k.keyId).sort();
  };
  const certificateState = async (name: string): Promise<boolean[]> =>
    (await harness.services.certificates.certificateStore.listVersions(name)).map((v) => v.enabled);
  const slots = () => [
    certificateNameFor(appId, 'default'),
    certificateNameFor(appId, 'ci'),
    certificateNameFor(appId, 'gone'),
    certificateNameFor(foreignAppId, 'default'),
  ];
  const state = async () => [await keyIdsOnApp(), ...(await Promise.all(slots().map(certificateState)))];

  beforeAll(async () => {
    harness = startScanHarness(emulators(), azurite());
    const { certificates } = harness.services;
    const created = await createApplication(harness.services.vending, { displayName: 'certificates' }, CALLER);
    appId = created.application.appId;
    const issue = async (displayName: string, lifetimeDays: number, certificate?: string) =>
      (
        await issueCertificate(
          certificates,
          appId,
          { displayName, lifetimeDays, ...(certificate ? { certificate } : {}) },
          // A request of its own each: the ledger keeps one record per request.
          { ...CALLER, trace: { ...CALLER.trace, correlationId: randomUUID(), receivedAt: harness.now() } },
        )
      ).keyId;
    planted.healthy = await issue('default', 90);
    planted.expiring = await issue('ci', 20);
    // Brought through the API: no Key Vault certificate, and still this API's (the ledger records adding it).
    planted.brought = await issue('partner', 90, testCertificate({ fromDays: -1, toDays: 400 }).base64);
    planted.orphaned = await plantKey('CN=uploaded on the portal', -30, 60);
    planted.expired = await plantKey('old', -90, -10);
    planted.stale = await issue('gone', 30);
    await certificates.directory.removeKeyCredential(appId, planted.stale);
    foreignAppId = randomUUID();
    planted.foreign = randomUUID();
    await certificates.certificateStore.create(certificateNameFor(foreignAppId, 'default'), {
      subject: `CN=${foreignAppId}`,
      exportable: false,
      keySize: 2048,
      validityInMonths: 1,
      tags: { ...MANAGED_BY_TAG, appId: foreignAppId, keyId: planted.foreign },
    });
  });

  it('a dry run reports every class of key credential and certificate and changes nothing', async () => {
    const before = await state();
    const report = await harness.services.scan.run({ dryRun: true, trigger: 'cli' });
    // Healthy: two certificates, and the app's first secret.
    expect(report.counts).toMatchObject({ expired: 1, orphaned: 1, stale: 2, overPolicy: 0, expiring: 1, healthy: 3 });
    expect(report).toMatchObject({ credentials: 1, keyCredentials: 5, vaultSecrets: 1, vaultCertificates: 4 });
    expect(report.findings.find((f) => f.keyId === planted.expired)?.outcome).toBe('dryRun');
    expect(await state()).toEqual(before);
    expect(await harness.drainEvents()).toEqual([]);
  });

  it('removes the expired and the orphaned key credential, keeping the others, and tells each finding', async () => {
    await harness.runTimer();
    const report = (await harness.services.scan.latest())!;
    expect(report.counts).toEqual({
      expired: 1,
      orphaned: 1,
      stale: 2,
      interrupted: 0,
      overPolicy: 0,
      expiring: 1,
      healthy: 3,
    });
    const finding = (keyId: string) => report.findings.find((f) => f.keyId === keyId);
    expect(finding(planted.expired!)).toMatchObject({
      credentialType: 'certificate',
      class: 'expired',
      action: 'removeCredential',
      outcome: 'done',
    });
    expect(finding(planted.orphaned!)).toMatchObject({ class: 'orphaned', outcome: 'done' });
    expect(finding(planted.expiring!)).toMatchObject({
      class: 'expiring',
      action: 'none',
      certificateName: certificateNameFor(appId, 'ci'),
    });
    expect(finding(planted.stale!)).toMatchObject({ class: 'stale', action: 'disableVersion', outcome: 'pending' });
    expect(finding(planted.foreign!)).toMatchObject({ class: 'stale', appId: foreignAppId, outcome: 'pending' });
    expect(finding(planted.healthy!)).toBeUndefined();
    expect(finding(planted.brought!)).toBeUndefined();
    // One owned-apps page; each removal one read and one write of the whole collection; one read of the foreign app.
    expect(report.usage.graph.calls).toBe(6);

    expect(await keyIdsOnApp()).toEqual([planted.healthy, planted.expiring, planted.brought].sort());

    const events = await harness.drainEvents();
    expect(events).toHaveLength(report.findings.length);
    expect(events.find((e) => e.data.keyId === planted.expired)).toMatchObject({
      type: 'com.entra-app-vending.credential.expired',
      subject: `applications/${appId}/keyCredentials/${planted.expired}`,
      data: { credentialType: 'certificate', class: 'expired', outcome: 'done', runId: report.runId },
    });
    expect(events.find((e) => e.data.keyId === planted.orphaned)).toMatchObject({
      type: 'com.entra-app-vending.credential.orphaned',
      data: { credentialType: 'certificate', action: 'removeCredential' },
    });
  });

  it('disables stale certificates once the grace period has passed', async () => {
    await harness.advance(8 * DAY_MS);
    await harness.runTimer();
    const report = (await harness.services.scan.latest())!;
    expect(report.findings.find((f) => f.keyId === planted.stale)).toMatchObject({
      outcome: 'done',
      certificateName: certificateNameFor(appId, 'gone'),
    });
    expect(report.findings.find((f) => f.keyId === planted.foreign)).toMatchObject({ outcome: 'done' });
    expect(await certificateState(certificateNameFor(appId, 'gone'))).toEqual([false]);
    expect(await certificateState(certificateNameFor(foreignAppId, 'default'))).toEqual([false]);
    expect(await certificateState(certificateNameFor(appId, 'default'))).toEqual([true]);
    const events = await harness.drainEvents();
    expect(events.find((e) => e.data.keyId === planted.stale)).toMatchObject({
      type: 'com.entra-app-vending.credential.stale',
      subject: `applications/${appId}/keyCredentials/${planted.stale}`,
      data: { credentialType: 'certificate', action: 'disableVersion', outcome: 'done' },
    });
  });

  it('removes a Key Vault certificate’s key credential once expired past the grace, and disables the certificate', async () => {
    await harness.advance(20 * DAY_MS); // 28 days in: 'ci' ended at day 20, due at day 27
    await harness.runTimer();
    const report = (await harness.services.scan.latest())!;
    expect(report.findings.find((f) => f.keyId === planted.expiring)).toMatchObject({
      class: 'expired',
      outcome: 'done',
      certificateName: certificateNameFor(appId, 'ci'),
    });
    expect(await keyIdsOnApp()).toEqual([planted.healthy, planted.brought].sort());
    expect(await certificateState(certificateNameFor(appId, 'ci'))).toEqual([false]);
    expect(report.counts).toMatchObject({ orphaned: 0, healthy: 3 });
  });
});
