import { CallBudget, RequestDeadline } from './deadline';

/**
 * What the vending domain needs from the outside world. Adapters in `src/azure/` implement these over Graph,
 * Key Vault and Table Storage; unit tests implement them in memory. Every call that reaches a service takes an optional
 * {@link CallBudget} last: its signal aborts the call (and its retries) at the request's deadline, or at the end of a
 * compensation's own budget; without one a call is bounded only by its adapter's retry budget.
 */

/** A password credential as Graph reports it, without its value. */
export interface PasswordCredentialInfo {
  keyId: string;
  displayName: string | null;
  hint: string | null;
  startDateTime: string;
  endDateTime: string;
}

/** The one moment a secret value exists in our process: the answer to addPassword or create-with-password. */
export interface IssuedPassword extends PasswordCredentialInfo {
  secretText: string;
}

/** An application registration as we use it. */
export interface ApplicationInfo {
  /** Object id. */
  id: string;
  appId: string;
  displayName: string;
}

/** An application with its tags, where this product keeps who may manage it (see `ownership.ts`). */
export interface TaggedApplication extends ApplicationInfo {
  tags: string[];
}

/** One page of the applications this identity owns, and where the next page starts (absent on the last). */
export interface ApplicationPage {
  applications: TaggedApplication[];
  skipToken?: string;
}

/** The credentials of an application, both kinds (keys without their certificates). */
export interface ApplicationCredentials {
  passwordCredentials: PasswordCredentialInfo[];
  keyCredentials: KeyCredentialInfo[];
}

/** An application this identity owns, as the expiry scan reads it from one page of the owned-applications listing. */
export interface OwnedApplication extends TaggedApplication, ApplicationCredentials {}

/** The validity and name of a password to ask Graph for. */
export interface PasswordRequest {
  displayName: string;
  startDateTime: Date;
  endDateTime: Date;
}

/** The Graph calls this product makes, under `Application.ReadWrite.OwnedBy`. */
export interface Directory {
  /**
   * `POST /applications` with its tags and the first password inline when given (one call). This identity becomes
   * owner. Not retried on 5xx or a dropped connection (a retry could make a second app).
   */
  createApplication(
    input: { displayName: string; description?: string; tags: string[]; password?: PasswordRequest },
    budget?: CallBudget,
  ): Promise<{ application: ApplicationInfo; password?: IssuedPassword }>;
  /** `POST /servicePrincipals`; retried through replication lag until the budget ends. Returns its object id. */
  createServicePrincipal(appId: string, budget?: CallBudget): Promise<{ id: string }>;
  /** `DELETE /applications/{id}` (compensation only); retried through replication lag; already gone is done. */
  deleteApplication(objectId: string, budget?: CallBudget): Promise<void>;
  /** The applications this identity owns that carry `tag` (to find a create whose answer was lost). */
  findOwnedApplicationsTagged(tag: string, budget?: CallBudget): Promise<ApplicationInfo[]>;
  /** `POST /applications(appId='…')/addPassword`. Not retried on 5xx or a dropped connection. */
  addPassword(appId: string, password: PasswordRequest, budget?: CallBudget): Promise<IssuedPassword>;
  /**
   * `POST /applications(appId='…')/removePassword`; a credential already gone is NotFoundError, a refusal (403: this
   * identity may not) UpstreamFailureError.
   */
  removePassword(appId: string, keyId: string, budget?: CallBudget): Promise<void>;
  /** The app with its tags and password credentials, only if this identity owns it; otherwise NotFoundError. */
  getOwnedApplication(
    appId: string,
    budget?: CallBudget,
  ): Promise<TaggedApplication & { passwordCredentials: PasswordCredentialInfo[] }>;
  /** The app with its tags, in one read; NotFoundError if there is none. Does not check that this identity owns it. */
  getApplication(appId: string, budget?: CallBudget): Promise<TaggedApplication>;
  /** One page (at most `top`) of the applications this identity owns, with their tags. */
  listOwnedApplications(page: { top: number; skipToken?: string }, budget?: CallBudget): Promise<ApplicationPage>;
  /** Replaces the app's tags (`PATCH /applications`); the app must be owned by this identity. */
  setApplicationTags(appId: string, tags: string[], budget?: CallBudget): Promise<void>;
  /**
   * Every application this identity owns, one Graph page at a time (`ownedObjects/microsoft.graph.application` with
   * the largest page Graph allows and `$select` of only what the scan reads): one call per page, no per-app read.
   */
  ownedApplicationPages(): AsyncIterable<OwnedApplication[]>;
  /** The password credentials of any application (owned or not), or `undefined` if no such application exists. */
  findApplicationCredentials(appId: string, budget?: CallBudget): Promise<PasswordCredentialInfo[] | undefined>;
  /** The password and key credentials of any application (owned or not), or `undefined` if there is no such app. */
  findAllCredentials(appId: string, budget?: CallBudget): Promise<ApplicationCredentials | undefined>;
}

