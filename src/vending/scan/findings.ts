import { ScanClass } from '../credentialStatus';
import { CredentialType } from './credentialKinds';

/**
 * What the scan says about a credential or a vault version: a credential's {@link ScanClass}; `stale` for an enabled
 * vault version this product wrote whose credential is gone; `interrupted` for a request the ledger saw start and never
 * finish.
 */
export type FindingClass = ScanClass | 'stale' | 'interrupted';

/** Every class, in report order (most urgent first, `healthy` last). */
export const FINDING_CLASSES: readonly FindingClass[] = [
  'expired',
  'orphaned',
  'stale',
  'interrupted',
  'overPolicy',
  'expiring',
  'healthy',
];

/**
 * What the scan does about a finding:
 * - `rotate`: a successor credential into the same vault secret (a new version; the versionless reference follows it);
 * - `removePredecessor`: remove a credential a newer version of its slot replaced, once the overlap has passed;
 * - `removeCredential`: remove an expired or orphaned credential after the grace period (and disable its version);
 * - `disableVersion`: disable a stale vault version after the grace period;
 * - `recover`: finish or roll back an interrupted request;
 * - `none`: only tell (an event).
 */
export type ScanAction = 'none' | 'rotate' | 'removePredecessor' | 'removeCredential' | 'disableVersion' | 'recover';

/**
 * How an action ended in this run: `done` (this run did it), `alreadyDone` (someone did it first), `pending` (not due
 * yet: see `dueDateTime`), `switchedOff` (its setting is off), `dryRun`, `inFlight` (the ledger shows the request
 * still running), `claimedElsewhere` (another run holds the claim on this credential), `failed` (see `error`), `none`.
 */
export type ActionOutcome =
  'none' | 'done' | 'alreadyDone' | 'pending' | 'switchedOff' | 'dryRun' | 'inFlight' | 'claimedElsewhere' | 'failed';

/** One finding of a scan, as the report and the events carry it. Never a secret value. */
export interface Finding {
  /** The application (absent only for an interrupted create that recorded none). */
  appId?: string;
  /** The credential's keyId (for `stale`: the keyId the version was tagged with; for `interrupted`, when known). */
  keyId?: string;
  /**
   * Which kind of credential: `password` (a client secret, `passwordCredentials`) or `certificate` (a key credential).
   * Absent only for an interrupted request that concerned no credential (an owner change).
   */
  credentialType?: CredentialType;
  class: FindingClass;
  action: ScanAction;
  outcome: ActionOutcome;
  /** When a `pending` action becomes due. */
  dueDateTime?: string;
  /** The credential's displayName (its vault slot). */
  credentialDisplayName?: string | null;
  startDateTime?: string;
  endDateTime?: string;
  /** The vault secret (slot) and version involved, when there is one (password credentials). */
  secretName?: string;
  secretVersion?: string;
  /** The Key Vault certificate (slot) and version involved, when there is one (key credentials). */
  certificateName?: string;
  certificateVersion?: string;
  /** The credential a rotation added. */
  successorKeyId?: string;
  /** Why an action failed: a domain error code, never upstream text. */
  error?: string;
  /** `interrupted`: the operation the ledger left open, the request it belonged to, and how the scan settled it. */
  operation?: string;
  correlationId?: string;
  resolution?: string;
  detail?: string;
}

const GUID = '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$';

/**
 * A {@link Finding} as JSON Schema (OpenAPI 3.0 compatible: no type arrays, `nullable`): the report's findings and the
 * `data` of each credential event are built from it. Never a secret value.
 */
export const FINDING_JSON_SCHEMA = {
  type: 'object',
  required: ['class', 'action', 'outcome'],
  additionalProperties: false,
  properties: {
    appId: {
      type: 'string',
      pattern: GUID,
      description: 'The application (client) id (absent only for an interrupted create that recorded none).',
    },
    keyId: {
      type: 'string',
      pattern: GUID,
      description: "The credential's keyId (for a stale version: the keyId it was tagged with).",
    },
    credentialType: {
      type: 'string',
      enum: ['password', 'certificate'],
      description:
        'password: a client secret (passwordCredentials); certificate: a key credential (keyCredentials). Absent only for an interrupted owner change.',
    },
    class: { type: 'string', enum: [...FINDING_CLASSES], description: 'What the scan found.' },
    action: {
      type: 'string',
      enum: ['none', 'rotate', 'removePredecessor', 'removeCredential', 'disableVersion', 'recover'],
      description: 'What the scan does about it.',
    },
    outcome: {
      type: 'string',
      enum: [
        'none',
        'done',
        'alreadyDone',
        'pending',
        'switchedOff',
        'dryRun',
        'inFlight',
        'claimedElsewhere',
        'failed',
      ],
      description: 'How the action ended in this run.',
    },
    dueDateTime: { type: 'string', format: 'date-time', description: 'When a pending action becomes due.' },
    credentialDisplayName: {
      type: 'string',
      nullable: true,
      description: "The credential's displayName (its vault slot).",
    },
    startDateTime: { type: 'string', format: 'date-time' },
    endDateTime: { type: 'string', format: 'date-time' },
    secretName: { type: 'string', description: 'The Key Vault secret (slot) involved.' },
    secretVersion: { type: 'string', description: 'The Key Vault version involved.' },
    certificateName: { type: 'string', description: 'The Key Vault certificate (slot) involved.' },
    certificateVersion: { type: 'string', description: 'The Key Vault certificate version involved.' },
    successorKeyId: { type: 'string', pattern: GUID, description: 'The credential a rotation added.' },
    error: { type: 'string', description: 'Why the action failed: an error code, never upstream text.' },
    operation: {
      type: 'string',
      enum: [
        'createApplication',
        'addSecret',
        'revokeSecret',
        'addCertificate',
        'revokeCertificate',
        'setApplicationOwners',
      ],
      description: 'interrupted: the operation the ledger left open.',
    },
    correlationId: { type: 'string', description: 'interrupted: the request it belonged to.' },
    resolution: {
      type: 'string',
      enum: ['completed', 'rolledBack', 'notFound', 'notApplied'],
      description: 'interrupted: how the scan settled it.',
    },
    detail: { type: 'string', description: 'interrupted: what the scan found and did, in a sentence.' },
  },
} as const;
