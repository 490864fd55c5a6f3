/** The actions the scan may take, each switchable by the `SCAN_ACTIONS` setting. */
export const SCAN_ACTION_SWITCHES = [
  'events',
  'rotate',
  'removeExpired',
  'removeOrphaned',
  'disableStale',
  'recoverInterrupted',
] as const;

/** One switch of {@link SCAN_ACTION_SWITCHES}. */
export type ScanActionSwitch = (typeof SCAN_ACTION_SWITCHES)[number];

/** How the scan judges and acts; from the app settings (see `config.ts`). */
export interface ScanSettings {
  /** The actions switched on; a dry run takes none of them. */
  readonly actions: ReadonlySet<ScanActionSwitch>;
  /** Expired and orphaned credentials and stale versions are acted on only this long after they became so. */
  readonly graceDays: number;
  /** A replaced credential is removed only this long after its successor: longer than App Service's 24 h refresh. */
  readonly rotationOverlapDays: number;
  /** Most Graph/Key Vault writes in flight at once. */
  readonly writeConcurrency: number;
  /** A credential ending within this many days is `expiring` (and rotated, where opted in). */
  readonly expiringWithinDays: number;
  /** The lifetime policy's maximum: longer credentials are `overPolicy`; successors never exceed it. */
  readonly maxLifetimeDays: number;
  /** The certificate lifetime policy's maximum (`CERTIFICATE_MAX_LIFETIME_DAYS`): longer key credentials are `overPolicy`. */
  readonly certificateMaxLifetimeDays: number;
}