/** Where a stored secret version lives. */
export interface StoredSecretVersion {
  name: string;
  version: string;
  /** The versioned secret URI. */
  id: string;
}

/** Metadata of one stored version (never its value). */
export interface StoredSecretVersionInfo extends StoredSecretVersion {
  enabled: boolean;
  tags: Record<string, string>;
  /** When the version was written, if the vault said (Key Vault: whole seconds). */
  createdOn?: Date | undefined;
}

/** A secret as the vault's secret list shows it: the metadata and tags of its latest version (no version id). */
export interface StoredSecretSummary {
  name: string;
  enabled: boolean;
  tags: Record<string, string>;
  createdOn: Date | undefined;
}

/**
 * The version a secret's versionless URI serves now: whether it is enabled, and its id (a disabled one is refused, and
 * Key Vault's refusal does not name it).
 */
export type CurrentSecretVersion = { enabled: true; version: string } | { enabled: false; version?: undefined };

/** What the product does with Key Vault. */
export interface SecretStore {
  /** The vault's URL, e.g. `https://kv.vault.azure.net`. */
  readonly vaultUrl: string;
  /** Writes a new version of `name`. */
  put(
    name: string,
    value: string,
    options: { contentType: string; notBefore: Date; expiresOn: Date; tags: Record<string, string> },
    budget?: CallBudget,
  ): Promise<StoredSecretVersion>;
  /** Every version of `name` with its tags, in the order the vault lists them; empty when the secret does not exist. */
  listVersions(name: string, budget?: CallBudget): Promise<StoredSecretVersionInfo[]>;
  /** Disables one version so it can no longer be read. */
  disableVersion(name: string, version: string, budget?: CallBudget): Promise<void>;
  /**
   * The version the versionless URI of `name` resolves to (the latest written), or undefined when there is no such
   * secret. Key Vault tells it only by serving it, so the adapter reads it and drops the value at once.
   */
  currentVersion(name: string, budget?: CallBudget): Promise<CurrentSecretVersion | undefined>;
  /**
   * Writes the value of version `from` again as the newest version of `name`, with its attributes and `tags`: the only
   * way to make the versionless URI serve an older secret. The value goes from the vault back to the vault inside the
   * adapter; it never reaches the domain.
   */
  restoreVersion(
    name: string,
    from: string,
    tags: Record<string, string>,
    budget?: CallBudget,
  ): Promise<StoredSecretVersion>;
  /** Every secret of the vault, one page of the vault's list at a time (the largest page it serves). */
  secretPages(): AsyncIterable<StoredSecretSummary[]>;
}

/** A key credential (certificate) as Graph reports it, without its key. */
export interface KeyCredentialInfo {
  keyId: string;
  displayName: string | null;
  /** The certificate's SHA-1 thumbprint, upper-case hex (Graph's customKeyIdentifier). */
  thumbprint: string;
  startDateTime: string;
  endDateTime: string;
}

/** A key credential to add: the public certificate (base64 DER) and the window it is valid for. */
export interface KeyCredentialRequest {
  keyId: string;
  displayName: string;
  thumbprint: string;
  certificate: string;
  startDateTime: Date;
  endDateTime: Date;
}

/**
 * The Graph calls for key credentials. Without a key to prove possession (`addKey`), Graph writes key credentials
 * only by updating the application's whole `keyCredentials` collection, so adding or removing one reads the
 * collection (with its keys) and writes it back. Each call takes the request's {@link CallBudget}, as the
 * {@link Directory}'s do.
 */
