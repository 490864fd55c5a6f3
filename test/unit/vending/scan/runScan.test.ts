import { randomUUID } from 'node:crypto';
import { OperationUnfinishedError, UpstreamUnavailableError } from '../../../../src/vending/errors';
import { issueSecret, MANAGED_BY_TAG } from '../../../../src/vending/issueSecret';
import { revokeSecret } from '../../../../src/vending/revokeSecret';
import { runScan } from '../../../../src/vending/scan/runScan';
import { ScanInProgressError } from '../../../../src/vending/scan/scanErrors';
import { secretNameFor } from '../../../../src/vending/secretNaming';
import { DAY_MS } from '../../../../src/vending/units';
import { NOW, requestContext, testCaller } from '../fakes';
import { fakeScan } from './scanFakes';

/** Plants as an Admin (any app this identity owns). */
const CALLER = requestContext(testCaller({ roles: ['Admin'] }));
const iso = (offsetMs: number): string => new Date(NOW.getTime() + offsetMs).toISOString();

/** An app with one credential of every class, and a vault secret of an app this identity does not own. */
async function plantEveryClass(scan: ReturnType<typeof fakeScan>) {
  const { directory, secretStore, deps } = scan;
  const vending = { ...deps, expiringWithinDays: 30, warn: scan.warn };
  const app = directory.seedApplication('every-class');
  const issue = (displayName: string, lifetimeDays: number) =>
    issueSecret(vending, app.appId, { displayName, lifetimeDays }, CALLER);
  const plant = async (displayName: string, start: number, end: number, store: boolean) => {
    const keyId = randomUUID();
    directory.apps.get(app.appId)!.passwordCredentials.push({
      keyId,
      displayName,
      hint: 'abc',
      startDateTime: iso(start),
      endDateTime: iso(end),
    });
    if (store)
      await secretStore.put(secretNameFor(app.appId, displayName), 'value', {
        contentType: 'text/plain',
        notBefore: new Date(iso(start)),
        expiresOn: new Date(iso(end)),
        tags: { ...MANAGED_BY_TAG, appId: app.appId, keyId },
      });
    return keyId;
  };
  const healthy = (await issue('default', 90)).keyId;
  const expiring = (await issue('ci', 20)).keyId;
  const overPolicy = await plant('legacy', -DAY_MS, 729 * DAY_MS, true);
  const expired = await plant('old', -100 * DAY_MS, -10 * DAY_MS, true);
  const orphaned = await plant('portal secret', -30 * DAY_MS, 60 * DAY_MS, false);
  const stale = (await issue('gone', 30)).keyId;
  await directory.removePassword(app.appId, stale);
  const foreignAppId = randomUUID();
  const foreignKeyId = randomUUID();
  await secretStore.put(secretNameFor(foreignAppId, 'default'), 'value', {
    contentType: 'text/plain',
    notBefore: NOW,
    expiresOn: new Date(iso(30 * DAY_MS)),
    tags: { ...MANAGED_BY_TAG, appId: foreignAppId, keyId: foreignKeyId },
  });
  directory.calls.length = 0;
  secretStore.calls.length = 0;
  return { app, healthy, expiring, overPolicy, expired, orphaned, stale, foreignAppId, foreignKeyId };
}

