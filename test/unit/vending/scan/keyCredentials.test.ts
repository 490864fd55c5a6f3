import { randomBytes, randomUUID } from 'node:crypto';
import { UpstreamUnavailableError } from '../../../../src/vending/errors';
import { MANAGED_BY_TAG } from '../../../../src/vending/issueSecret';
import { KEY_CREDENTIALS, PASSWORD_CREDENTIALS } from '../../../../src/vending/scan/credentialKinds';
import { runScan } from '../../../../src/vending/scan/runScan';
import { VaultIndex } from '../../../../src/vending/scan/vaultIndex';
import { certificateNameFor, secretNameFor } from '../../../../src/vending/secretNaming';
import { DAY_MS } from '../../../../src/vending/units';
import { NOW, requestContext, testCaller } from '../fakes';
import { fakeScan } from './scanFakes';

const iso = (days: number): string => new Date(NOW.getTime() + days * DAY_MS).toISOString();

/** An owned app with key credentials planted as Graph would hold them, certificates as Key Vault would, a ledger. */
function certificateScan(settings: Parameters<typeof fakeScan>[0] = {}, tags: string[] = []) {
  const scan = fakeScan(settings);
  const app = scan.directory.seedApplication('certificates');
  scan.directory.apps.get(app.appId)!.tags.push(...tags);
  scan.linkKeyCredentials(app.appId);
  const keys = () => scan.certificates.directory.apps.get(app.appId)!.keys;
  /** A key credential in slot `displayName` valid `start`..`end` days from now. */
  const plantKey = (displayName: string | null, start: number, end: number, appId = app.appId): string => {
    const keyId = randomUUID();
    scan.certificates.directory.apps.get(appId)!.keys.push({
      keyId,
      displayName,
      thumbprint: randomBytes(20).toString('hex').toUpperCase(),
      startDateTime: iso(start),
      endDateTime: iso(end),
      certificate: 'MIIB',
    });
    return keyId;
  };
  /** A version of the slot's Key Vault certificate, tagged as issueCertificate tags it. */
  const vaultCertificate = (slot: string, keyId: string, createdDays = 0, appId = app.appId) => {
    const name = certificateNameFor(appId, slot);
    const version = randomBytes(16).toString('hex');
    scan.certificates.certificateStore.versions.push({
      name,
      version,
      id: `${scan.certificates.certificateStore.vaultUrl}/certificates/${name}/${version}`,
      enabled: true,
      tags: { ...MANAGED_BY_TAG, appId, keyId, requestedBy: 'someone' },
      createdOn: new Date(iso(createdDays)),
      exportable: false,
    });
    return { name, version };
  };
  /** The ledger's record of this API adding a brought certificate (the addCertificate that completed). */
  const recordAdded = async (keyId: string, displayName: string) => {
    const context = requestContext(testCaller({ roles: ['Admin'] }));
    const journal = await scan.ledger.beginOperation({
      operation: 'addCertificate',
      context: context.trace,
      appId: app.appId,
      keyId,
      credentialDisplayName: displayName,
    });
    await journal.completed({ appId: app.appId, keyId });
  };
  const enabled = (name: string) =>
    scan.certificates.certificateStore.versions.filter((v) => v.name === name).map((v) => v.enabled);
  return { scan, app, keys, plantKey, vaultCertificate, recordAdded, enabled };
}