export interface KeyCredentialDirectory {
  /** The app and its key credentials, only if this identity owns it; otherwise NotFoundError. */
  getOwnedKeyCredentials(
    appId: string,
    budget?: CallBudget,
  ): Promise<{ application: TaggedApplication; keyCredentials: KeyCredentialInfo[] }>;
  /** Adds one key credential, keeping the others. */
  addKeyCredential(appId: string, credential: KeyCredentialRequest, budget?: CallBudget): Promise<KeyCredentialInfo>;
  /** Removes one key credential, keeping the others (already gone is done; a 403 is UpstreamFailureError, never gone). */
  removeKeyCredential(appId: string, keyId: string, budget?: CallBudget): Promise<void>;
}

/** A certificate Key Vault created: where it lives, its key (for signing) and its public part. */
export interface StoredCertificate {
  name: string;
  version: string;
  /** Versioned certificate id. */
  id: string;
  /** Versioned id of its key: what CryptographyClient signs with. */
  keyId: string;
  /** Versioned id of its secret (holds the private key only when exportable). */
  secretId: string;
  /** The public certificate, base64 DER. */
  certificate: string;
  notBefore: Date;
  notAfter: Date;
}

/** Metadata of one certificate version: the same as a secret version's. */
export type StoredCertificateVersionInfo = StoredSecretVersionInfo;

/** A certificate as the vault's certificate list shows it: its latest version's metadata and tags. */
export type StoredCertificateSummary = StoredSecretSummary;

/**
 * What the product does with Key Vault certificates. Each call takes the request's {@link CallBudget}: its signal goes
 * to the vault client.
 */
export interface CertificateStore {
  readonly vaultUrl: string;
  /** Creates a new version of `name`, self-issued, RSA, its key made in the vault. */
  create(
    name: string,
    options: {
      subject: string;
      exportable: boolean;
      keySize: number;
      validityInMonths: number;
      tags: Record<string, string>;
    },
    budget?: CallBudget,
  ): Promise<StoredCertificate>;
  /** Every version of `name` with its tags; empty when the certificate does not exist. */
  listVersions(name: string, budget?: CallBudget): Promise<StoredCertificateVersionInfo[]>;
  /** Disables one version: its key no longer signs and its secret no longer reads. */
  disableVersion(name: string, version: string, budget?: CallBudget): Promise<void>;
  /** Every certificate of the vault, one page of the vault's list at a time (the largest page it serves). */
  certificatePages(): AsyncIterable<StoredCertificateSummary[]>;
}

/** Current time; injected so tests control it. */
export type Clock = () => Date;

/**
 * Who is asking, as their validated Entra access token says (decided in one place, `http/callers.ts`): a service
 * principal calling as itself (app-only token) or a user through a client (delegated token).
 */
export interface Caller {
  /** Object id (`oid`) of the calling user or service principal. */
  id: string;
  kind: 'app' | 'user';
  /** Application (client) id of the client that got the token (`azp`, or `appid` in v1 tokens). */
  clientAppId: string | undefined;
  /** App roles of the vending API the caller holds (`roles`): App.Create, Secret.Create, Admin. */
  roles: readonly string[];
  /** Object ids of the caller's security groups (`groups`); empty for app-only tokens or on group overage. */
  groups: readonly string[];
  /** Delegated scopes (`scp`); empty for app-only tokens. */
  scopes: readonly string[];
}

/**
 * Who asked, as the ledger records it: what the validated token said, never the token. A request without a valid token
 * is on record as {@link UNIDENTIFIED_CALLER}.
 */
export interface CallerOnRecord {
  /** Object id of the calling user or service principal, or `unidentified`. */
  id: string;
  /** Client id of the application that got the token (`azp`/`appid`). */
  appId?: string;
  /** Display name or UPN, when the token carries one. */
  name?: string;
  /** The app roles the request was allowed by: those the caller holds that the route accepts. */
  roles: readonly string[];
}

/** The caller on record of a request that carried no valid token. */
export const UNIDENTIFIED_CALLER: CallerOnRecord = Object.freeze({ id: 'unidentified', roles: Object.freeze([]) });

