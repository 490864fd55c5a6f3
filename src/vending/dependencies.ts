import { LifetimePolicy } from './lifetimePolicy';
import { Clock, Directory, SecretStore } from './ports';

/** What the vending services share: the ports, the policy, the thresholds and the clock. */
export interface VendingDependencies {
  directory: Directory;
  secretStore: SecretStore;
  lifetimePolicy: LifetimePolicy;
  /** A credential ending within this many days is reported as `expiring`. */
  expiringWithinDays: number;
  clock: Clock;
  /** Told about compensations that failed, so an operator can clean up; never given a secret. */
  warn(message: string, details: Record<string, string>): void;
}