describe('runScan', () => {
  it('classifies every credential and product-written version, acts on what is due and tells each finding', async () => {
    const scan = fakeScan();
    const planted = await plantEveryClass(scan);

    const report = await runScan(scan.deps, { dryRun: false, trigger: 'timer' });

    expect(report.counts).toEqual({
      expired: 1,
      orphaned: 1,
      stale: 2,
      interrupted: 0,
      overPolicy: 1,
      expiring: 1,
      healthy: 1,
    });
    expect(report).toMatchObject({ applications: 1, credentials: 5, vaultSecrets: 6, dryRun: false });
    const byKey = new Map(report.findings.map((f) => [f.keyId, f]));
    expect(byKey.get(planted.expired)).toMatchObject({ class: 'expired', action: 'removeCredential', outcome: 'done' });
    expect(byKey.get(planted.orphaned)).toMatchObject({
      class: 'orphaned',
      action: 'removeCredential',
      outcome: 'done',
    });
    expect(byKey.get(planted.expiring)).toMatchObject({ class: 'expiring', action: 'none', outcome: 'none' });
    expect(byKey.get(planted.overPolicy)).toMatchObject({ class: 'overPolicy', action: 'none', outcome: 'none' });
    expect(byKey.get(planted.stale)).toMatchObject({
      class: 'stale',
      action: 'disableVersion',
      outcome: 'pending',
      dueDateTime: iso(7 * DAY_MS),
    });
    expect(byKey.get(planted.foreignKeyId)).toMatchObject({ class: 'stale', appId: planted.foreignAppId });
    expect(byKey.has(planted.healthy)).toBe(false);

    // Removed from the app, and the expired credential's vault version disabled.
    const left = scan.directory.apps.get(planted.app.appId)!.passwordCredentials.map((c) => c.keyId);
    expect(left.sort()).toEqual([planted.healthy, planted.expiring, planted.overPolicy].sort());
    const oldVersions = scan.secretStore.secrets.get(secretNameFor(planted.app.appId, 'old'))!;
    expect(oldVersions.map((v) => v.enabled)).toEqual([false]);

    // One event per finding, typed by class, with a stable id.
    expect(scan.events.events).toHaveLength(report.findings.length);
    const expiredEvent = scan.events.events.find((e) => e.data.keyId === planted.expired)!;
    expect(expiredEvent).toMatchObject({
      type: 'com.entra-app-vending.credential.expired',
      subject: `applications/${planted.app.appId}/passwordCredentials/${planted.expired}`,
      data: { runId: report.runId, applicationDisplayName: 'every-class', outcome: 'done' },
    });
    expect(scan.store.reports).toEqual([report]);
    expect(scan.store.lock).toBeUndefined();
  });

  it('reads the vault list once and version lists only where a decision needs them', async () => {
    const scan = fakeScan();
    const planted = await plantEveryClass(scan);
    await runScan(scan.deps, { dryRun: true, trigger: 'cli' });
    expect(scan.secretStore.callsTo('secretPages')).toHaveLength(1);
    // The expired credential's slot (its version is disabled), the slot whose credential is gone, the foreign slot.
    expect(
      scan.secretStore
        .callsTo('listVersions')
        .map((args) => args[0])
        .sort(),
    ).toEqual(
      [
        secretNameFor(planted.app.appId, 'old'),
        secretNameFor(planted.app.appId, 'gone'),
        secretNameFor(planted.foreignAppId, 'default'),
      ].sort(),
    );
    expect(scan.directory.callsTo('ownedApplicationPages')).toHaveLength(1);
    // One read of the foreign app covers its secrets and certificates; the certificate list is read once too.
    expect(scan.directory.callsTo('findAllCredentials')).toEqual([[planted.foreignAppId]]);
    expect(scan.certificates.order().filter((m) => m === 'certificateStore.certificatePages')).toHaveLength(1);
  });

  it('pages through the owned apps and renews its lease after each page', async () => {
    const scan = fakeScan();
    scan.directory.pageSize = 2;
    for (let i = 0; i < 5; i++) scan.directory.seedApplication(`app-${i}`);
    const report = await runScan(scan.deps, { dryRun: false, trigger: 'timer' });
    expect(report.applications).toBe(5);
    expect(scan.directory.callsTo('ownedApplicationPages')).toHaveLength(3);
    expect(scan.store.renewals).toBe(4); // three pages and the report
    expect(report.usage.graph.calls).toBe(3);
  });

  it('a dry run changes nothing: no lock, no write, no event, no stored report', async () => {
    const scan = fakeScan();
    await plantEveryClass(scan);
    const before = JSON.stringify([...scan.directory.apps.values()]) + JSON.stringify([...scan.secretStore.secrets]);

    const report = await runScan(scan.deps, { dryRun: true, trigger: 'api' });

    expect(JSON.stringify([...scan.directory.apps.values()]) + JSON.stringify([...scan.secretStore.secrets])).toBe(
      before,
    );
    const writes = ['addPassword', 'removePassword'].flatMap((m) => scan.directory.callsTo(m as 'addPassword'));
    expect(writes).toEqual([]);
    expect([...scan.secretStore.callsTo('put'), ...scan.secretStore.callsTo('disableVersion')]).toEqual([]);
    expect(scan.events.events).toEqual([]);
    expect(scan.store.reports).toEqual([]);
    expect(new Set(report.findings.map((f) => f.outcome))).toEqual(new Set(['none', 'dryRun', 'pending']));
    expect(report.dryRun).toBe(true);
  });

  it('leaves switched-off actions alone and sends no events when events are off', async () => {
    const scan = fakeScan({ actions: new Set(['removeOrphaned']) });
    const planted = await plantEveryClass(scan);
    const report = await runScan(scan.deps, { dryRun: false, trigger: 'timer' });
    const outcome = (keyId: string) => report.findings.find((f) => f.keyId === keyId)?.outcome;
    expect(outcome(planted.expired)).toBe('switchedOff');
    expect(outcome(planted.orphaned)).toBe('done');
    expect(outcome(planted.stale)).toBe('switchedOff');
    expect(scan.events.events).toEqual([]);
  });

  it('waits out the grace period before removing', async () => {
    const scan = fakeScan({ graceDays: 40 });
    const planted = await plantEveryClass(scan);
    const report = await runScan(scan.deps, { dryRun: false, trigger: 'timer' });
    expect(report.findings.find((f) => f.keyId === planted.expired)).toMatchObject({
      outcome: 'pending',
      dueDateTime: iso(30 * DAY_MS),
    });
    expect(report.findings.find((f) => f.keyId === planted.orphaned)).toMatchObject({
      outcome: 'pending',
      dueDateTime: iso(10 * DAY_MS),
    });
    expect(scan.directory.callsTo('removePassword')).toEqual([]);
  });

  it("removing a slot's newest credential brings the previous live one back behind the versionless reference", async () => {
    const scan = fakeScan();
    const { directory, secretStore, deps } = scan;
    const app = directory.seedApplication('slot');
    const live = await issueSecret({ ...deps, expiringWithinDays: 30, warn: scan.warn }, app.appId, {}, CALLER);
    // A newer credential of the same slot, long expired (a short one issued after the long one): its version is the
    // slot's latest, so the versionless reference serves it until the scan removes it.
    const expiredKeyId = randomUUID();
    directory.apps.get(app.appId)!.passwordCredentials.push({
      keyId: expiredKeyId,
      displayName: 'default',
      hint: 'abc',
      startDateTime: iso(-40 * DAY_MS),
      endDateTime: iso(-20 * DAY_MS),
    });
    const name = secretNameFor(app.appId, 'default');
    await secretStore.put(name, 'expired value', {
      contentType: 'text/plain',
      notBefore: new Date(iso(-40 * DAY_MS)),
      expiresOn: new Date(iso(-20 * DAY_MS)),
      tags: { ...MANAGED_BY_TAG, appId: app.appId, keyId: expiredKeyId },
    });

    const report = await runScan(scan.deps, { dryRun: false, trigger: 'timer' });
    expect(report.findings.find((f) => f.keyId === expiredKeyId)).toMatchObject({ class: 'expired', outcome: 'done' });
    const current = await secretStore.currentVersion(name);
    expect(current?.enabled).toBe(true);
    const versions = await secretStore.listVersions(name);
    const served = versions.find((v) => v.version === current?.version);
    expect(served?.tags).toMatchObject({ keyId: live.keyId, restoredFrom: live.keyVault.version });
  });

  it('records a failed action and goes on with the others', async () => {
    const scan = fakeScan();
    const planted = await plantEveryClass(scan);
    scan.directory.failOn('removePassword', new UpstreamUnavailableError('busy', 429, 5, 'graph'));
    const report = await runScan(scan.deps, { dryRun: false, trigger: 'timer' });
    expect(report.findings.find((f) => f.keyId === planted.expired)).toMatchObject({
      outcome: 'failed',
      error: 'UpstreamUnavailable',
    });
    expect(report.outcomes.failed).toBe(2);
    expect(scan.warn).toHaveBeenCalledWith(
      expect.stringContaining('action failed'),
      expect.objectContaining({ keyId: planted.expired, code: 'UpstreamUnavailable' }),
    );
    expect(scan.store.reports).toHaveLength(1);
  });

  it('counts events the queue refused and still stores the report', async () => {
    const scan = fakeScan();
    await plantEveryClass(scan);
    scan.events.failNext = true;
    const report = await runScan(scan.deps, { dryRun: false, trigger: 'timer' });
    expect(report.events.failed).toBeGreaterThan(0);
    expect(scan.store.reports).toHaveLength(1);
  });

  it('finishes an unfinished revocation at once: its request has answered, so it is not in flight however young', async () => {
    const scan = fakeScan();
    const app = scan.directory.seedApplication('revoked');
    const vending = { ...scan.deps, expiringWithinDays: 30, warn: scan.warn };
    const issued = await issueSecret(vending, app.appId, { displayName: 'default', lifetimeDays: 30 }, CALLER);
    scan.secretStore.failOn('disableVersion', new UpstreamUnavailableError('busy', 503, 5, 'keyVault'));
    await expect(revokeSecret(vending, app.appId, issued.keyId, CALLER)).rejects.toBeInstanceOf(
      OperationUnfinishedError,
    );
    scan.secretStore.recover('disableVersion');
    scan.setNow(NOW.getTime() + 60_000); // a minute later: well within IN_FLIGHT_MS
    const report = await runScan(scan.deps, { dryRun: false, trigger: 'timer' });
    expect(report.findings.find((f) => f.class === 'interrupted')).toMatchObject({
      operation: 'revokeSecret',
      keyId: issued.keyId,
      outcome: 'done',
      resolution: 'completed',
    });
    const name = secretNameFor(app.appId, 'default');
    expect(scan.secretStore.secrets.get(name)!.map((v) => v.enabled)).toEqual([false]);
    expect(scan.ledger.open.size).toBe(0);
  });

  it('refuses to run while another run holds the lock; a dry run needs no lock', async () => {
    const scan = fakeScan();
    await scan.store.acquireLock('other', NOW, 60_000);
    await expect(runScan(scan.deps, { dryRun: false, trigger: 'api' })).rejects.toBeInstanceOf(ScanInProgressError);
    await expect(runScan(scan.deps, { dryRun: true, trigger: 'api' })).resolves.toMatchObject({ dryRun: true });
    scan.setNow(NOW.getTime() + 60_001);
    await expect(runScan(scan.deps, { dryRun: false, trigger: 'api' })).resolves.toMatchObject({ dryRun: false });
  });
});

