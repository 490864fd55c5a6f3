import { LifetimePolicy } from './lifetimePolicy';
import { CertificateStore, Clock, Directory, KeyCredentialDirectory, Ledger, SecretStore } from './ports';

/**
 * Test-only pause points, set only by the sandbox when asked to (never by the composition root in Azure): a hook that
 * never resolves holds an operation at that point so a test can kill the process there.
 */
export interface TestHooks {
  /** Between Graph issuing a secret and the vault write: the one window compensation cannot cover. */
  beforeVaultWrite?(): Promise<void>;
}

/** What the vending services share: the ports, the policy, the thresholds and the clock. */
export interface VendingDependencies {
  directory: Directory;
  secretStore: SecretStore;
  /** The audit ledger: every change to Entra is written ahead to it and completed in it. */
  ledger: Ledger;
  lifetimePolicy: LifetimePolicy;
  /** A credential ending within this many days is reported as `expiring`. */
  expiringWithinDays: number;
  clock: Clock;
  /**
   * Waits `ms` (ends early, resolving, when `signal` aborts): the pauses between looks for a write whose answer was
   * lost. Injected so tests drive it without waiting.
   */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
  /** Told about compensations that failed, so an operator can clean up; never given a secret. */
  warn(message: string, details: Record<string, string>): void;
  testHooks?: TestHooks;
}

/** What the certificate services share: key credentials in Graph, certificates in Key Vault, their own policy. */
export interface CertificateDependencies {
  directory: KeyCredentialDirectory;
  certificateStore: CertificateStore;
  /** The audit ledger: issuing and revoking certificates are written ahead to it, as secrets are. */
  ledger: Ledger;
  /** Lifetime rules for certificate credentials (their own maximum and default). */
  lifetimePolicy: LifetimePolicy;
  /** Whether a caller may ask for an exportable key (its private key readable as a secret). */
  allowExportable: boolean;
  expiringWithinDays: number;
  clock: Clock;
  sleep: VendingDependencies['sleep'];
  warn: VendingDependencies['warn'];
}