/** One request as the ledger knows it: who asked, under which correlation id, received when. */
export interface RequestTrace {
  caller: CallerOnRecord;
  /** The invocation id: the correlation id of every problem answer and ledger record of this request. */
  correlationId: string;
  receivedAt: Date;
}

/**
 * One request as an operation sees it: the authenticated caller it acts for, its trace for the ledger, and its
 * deadline (forward steps stop at it; a rollback gets its own budget beyond it).
 */
export interface RequestContext {
  caller: Caller;
  trace: RequestTrace;
  deadline: RequestDeadline;
}

// ---------------------------------------------------------------------------------------------------------------
// The ledger: the audit trail of every request and the write-ahead record of every change made to Entra.
// ---------------------------------------------------------------------------------------------------------------

/** The changes to Entra this product makes, each written ahead to the ledger. */
export type OperationName =
  'createApplication' | 'addSecret' | 'revokeSecret' | 'addCertificate' | 'revokeCertificate' | 'setApplicationOwners';

/**
 * What an operation is about to do, recorded before its first Graph write. Everything a repair needs to find what it
 * may have left behind: the app (when known), the credential slot and window asked for.
 */
export interface OperationIntent {
  operation: OperationName;
  context: RequestTrace;
  /** Known up front for the credential operations; for createApplication only once Graph made the app. */
  appId?: string;
  /** The new application's display name (createApplication). */
  applicationDisplayName?: string;
  /**
   * The credential slot (credential displayName) and window being issued, and the keyId being revoked, or added when
   * it is chosen up front (a certificate's key credential).
   */
  credentialDisplayName?: string;
  startDateTime?: string;
  endDateTime?: string;
  keyId?: string;
  /** The owner list being written (setApplicationOwners). */
  owners?: readonly string[];
}

/**
 * What exists after the first change and before the last: after Graph acted and before the vault write (secrets), or
 * after Key Vault made the certificate and before Graph adds it (certificates). What a repair must look for.
 */
export interface OperationProgress {
  appId: string;
  /** Application object id (createApplication). */
  objectId?: string;
  keyId?: string;
}

/** What a completed operation made or changed. */
export interface OperationResult {
  appId: string;
  keyId?: string;
  secretName?: string;
  secretVersion?: string;
  /** The Key Vault certificate version made or disabled (addCertificate, revokeCertificate). */
  certificateName?: string;
  certificateVersion?: string;
  /** The owner list now on the app (setApplicationOwners). */
  owners?: readonly string[];
}

/** A compensation that failed: what is left behind and which step could not undo it. */
export interface CompensationFailure {
  appId: string;
  objectId?: string;
  keyId?: string;
  /** The undo that failed, e.g. `removePassword`, `deleteApplication`. */
  step: string;
}

/**
 * The write-ahead record of one operation, opened by {@link Ledger.beginOperation}. Each method is one conditional
 * write; after Graph has acted they may fail without failing the request (the record then stays open for the scan).
 */
export interface OperationJournal {
  /** Row key of the open record (the `intent` partition): `<receivedAt ISO>|<correlationId>`. */
  readonly id: string;
  /** Graph acted: this is what now exists. */
  issued(progress: OperationProgress): Promise<void>;
  /** The vault write (or last step) is done: the operation is on the audit record and the open record is closed. */
  completed(result: OperationResult): Promise<void>;
  /** The operation failed before Graph made anything: the record is closed. */
  abandoned(): Promise<void>;
  /** The operation failed after Graph made something, and that was undone: on the record, and closed. */
  compensated(undone: OperationProgress): Promise<void>;
  /** The operation failed and its compensation failed too: the record stays open, marked for repair. */
  compensationFailed(failure: CompensationFailure): Promise<void>;
  /**
   * The change was made in Entra but a later step could not be finished now (a revocation whose vault version is still
   * enabled): the record stays open in state `unfinished`, naming the step, for a retry or the expiry scan to finish.
   */
  unfinished(pending: PendingStep): Promise<void>;
}

