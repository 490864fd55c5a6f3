import { randomUUID } from 'node:crypto';
import { createApplication } from '../../../src/vending/createApplication';
import { issueSecret } from '../../../src/vending/issueSecret';
import { secretNameFor } from '../../../src/vending/secretNaming';
import { useLedgerStorage } from '../../support/ledger';
import { control, useEmulators, useFunctionIdentity } from '../../support/emulators';
import { CALLER, DAY_MS, startScanHarness } from '../../support/scanHarness';

describe('the expiry scan on its timer, against the Graph and Key Vault emulators and Azurite', () => {
  const emulators = useEmulators();
  const azurite = useLedgerStorage(emulators);
  useFunctionIdentity(emulators);
  let harness: ReturnType<typeof startScanHarness>;
  const planted: Record<string, string> = {};
  let appId: string;
  let foreignAppId: string;

  beforeAll(async () => {
    harness = startScanHarness(emulators(), azurite());
    const vending = harness.services.vending;
    const created = await createApplication(
      vending,
      { displayName: 'every-class', secret: { displayName: 'default', lifetimeDays: 90 } },
      CALLER,
    );
    appId = created.application.appId;
    planted.healthy = created.secret!.keyId;
    planted.expiring = (await issueSecret(vending, appId, { displayName: 'ci', lifetimeDays: 20 }, CALLER)).keyId;
    planted.overPolicy = await harness.plant(appId, 'legacy', -DAY_MS, 729 * DAY_MS, true);
    planted.expired = await harness.plant(appId, 'old', -100 * DAY_MS, -10 * DAY_MS, true);
    planted.orphaned = await harness.plant(appId, 'Password uploaded on portal', -30 * DAY_MS, 60 * DAY_MS, false);
    planted.stale = (await issueSecret(vending, appId, { displayName: 'gone', lifetimeDays: 30 }, CALLER)).keyId;
    await vending.directory.removePassword(appId, planted.stale);
    foreignAppId = randomUUID();
    planted.foreign = randomUUID();
    await harness.storeVersion(foreignAppId, 'default', planted.foreign);
  });

  it('a dry run reports every class and changes nothing: Graph, the vault, the queue and the reports as before', async () => {
    const before = [await harness.directoryState(), await harness.vaultState()];
    const report = await harness.services.scan.run({ dryRun: true, trigger: 'cli' });
    expect(report.counts).toMatchObject({ expired: 1, orphaned: 1, stale: 2, overPolicy: 1, expiring: 1, healthy: 1 });
    expect(report.findings.find((f) => f.keyId === planted.expired)?.outcome).toBe('dryRun');
    expect([await harness.directoryState(), await harness.vaultState()]).toEqual(before);
    expect(await harness.drainEvents()).toEqual([]);
    expect(await harness.services.scan.latest()).toBeUndefined();
  });

  it('finds, tells, removes and reports: one CloudEvent per finding, expired and orphaned credentials removed', async () => {
    await harness.runTimer();

    const report = (await harness.services.scan.latest())!;
    expect(report).toMatchObject({ trigger: 'timer', dryRun: false, applications: 1, credentials: 5 });
    expect(report.counts).toEqual({
      expired: 1,
      orphaned: 1,
      stale: 2,
      interrupted: 0,
      overPolicy: 1,
      expiring: 1,
      healthy: 1,
    });
    const finding = (keyId: string) => report.findings.find((f) => f.keyId === keyId);
    expect(finding(planted.expired!)).toMatchObject({ class: 'expired', action: 'removeCredential', outcome: 'done' });
    expect(finding(planted.orphaned!)).toMatchObject({
      class: 'orphaned',
      action: 'removeCredential',
      outcome: 'done',
    });
    expect(finding(planted.stale!)).toMatchObject({ class: 'stale', action: 'disableVersion', outcome: 'pending' });
    expect(finding(planted.foreign!)).toMatchObject({ class: 'stale', appId: foreignAppId, outcome: 'pending' });
    expect(finding(planted.expiring!)).toMatchObject({ class: 'expiring', action: 'none' });
    expect(finding(planted.overPolicy!)).toMatchObject({ class: 'overPolicy', action: 'none' });
    expect(finding(planted.healthy!)).toBeUndefined();
    // Calls: one Graph page and one removePassword each for two credentials, one lookup of the foreign app.
    expect(report.usage.graph.calls).toBe(4);
    expect(report.usage.keyVault.calls).toBeGreaterThan(0);

    const app = await harness.application(appId);
    expect(app.passwordCredentials.map((c) => c.keyId).sort()).toEqual(
      [planted.healthy, planted.expiring, planted.overPolicy].sort(),
    );
    const old = (await harness.vaultState()).find((s) => s.name === secretNameFor(appId, 'old'))!;
    expect(old.versions.map((v) => v.enabled)).toEqual([false]);

    const events = await harness.drainEvents();
    expect(events).toHaveLength(report.findings.length);
    expect(events.every((e) => e.specversion === '1.0' && e.source.startsWith('urn:entra-app-vending:'))).toBe(true);
    const expired = events.find((e) => e.data.keyId === planted.expired)!;
    expect(expired).toMatchObject({
      type: 'com.entra-app-vending.credential.expired',
      subject: `applications/${appId}/passwordCredentials/${planted.expired}`,
      data: { class: 'expired', action: 'removeCredential', outcome: 'done', runId: report.runId },
    });
    expect(harness.logs.some((l) => l.includes('expiry scan finished'))).toBe(true);
  });

  it('disables stale versions once the grace period has passed', async () => {
    await harness.advance(8 * DAY_MS);
    await harness.runTimer(true);
    const report = (await harness.services.scan.latest())!;
    expect(report.findings.find((f) => f.keyId === planted.stale)).toMatchObject({ outcome: 'done' });
    expect(report.findings.find((f) => f.keyId === planted.foreign)).toMatchObject({ outcome: 'done' });
    const vault = await harness.vaultState();
    for (const name of [secretNameFor(appId, 'gone'), secretNameFor(foreignAppId, 'default')]) {
      expect(vault.find((s) => s.name === name)!.versions.map((v) => v.enabled)).toEqual([false]);
    }
    expect(harness.logs.some((l) => l.includes('isPastDue'))).toBe(true);

    // Safe to run twice: nothing left to do, nothing done again.
    await harness.runTimer();
    const again = (await harness.services.scan.latest())!;
    expect(again.counts.stale).toBe(0);
    expect(again.outcomes.done ?? 0).toBe(0);
  });

  it('honours throttling: a 429 on the owned-apps page is waited out (Retry-After) and counted in the report', async () => {
    const { graph, keyVault } = emulators().endpoints;
    await control(graph.control, 'POST', 'faults', {
      method: 'GET',
      pathPattern: 'ownedObjects',
      status: 429,
      retryAfterSeconds: 0,
      count: 1,
    });
    await control(keyVault.control, 'POST', 'faults', {
      method: 'GET',
      pathPattern: '^/secrets$',
      status: 429,
      retryAfterSeconds: 0,
      count: 1,
    });
    const report = await harness.services.scan.run({ dryRun: true, trigger: 'cli' });
    expect(report.applications).toBe(1);
    expect(report.usage.graph).toMatchObject({ calls: 2, throttled: 1, waitMs: 0 });
    expect(report.usage.keyVault.throttled).toBe(1);
  });
});