describe('the expiry scan over key credentials (certificates)', () => {
  it('judges every key credential by the certificate policy, places brought certificates through the ledger, and acts', async () => {
    const t = certificateScan();
    // 251 days: within the certificate maximum (365), though beyond the secrets' (180).
    const healthy = t.plantKey('default', -1, 250);
    t.vaultCertificate('default', healthy);
    const expiring = t.plantKey('ci', -10, 20);
    t.vaultCertificate('ci', expiring);
    const overPolicy = t.plantKey('legacy', -1, 500);
    t.vaultCertificate('legacy', overPolicy);
    const expired = t.plantKey('old', -100, -10);
    const old = t.vaultCertificate('old', expired, -100);
    const handMade = t.plantKey('CN=uploaded on the portal', -30, 60);
    const brought = t.plantKey('partner', -5, 90);
    await t.recordAdded(brought, 'partner');
    const stale = t.vaultCertificate('gone', randomUUID());
    const foreignAppId = randomUUID();
    const foreign = t.vaultCertificate('default', randomUUID(), -30, foreignAppId);

    const report = await runScan(t.scan.deps, { dryRun: false, trigger: 'timer' });

    expect(report.counts).toEqual({
      expired: 1,
      orphaned: 1,
      stale: 2,
      interrupted: 0,
      overPolicy: 1,
      expiring: 1,
      healthy: 2,
    });
    expect(report).toMatchObject({ credentials: 0, keyCredentials: 6, vaultSecrets: 0, vaultCertificates: 6 });
    const byKey = new Map(report.findings.map((f) => [f.keyId, f]));
    expect(byKey.get(expired)).toMatchObject({
      credentialType: 'certificate',
      class: 'expired',
      action: 'removeCredential',
      outcome: 'done',
      certificateName: old.name,
      certificateVersion: old.version,
    });
    expect(byKey.get(expired)).not.toHaveProperty('secretName');
    expect(byKey.get(handMade)).toMatchObject({ class: 'orphaned', action: 'removeCredential', outcome: 'done' });
    expect(byKey.get(expiring)).toMatchObject({ class: 'expiring', action: 'none', credentialType: 'certificate' });
    expect(byKey.get(overPolicy)).toMatchObject({ class: 'overPolicy', action: 'none' });
    expect(report.findings.find((f) => f.certificateName === stale.name)).toMatchObject({
      class: 'stale',
      action: 'disableVersion',
      outcome: 'pending',
      dueDateTime: iso(7),
    });
    expect(report.findings.find((f) => f.appId === foreignAppId)).toMatchObject({
      class: 'stale',
      credentialType: 'certificate',
      certificateName: foreign.name,
      outcome: 'done',
    });
    expect(byKey.has(healthy)).toBe(false);
    expect(byKey.has(brought)).toBe(false);

    // The whole-collection removal kept the others; the expired credential's certificate is disabled, the rest not.
    expect(
      t
        .keys()
        .map((k) => k.keyId)
        .sort(),
    ).toEqual([healthy, expiring, overPolicy, brought].sort());
    expect(t.enabled(old.name)).toEqual([false]);
    expect(t.enabled(foreign.name)).toEqual([false]);
    expect(t.enabled(stale.name)).toEqual([true]);
    expect(t.enabled(certificateNameFor(t.app.appId, 'default'))).toEqual([true]);

    const expiredEvent = t.scan.events.events.find((e) => e.data.keyId === expired)!;
    expect(expiredEvent).toMatchObject({
      type: 'com.entra-app-vending.credential.expired',
      subject: `applications/${t.app.appId}/keyCredentials/${expired}`,
      data: { credentialType: 'certificate', outcome: 'done', certificateName: old.name, runId: report.runId },
    });
    expect(t.scan.events.events).toHaveLength(report.findings.length);
  });

  it('never calls a brought certificate orphaned when the ledger cannot be read, and says so', async () => {
    const t = certificateScan();
    const brought = t.plantKey('partner', -5, 90);
    jest
      .spyOn(t.scan.ledger, 'queryRequests')
      .mockRejectedValue(new UpstreamUnavailableError('ledger down', 503, 5, 'ledger'));
    const report = await runScan(t.scan.deps, { dryRun: false, trigger: 'timer' });
    expect(report.counts.orphaned).toBe(0);
    expect(report.counts.healthy).toBe(1);
    expect(t.keys().map((k) => k.keyId)).toEqual([brought]);
    expect(t.scan.warn).toHaveBeenCalledWith(expect.stringContaining('could not read the ledger'), {
      appId: t.app.appId,
      code: 'UpstreamUnavailable',
    });
  });

  it('reads the ledger only for apps with a key credential no certificate backs', async () => {
    const t = certificateScan();
    t.vaultCertificate('default', t.plantKey('default', -1, 90));
    const spy = jest.spyOn(t.scan.ledger, 'queryRequests');
    await runScan(t.scan.deps, { dryRun: true, trigger: 'cli' });
    expect(spy).not.toHaveBeenCalled();
  });

  it('removes an expired brought certificate without touching the vault, and keeps every other key credential', async () => {
    const t = certificateScan();
    const brought = t.plantKey('partner', -100, -10);
    await t.recordAdded(brought, 'partner');
    const kept = t.plantKey('default', -1, 90);
    t.vaultCertificate('default', kept);
    const report = await runScan(t.scan.deps, { dryRun: false, trigger: 'timer' });
    expect(report.findings).toEqual([
      expect.objectContaining({ keyId: brought, class: 'expired', outcome: 'done', credentialType: 'certificate' }),
    ]);
    expect(t.keys().map((k) => k.keyId)).toEqual([kept]);
    expect(t.scan.certificates.order().filter((m) => m === 'certificateStore.disableVersion')).toEqual([]);
  });

  it('a dry run changes nothing: no key credential removed, no certificate disabled, no event', async () => {
    const t = certificateScan();
    t.vaultCertificate('old', t.plantKey('old', -100, -10), -100);
    t.plantKey('hand-made', -30, 60);
    t.vaultCertificate('gone', randomUUID(), -30);
    const before = JSON.stringify(t.keys()) + JSON.stringify(t.scan.certificates.certificateStore.versions);
    const report = await runScan(t.scan.deps, { dryRun: true, trigger: 'api' });
    expect(JSON.stringify(t.keys()) + JSON.stringify(t.scan.certificates.certificateStore.versions)).toBe(before);
    expect(report.findings.map((f) => f.outcome)).toEqual(['dryRun', 'dryRun', 'dryRun']);
    expect(t.scan.events.events).toEqual([]);
  });

  it('honours the switches and leaves a key credential a running request is adding alone', async () => {
    const t = certificateScan({ actions: new Set(['removeOrphaned', 'events']) });
    const expired = t.plantKey('old', -100, -10);
    const handMade = t.plantKey('hand-made', -30, 60);
    const adding = t.plantKey('new', -30, 60);
    const stale = t.vaultCertificate('gone', randomUUID(), -30);
    // An addCertificate written ahead a minute ago and not finished: its request may still be running.
    await t.scan.ledger.beginOperation({
      operation: 'addCertificate',
      context: { ...requestContext(testCaller()).trace, receivedAt: new Date(NOW.getTime() - 60_000) },
      appId: t.app.appId,
      keyId: adding,
      credentialDisplayName: 'new',
    });
    const report = await runScan(t.scan.deps, { dryRun: false, trigger: 'timer' });
    const outcome = (keyId: string) => report.findings.find((f) => f.keyId === keyId)?.outcome;
    expect(outcome(expired)).toBe('switchedOff');
    expect(outcome(handMade)).toBe('done');
    expect(outcome(adding)).toBe('inFlight');
    expect(report.findings.find((f) => f.certificateName === stale.name)?.outcome).toBe('switchedOff');
    expect(
      t
        .keys()
        .map((k) => k.keyId)
        .sort(),
    ).toEqual([expired, adding].sort());
  });

  it('tells an interrupted certificate operation as a certificate finding', async () => {
    const t = certificateScan();
    const keyId = randomUUID();
    await t.scan.ledger.beginOperation({
      operation: 'addCertificate',
      context: { ...requestContext(testCaller()).trace, receivedAt: new Date(NOW.getTime() - 60 * 60_000) },
      appId: t.app.appId,
      keyId,
      credentialDisplayName: 'default',
    });
    const report = await runScan(t.scan.deps, { dryRun: false, trigger: 'timer' });
    expect(report.findings).toEqual([
      expect.objectContaining({ keyId, class: 'interrupted', credentialType: 'certificate', resolution: 'notFound' }),
    ]);
    expect(t.scan.events.events[0]?.subject).toBe(`applications/${t.app.appId}/keyCredentials/${keyId}`);
  });

  it('does not rotate certificates in a slot opted in to rotation: it tells', async () => {
    const t = certificateScan({}, ['vending:rotate:*']);
    const expiring = t.plantKey('default', -80, 10);
    t.vaultCertificate('default', expiring, -80);
    const report = await runScan(t.scan.deps, { dryRun: false, trigger: 'timer' });
    expect(report.findings).toEqual([
      expect.objectContaining({ keyId: expiring, class: 'expiring', action: 'none', outcome: 'none' }),
    ]);
    expect(t.scan.certificates.order().filter((m) => m === 'certificateStore.create')).toEqual([]);
  });
});

describe('VaultIndex', () => {
  it('keeps the objects of its own kind: a certificate’s own secret is not a client-secret slot', () => {
    const appId = randomUUID();
    const tags = { ...MANAGED_BY_TAG, appId, keyId: randomUUID() };
    const summary = (name: string) => ({ name, enabled: true, tags, createdOn: NOW });
    const secrets = new VaultIndex(PASSWORD_CREDENTIALS);
    const certificates = new VaultIndex(KEY_CREDENTIALS);
    for (const index of [secrets, certificates]) {
      index.add(summary(secretNameFor(appId, 'default')));
      index.add(summary(certificateNameFor(appId, 'default')));
    }
    expect(secrets.takeAppSlots(appId).map((s) => s.name)).toEqual([secretNameFor(appId, 'default')]);
    expect(certificates.takeAppSlots(appId).map((s) => s.name)).toEqual([certificateNameFor(appId, 'default')]);
  });
});