/** A step of an operation still to be done after the request gave up on it (state `unfinished`). */
export interface PendingStep {
  appId: string;
  keyId?: string;
  /** The vault secret (slot) the step concerns. */
  secretName?: string;
  /** The Key Vault certificate the step concerns (revokeCertificate). */
  certificateName?: string;
  /** `disableVersion` (the revoked credential's vault versions are still enabled) or `restoreSlot` (the slot's latest
   * version is disabled while a live credential's version exists). */
  step: 'disableVersion' | 'restoreSlot';
}

/**
 * Where an open (unfinished) operation record stands: `started` (intent written), `issued` (Graph acted),
 * `compensationFailed` (a rollback failed), `unfinished` (a change made, a later step pending: see {@link PendingStep}).
 */
export type OperationState = 'started' | 'issued' | 'compensationFailed' | 'unfinished';

/**
 * An operation record still open after its request should long have ended: the process died between Graph and the
 * vault write (class `interrupted`), or a compensation failed. The expiry scan reads these and repairs them.
 */
export interface InterruptedOperation {
  /** Pass to {@link Ledger.resolveInterrupted}. */
  id: string;
  operation: OperationName;
  state: OperationState;
  correlationId: string;
  receivedAt: string;
  /** Last written: the intent, the progress, or the compensation failure. */
  updatedAt: string;
  callerId: string;
  appId?: string;
  objectId?: string;
  keyId?: string;
  applicationDisplayName?: string;
  credentialDisplayName?: string;
  startDateTime?: string;
  endDateTime?: string;
  /** The owner list that was being written (setApplicationOwners): compare with the app's owner tags. */
  owners?: string[];
  /** The failed undo step, when state is `compensationFailed`. */
  compensationStep?: string;
  /** The step still to do and its vault secret or certificate, when state is `unfinished`. */
  pendingStep?: PendingStep['step'];
  secretName?: string;
  certificateName?: string;
}

/** Open operation records about one credential (or one app), to find a request a retry now finishes. */
export interface OpenOperationFilter {
  operation: OperationName;
  appId: string;
  keyId?: string;
}

/**
 * Where this product stored a credential in Key Vault, as the ledger recorded it: the secret of a password credential
 * or the certificate of a key credential (one of the two names is set).
 */
export interface IssuedCredentialRecord {
  appId: string;
  keyId: string;
  secretName?: string;
  secretVersion?: string;
  certificateName?: string;
  certificateVersion?: string;
}

/** How the scan settled an interrupted operation: recorded on the audit trail when the open record is closed. */
export interface InterruptedResolution {
  /** E.g. `completed` (found consistent), `rolledBack` (credential or app removed), `notFound`. */
  outcome: string;
  /** Who settled it, e.g. `expiryScan`. */
  resolvedBy: string;
  appId?: string;
  keyId?: string;
  detail?: string;
}

/** What a request concerned: the app, the credential, and where in Key Vault it lives. */
export interface AuditTarget {
  appId?: string;
  keyId?: string;
  secretName?: string;
  secretVersion?: string;
  certificateName?: string;
  certificateVersion?: string;
}

/** What a request concerned and how it was asked: the members an audit entry and an audit record share. */
export interface AuditFacts extends AuditTarget {
  idempotencyKey?: string;
  /** True when the answer was a replay of the first answer given for the idempotency key. */
  replayed?: boolean;
  /** The Logic Apps run (x-ms-workflow-run-id), workflow and action, when a workflow called. */
  logicApps?: { runId: string; workflowId?: string; actionName?: string };
}

/**
 * The audit record of one request to a route that needs a caller, refused or not (a 401 names the caller
 * `unidentified`). Never a secret value, never a token.
 */
export interface AuditEntry extends AuditFacts {
  /** What the request asked for: the route's operation name (`addSecret`, `listSecrets`, `readAudit`, …). */
  operation: string;
  context: RequestTrace;
  /** HTTP status answered. */
  status: number;
  /** The problem's code when the answer was an error (`LifetimePolicyViolation`, `NotFound`, …). */
  problemType?: string;
}

/** An audit record as read back. */
export interface AuditRecord extends AuditFacts {
  time: string;
  operation: string;
  correlationId: string;
  status?: number;
  problemType?: string;
  caller: { id: string; appId?: string; name?: string; roles: string[] };
  /** For requests that changed Entra: `completed` once the change is whole, else how it ended. */
  operationState?: string;
  /** The owner list an owner change wrote. */
  owners?: string[];
}

