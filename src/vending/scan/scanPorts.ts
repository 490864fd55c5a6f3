/**
 * What the expiry scan needs besides the directory and the vault: one lock across instances, a claim per credential
 * it rotates, a place for its reports, a sink for its events, and a meter of the calls it makes. Adapters in
 * `src/azure/` implement them over Table Storage, a Storage queue and the SDK pipelines.
 */
import { ScanReport, ScanUsage } from './scanReport';
import { Finding } from './findings';

/** The scan lock, held by one run; every step that acts first renews it. */
export interface ScanLease {
  readonly runId: string;
  /** Extends the lease; throws {@link ScanLockLostError} when another run took it meanwhile. */
  renew(now: Date): Promise<void>;
  /** Gives the lock up (only if still ours). */
  release(): Promise<void>;
}

/** The answer to a rotation claim. */
export type RotationClaim = { state: 'claimed' } | { state: 'busy' } | { state: 'done'; successorKeyId: string };

/** Scan state that must be decided once across instances: every write here is conditional. */
export interface ScanStore {
  /** Takes the scan lock until `now + leaseMs`; `undefined` while another run holds an unexpired lease. */
  acquireLock(runId: string, now: Date, leaseMs: number): Promise<ScanLease | undefined>;
  /**
   * Claims the rotation of credential `keyId` for `runId`: `claimed` if no run did, or its claim is older than
   * `ttlMs` (that run died); `busy` while another run's claim is fresh; `done` once a rotation completed.
   */
  claimRotation(keyId: string, runId: string, now: Date, ttlMs: number): Promise<RotationClaim>;
  /** Marks the claimed rotation of `keyId` complete, naming its successor. */
  completeRotation(keyId: string, runId: string, successorKeyId: string, now: Date): Promise<void>;
  saveReport(report: ScanReport): Promise<void>;
  /** The report of the last completed run, if any. */
  latestReport(): Promise<ScanReport | undefined>;
}

/** One credential event, before its transport envelope (CloudEvents 1.0 on the queue). */
export interface CredentialEvent {
  /** Stable for one finding, action and outcome on one day: a rerun sends the same id, so consumers can dedupe. */
  id: string;
  /** `com.entra-app-vending.credential.<class>`. */
  type: string;
  /** `applications/<appId>/passwordCredentials/<keyId>`. */
  subject: string;
  time: string;
  data: CredentialEventData;
}

/** The documented `data` of a credential event: the finding, the run that made it and the application's name. */
export interface CredentialEventData extends Finding {
  runId: string;
  applicationDisplayName?: string;
}

/** Where credential events go. */
export interface EventSink {
  publish(events: readonly CredentialEvent[]): Promise<{ published: number; failed: number }>;
}

/** Counts the calls the scan's own Graph and Key Vault clients make; read before and after a run. */
export interface UsageMeter {
  read(): ScanUsage;
}
