import { createApplication } from '../../../src/vending/createApplication';
import { ScanInProgressError } from '../../../src/vending/scan/scanErrors';
import { secretNameFor } from '../../../src/vending/secretNaming';
import { useLedgerStorage } from '../../support/ledger';
import { secretClientAs } from '../../support/clients';
import { useEmulators, useFunctionIdentity } from '../../support/emulators';
import { CALLER, DAY_MS, startScanHarness } from '../../support/scanHarness';

describe('rotation by the expiry scan: the versionless reference follows, the predecessor goes after the overlap', () => {
  const emulators = useEmulators();
  const azurite = useLedgerStorage(emulators);
  useFunctionIdentity(emulators);

  it('rotates once, even when two scans start together, and retires the predecessor on a controlled clock', async () => {
    const harness = startScanHarness(emulators(), azurite());
    const created = await createApplication(
      harness.services.vending,
      { displayName: 'rotating', secret: { displayName: 'default', lifetimeDays: 30 } },
      CALLER,
    );
    const appId = created.application.appId;
    const predecessor = created.secret!.keyId;
    const owner = 'vending:owner:5b1f0c3e-8a2d-4c6b-9e7f-0a1b2c3d4e5f';
    await harness.setTags(appId, [owner, 'vending:rotate:default']);
    const name = secretNameFor(appId, 'default');
    const reader = secretClientAs(emulators().endpoints, 'operator');

    // Past half its life: due. Two scans at once: one holds the lock, the other is refused.
    await harness.advance(16 * DAY_MS);
    const runs = await Promise.allSettled([
      harness.services.scan.run({ dryRun: false, trigger: 'timer' }),
      harness.services.scan.run({ dryRun: false, trigger: 'api' }),
    ]);
    const refused = runs.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(refused).toHaveLength(1);
    expect(refused[0]!.reason).toBeInstanceOf(ScanInProgressError);
    const report = (runs.find((r) => r.status === 'fulfilled') as PromiseFulfilledResult<{ findings: unknown[] }>)
      .value;
    const rotation = (report.findings as { keyId: string; outcome: string; successorKeyId?: string }[]).find(
      (f) => f.keyId === predecessor,
    )!;
    expect(rotation).toMatchObject({ outcome: 'done', successorKeyId: expect.any(String) as string });
    const successor = rotation.successorKeyId!;

    // The versionless reference now yields the successor, whose secret only Graph and the vault ever held.
    const current = await reader.getSecret(name);
    expect(current.properties.tags).toMatchObject({ keyId: successor, requestedBy: 'expiry-scan', appId });
    const issued = emulators().issuedSecretTexts();
    expect(current.value).toBe(issued[issued.length - 1]);
    const app = await harness.application(appId);
    expect(app.passwordCredentials.map((c) => c.keyId).sort()).toEqual([predecessor, successor].sort());
    expect(app.tags).toEqual([owner, 'vending:rotate:default']);

    // Within the overlap (3 days): both stay; the young successor is not rotated again.
    await harness.advance(2 * DAY_MS);
    await harness.runTimer();
    const waiting = (await harness.services.scan.latest())!;
    expect(waiting.findings.find((f) => f.keyId === predecessor)).toMatchObject({
      action: 'removePredecessor',
      outcome: 'pending',
    });
    expect((await harness.application(appId)).passwordCredentials).toHaveLength(2);

    // After the overlap: the predecessor is removed and its version disabled; the reference still yields the successor.
    await harness.advance(DAY_MS + 60_000);
    await harness.runTimer();
    const retired = (await harness.services.scan.latest())!;
    expect(retired.findings.find((f) => f.keyId === predecessor)).toMatchObject({
      action: 'removePredecessor',
      outcome: 'done',
    });
    expect((await harness.application(appId)).passwordCredentials.map((c) => c.keyId)).toEqual([successor]);
    const versions = (await harness.vaultState()).find((s) => s.name === name)!.versions;
    expect(versions.map((v) => [v.tags?.keyId, v.enabled])).toEqual([
      [predecessor, false],
      [successor, true],
    ]);
    expect((await reader.getSecret(name)).properties.tags?.keyId).toBe(successor);

    const events = await harness.drainEvents();
    expect(events.filter((e) => e.data.keyId === predecessor).map((e) => [e.data.action, e.data.outcome])).toEqual([
      ['rotate', 'done'],
      ['removePredecessor', 'pending'],
      ['removePredecessor', 'done'],
    ]);
  });
});