describe('runScan rotation', () => {
  async function optedInApp(scan: ReturnType<typeof fakeScan>, tags: string[]) {
    const app = scan.directory.seedApplication('rotating');
    scan.directory.apps.get(app.appId)!.tags = tags;
    const vending = { ...scan.deps, expiringWithinDays: 30, warn: scan.warn };
    const first = await issueSecret(vending, app.appId, { displayName: 'default', lifetimeDays: 30 }, CALLER);
    return { app, first };
  }

  it('rotates an expiring credential into a new version of its slot, then removes it after the overlap', async () => {
    const scan = fakeScan();
    const { app, first } = await optedInApp(scan, ['vending:owner:someone', 'vending:rotate:*']);
    const name = secretNameFor(app.appId, 'default');

    // A 30-day credential is "expiring" from birth (window 30 days): it is rotated from half its life on.
    scan.setNow(NOW.getTime() + 5 * DAY_MS);
    const early = await runScan(scan.deps, { dryRun: false, trigger: 'timer' });
    expect(early.findings).toEqual([
      expect.objectContaining({
        keyId: first.keyId,
        action: 'rotate',
        outcome: 'pending',
        dueDateTime: iso(15 * DAY_MS),
      }),
    ]);

    scan.setNow(NOW.getTime() + 16 * DAY_MS);
    const rotation = await runScan(scan.deps, { dryRun: false, trigger: 'timer' });
    const finding = rotation.findings.find((f) => f.keyId === first.keyId)!;
    expect(finding).toMatchObject({ class: 'expiring', action: 'rotate', outcome: 'done' });
    const versions = scan.secretStore.secrets.get(name)!;
    expect(versions).toHaveLength(2);
    expect(versions[1]!.tags).toMatchObject({ keyId: finding.successorKeyId, requestedBy: 'expiry-scan' });
    const successor = scan.directory.apps
      .get(app.appId)!
      .passwordCredentials.find((c) => c.keyId === finding.successorKeyId)!;
    expect(Date.parse(successor.endDateTime) - Date.parse(successor.startDateTime)).toBe(30 * DAY_MS);
    expect(scan.store.claims.get(first.keyId)).toMatchObject({ state: 'done', successorKeyId: finding.successorKeyId });

    // Within the overlap: the predecessor stays, and the young successor is not rotated again.
    scan.setNow(NOW.getTime() + 18 * DAY_MS);
    const waiting = await runScan(scan.deps, { dryRun: false, trigger: 'timer' });
    expect(waiting.findings.find((f) => f.keyId === first.keyId)).toMatchObject({
      action: 'removePredecessor',
      outcome: 'pending',
      dueDateTime: iso(19 * DAY_MS),
    });
    expect(waiting.findings.find((f) => f.keyId === finding.successorKeyId)).toMatchObject({
      action: 'rotate',
      outcome: 'pending',
    });
    expect(scan.directory.callsTo('addPassword')).toHaveLength(2); // the first issue and one rotation, no more

    scan.setNow(NOW.getTime() + 19 * DAY_MS);
    const retired = await runScan(scan.deps, { dryRun: false, trigger: 'timer' });
    expect(retired.findings.find((f) => f.keyId === first.keyId)).toMatchObject({
      action: 'removePredecessor',
      outcome: 'done',
    });
    expect(scan.directory.apps.get(app.appId)!.passwordCredentials.map((c) => c.keyId)).toEqual([
      finding.successorKeyId,
    ]);
    expect(scan.secretStore.secrets.get(name)!.map((v) => v.enabled)).toEqual([false, true]);
  });

  it('rotates only the slots that opted in', async () => {
    const scan = fakeScan();
    const { app } = await optedInApp(scan, ['vending:rotate:other']);
    scan.setNow(NOW.getTime() + 16 * DAY_MS);
    const report = await runScan(scan.deps, { dryRun: false, trigger: 'timer' });
    expect(report.findings).toEqual([expect.objectContaining({ appId: app.appId, class: 'expiring', action: 'none' })]);
  });

  it('never rotates a credential another run has claimed', async () => {
    const scan = fakeScan();
    const { first } = await optedInApp(scan, ['vending:rotate:default']);
    scan.setNow(NOW.getTime() + 16 * DAY_MS);
    await scan.store.claimRotation(first.keyId, 'other-run', new Date(NOW.getTime() + 16 * DAY_MS), 60_000);
    const report = await runScan(scan.deps, { dryRun: false, trigger: 'timer' });
    expect(report.findings[0]).toMatchObject({ action: 'rotate', outcome: 'claimedElsewhere' });
    expect(scan.directory.callsTo('addPassword')).toHaveLength(1);

    // A claim older than its time-to-live belongs to a run that died: this run takes it over.
    scan.setNow(NOW.getTime() + 16 * DAY_MS + 16 * 60_000);
    const later = await runScan(scan.deps, { dryRun: false, trigger: 'timer' });
    expect(later.findings[0]).toMatchObject({ action: 'rotate', outcome: 'done' });
  });

  it('rotates an over-policy credential into one within policy', async () => {
    const scan = fakeScan();
    const { app, first } = await optedInApp(scan, ['vending:rotate:*']);
    const credential = scan.directory.apps.get(app.appId)!.passwordCredentials[0]!;
    credential.endDateTime = iso(700 * DAY_MS);
    const report = await runScan(scan.deps, { dryRun: false, trigger: 'timer' });
    const finding = report.findings.find((f) => f.keyId === first.keyId)!;
    expect(finding).toMatchObject({ class: 'overPolicy', action: 'rotate', outcome: 'done' });
    const successor = scan.directory.apps
      .get(app.appId)!
      .passwordCredentials.find((c) => c.keyId === finding.successorKeyId)!;
    expect(Date.parse(successor.endDateTime) - Date.parse(successor.startDateTime)).toBe(180 * DAY_MS);
  });
});
