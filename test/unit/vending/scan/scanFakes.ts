import { ScanLockLostError } from '../../../../src/vending/scan/scanErrors';
import {
  CredentialEvent,
  EventSink,
  RotationClaim,
  ScanLease,
  ScanStore,
  UsageMeter,
} from '../../../../src/vending/scan/scanPorts';
import { ScanReport, ScanUsage } from '../../../../src/vending/scan/scanReport';
import { SCAN_ACTION_SWITCHES, ScanSettings } from '../../../../src/vending/scan/scanSettings';
import { ScanDependencies } from '../../../../src/vending/scan/runScan';
import { fakeCertificateDependencies } from '../certificateFakes';
import { fakeVendingDependencies } from '../fakes';

interface Claim {
  state: 'claimed' | 'done';
  runId: string;
  claimedAt: number;
  successorKeyId?: string;
}

/** The scan's storage in memory, with the same rules as the table adapter (lease expiry, claim TTL). */
export class FakeScanStore implements ScanStore {
  lock: { runId: string; expiresAt: number } | undefined;
  readonly claims = new Map<string, Claim>();
  readonly reports: ScanReport[] = [];
  /** Every lease renewal, for tests that check a run renews as it goes. */
  renewals = 0;

  acquireLock(runId: string, now: Date, leaseMs: number): Promise<ScanLease | undefined> {
    if (this.lock && this.lock.expiresAt > now.getTime()) return Promise.resolve(undefined);
    this.lock = { runId, expiresAt: now.getTime() + leaseMs };
    const renew = (at: Date): Promise<void> => {
      this.renewals++;
      if (this.lock?.runId !== runId) return Promise.reject(new ScanLockLostError());
      this.lock.expiresAt = at.getTime() + leaseMs;
      return Promise.resolve();
    };
    const release = (): Promise<void> => {
      if (this.lock?.runId === runId) this.lock = undefined;
      return Promise.resolve();
    };
    return Promise.resolve({ runId, renew, release });
  }

  claimRotation(keyId: string, runId: string, now: Date, ttlMs: number): Promise<RotationClaim> {
    const current = this.claims.get(keyId);
    if (current?.state === 'done') return Promise.resolve({ state: 'done', successorKeyId: current.successorKeyId! });
    if (current && current.claimedAt + ttlMs > now.getTime()) return Promise.resolve({ state: 'busy' });
    this.claims.set(keyId, { state: 'claimed', runId, claimedAt: now.getTime() });
    return Promise.resolve({ state: 'claimed' });
  }

  completeRotation(keyId: string, runId: string, successorKeyId: string): Promise<void> {
    const claim = this.claims.get(keyId);
    this.claims.set(keyId, { ...(claim ?? { claimedAt: 0 }), state: 'done', runId, successorKeyId });
    return Promise.resolve();
  }

  saveReport(report: ScanReport): Promise<void> {
    this.reports.push(report);
    return Promise.resolve();
  }

  latestReport(): Promise<ScanReport | undefined> {
    return Promise.resolve(this.reports[this.reports.length - 1]);
  }
}

/** Keeps every published event. */
export class FakeEventSink implements EventSink {
  readonly events: CredentialEvent[] = [];
  failNext = false;

  publish(events: readonly CredentialEvent[]): Promise<{ published: number; failed: number }> {
    if (this.failNext) {
      this.failNext = false;
      return Promise.reject(new Error('queue down'));
    }
    this.events.push(...events);
    return Promise.resolve({ published: events.length, failed: 0 });
  }
}

/** Counts calls on the fakes as the adapters' meter counts wire calls. */
export class FakeMeter implements UsageMeter {
  constructor(private readonly count: () => { graph: number; keyVault: number }) {}
  read(): ScanUsage {
    const { graph, keyVault } = this.count();
    return { graph: { calls: graph, throttled: 0, waitMs: 0 }, keyVault: { calls: keyVault, throttled: 0, waitMs: 0 } };
  }
}

/** Defaults of the settings: every action on, 7 days' grace, 3 days' overlap. */
export function scanSettings(overrides: Partial<ScanSettings> = {}): ScanSettings {
  return {
    actions: new Set(SCAN_ACTION_SWITCHES),
    graceDays: 7,
    rotationOverlapDays: 3,
    writeConcurrency: 4,
    expiringWithinDays: 30,
    maxLifetimeDays: 180,
    certificateMaxLifetimeDays: 365,
    ...overrides,
  };
}

/**
 * A scan over fresh vending fakes, with its own fake storage, events and meter. The key-credential fake is linked to
 * the directory fake (its apps' key credentials show in the listings; seed an app in both with `linkKeyCredentials`),
 * and certificate operations use the scan's ledger and clock.
 */
export function fakeScan(settings: Partial<ScanSettings> = {}) {
  const vending = fakeVendingDependencies();
  const certificates = fakeCertificateDependencies();
  certificates.deps.ledger = vending.ledger;
  certificates.deps.clock = vending.deps.clock;
  vending.directory.keyCredentialsOf = (appId) =>
    (certificates.directory.apps.get(appId)?.keys ?? []).map(({ certificate: _c, ...info }) => info);
  /** Makes an app the directory fake holds known to the key-credential fake too (same appId and tags). */
  const linkKeyCredentials = (appId: string): void => {
    const app = vending.directory.apps.get(appId)!;
    certificates.directory.apps.set(appId, { info: app.info, tags: app.tags, keys: [] });
  };
  const store = new FakeScanStore();
  const events = new FakeEventSink();
  const certificateCalls = (prefix: string) => certificates.order().filter((m) => m.startsWith(prefix)).length;
  const meter = new FakeMeter(() => ({
    graph: vending.directory.calls.length + certificateCalls('directory.'),
    keyVault: vending.secretStore.calls.length + certificateCalls('certificateStore.'),
  }));
  const deps: ScanDependencies = {
    directory: vending.directory,
    secretStore: vending.secretStore,
    certificates: { directory: certificates.directory, store: certificates.certificateStore },
    ledger: vending.ledger,
    store,
    events,
    meter,
    settings: scanSettings(settings),
    lifetimePolicy: vending.deps.lifetimePolicy,
    clock: vending.deps.clock,
    sleep: vending.deps.sleep,
    warn: vending.warn,
  };
  return { ...vending, store, events, deps, certificates, linkKeyCredentials };
}