/** Which audit records to read: one app's, or a time range's (or both); paged. */
export interface AuditQuery {
  appId?: string;
  /** Inclusive lower bound. */
  from?: Date;
  /** Exclusive upper bound. */
  to?: Date;
  pageSize: number;
  continuationToken?: string;
}

/** One page of audit records, oldest first. */
export interface AuditPage {
  records: AuditRecord[];
  /** Opaque; absent on the last page. */
  continuationToken?: string;
}

/**
 * The audit ledger (Table Storage in Azure, Azurite locally). Writes are what make the API safe to retry and
 * accountable, so {@link beginOperation} failing must stop an operation before it changes anything.
 */
export interface Ledger {
  /** Writes the intent ahead of the first Graph write. Throws (→ 503) when the ledger cannot be written. */
  beginOperation(intent: OperationIntent): Promise<OperationJournal>;
  /** Records one request on the audit trail (one entity per day, one per app when there is one). */
  recordRequest(entry: AuditEntry): Promise<void>;
  /** Open operation records last written before `olderThan`, oldest first: the scan's work list. */
  listInterrupted(olderThan: Date): AsyncIterable<InterruptedOperation>;
  /** Closes an open operation record, putting how it was settled on the audit trail. */
  resolveInterrupted(operation: InterruptedOperation, resolution: InterruptedResolution): Promise<void>;
  /** Open operation records of `filter.operation` about one app (and credential), whatever their age. */
  findOpenOperations(filter: OpenOperationFilter): Promise<InterruptedOperation[]>;
  /**
   * Where the secret or certificate of credential `keyId` of `appId` was stored, if this product issued and stored it
   * (any completed record of the credential that names one).
   */
  findIssuedCredential(appId: string, keyId: string): Promise<IssuedCredentialRecord | undefined>;
  /** Reads audit records. Throws InvalidRequestError for a continuation token it did not make. */
  queryRequests(query: AuditQuery): Promise<AuditPage>;
}

// ---------------------------------------------------------------------------------------------------------------
// Idempotency records: one per (caller, Idempotency-Key), claimed with a conditional insert.
// ---------------------------------------------------------------------------------------------------------------

/** The answer kept for replays: no secret is ever in an answer of this API, so it can be kept whole. */
export interface StoredAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
  /** What the first request acted on, so a replay's audit record names it too. */
  target?: AuditTarget;
}

/** One idempotency record. Times are ISO strings. */
export interface IdempotencyRecord {
  /** The caller the key belongs to (keys are scoped per caller). */
  scope: string;
  key: string;
  /** Hash of method, route, path and canonical body: the same key with another request is refused. */
  fingerprint: string;
  state: 'inFlight' | 'completed';
  /** Correlation id of the request that claimed it. */
  correlationId: string;
  claimedAt: string;
  /** Until then an in-flight claim is honoured; after it, the claimer is taken to be dead. */
  leaseUntil: string;
  /** After this the record is ignored (and purged). */
  expiresAt: string;
  answer?: StoredAnswer;
}

/** A record as read, with the version tag a conditional write must name. */
export interface VersionedIdempotencyRecord {
  record: IdempotencyRecord;
  etag: string;
}

/** Conditional reads and writes of idempotency records; the claim logic itself lives in `http/idempotency.ts`. */
export interface IdempotencyStore {
  /** Inserts if no record has this id: the etag if this call created it, undefined if one exists. */
  create(id: string, record: IdempotencyRecord): Promise<string | undefined>;
  read(id: string): Promise<VersionedIdempotencyRecord | undefined>;
  /** Replaces if still at `etag`: the new etag, or undefined if it changed (or vanished) meanwhile. */
  replace(id: string, record: IdempotencyRecord, etag: string): Promise<string | undefined>;
  /** Deletes if still at `etag`; true if deleted. */
  remove(id: string, etag: string): Promise<boolean>;
  /** Deletes records that expired before `now`; returns how many. */
  purgeExpired(now: Date): Promise<number>;
}
