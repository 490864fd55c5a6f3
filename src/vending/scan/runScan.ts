import { randomUUID } from 'node:crypto';
import { NO_DEADLINE } from '../deadline';
import { VendingDependencies } from '../dependencies';
import { NotFoundError, VendingError } from '../errors';
import { issueSecret } from '../issueSecret';
import { LifetimePolicy } from '../lifetimePolicy';
import { APP_ROLES } from '../ownership';
import {
  Caller,
  CertificateStore,
  Clock,
  Directory,
  InterruptedOperation,
  KeyCredentialDirectory,
  Ledger,
  OwnedApplication,
  RequestContext,
  SecretStore,
  StoredSecretSummary,
  StoredSecretVersionInfo,
} from '../ports';
import { settleSlot } from '../secretSlots';
import { DAY_MS } from '../units';
import {
  Assessment,
  AssessmentRules,
  assessApplication,
  assessStaleVersions,
  SlotView,
  slotsNeedingVersions,
} from './assessApplication';
import { forEachBounded } from './boundedConcurrency';
import {
  CREDENTIAL_KINDS,
  CredentialKind,
  CredentialType,
  KEY_CREDENTIALS,
  PASSWORD_CREDENTIALS,
} from './credentialKinds';
import { IN_FLIGHT_MS, madeBy, repairInterrupted } from './interrupted';
import { ActionOutcome, Finding } from './findings';
import { ScanInProgressError } from './scanErrors';
import { CredentialEvent, EventSink, ScanLease, ScanStore, UsageMeter } from './scanPorts';
import { emptyCounts, ScanReport, ScanTrigger, usageBetween } from './scanReport';
import { SCAN_ACTION_SWITCHES, ScanSettings } from './scanSettings';
import { VaultIndex } from './vaultIndex';

/** What a scan needs: the scan's own (metered) directory and vault, its storage, its event sink and the policy. */
export interface ScanDependencies {
  directory: Directory;
  secretStore: SecretStore;
  /** Key credentials and Key Vault certificates: what repairing an interrupted certificate operation reads and undoes. */
  certificates: { directory: KeyCredentialDirectory; store: CertificateStore };
  /** The audit ledger: rotations are written ahead to it like any addSecret. */
  ledger: Ledger;
  store: ScanStore;
  events: EventSink;
  meter: UsageMeter;
  settings: ScanSettings;
  lifetimePolicy: LifetimePolicy;
  clock: Clock;
  /** The pauses of a rotation's rollback looking for a lost write (see {@link VendingDependencies.sleep}). */
  sleep: VendingDependencies['sleep'];
  /** Told about actions that failed, with ids and a code only; never a secret. */
  warn(message: string, details: Record<string, string>): void;
}

/** How to run one scan. */
export interface ScanOptions {
  /** Judge and report only: no lock, no claim, no write, no event, no stored report. */
  dryRun: boolean;
  trigger: ScanTrigger;
}

/** The scan lock's lease; renewed after every page, so only a run that stopped answering loses it. */
export const SCAN_LEASE_MS = 10 * 60_000;
/** A rotation claim older than this belongs to a run that died: another run may take it over. */
export const ROTATION_CLAIM_TTL_MS = 15 * 60_000;
/** Most vault version lists read at once. */
const READ_CONCURRENCY = 8;
/** Audit records read per ledger page when looking for brought certificates (Table Storage's largest page). */
const LEDGER_PAGE_SIZE = 1000;
/**
 * Who successors are issued for (the `requestedBy` tag of their vault versions): the scan itself, acting with Admin's
 * reach over every app this identity owns (it decided from the listing already; no per-app ownership read).
 */
const SCAN_CALLER: Caller = {
  id: 'expiry-scan',
  kind: 'app',
  clientAppId: undefined,
  roles: [APP_ROLES.admin],
  groups: [],
  scopes: [],
};

/** The event type of a finding class. */
export function eventTypeOf(findingClass: string): string {
  return `com.entra-app-vending.credential.${findingClass}`;
}

/** A successor lives as long as its predecessor did, within the lifetime policy (whole days, at least one). */
export function successorLifetimeDays(credential: { startDateTime: string; endDateTime: string }, maxDays: number) {
  const days = Math.floor((Date.parse(credential.endDateTime) - Date.parse(credential.startDateTime)) / DAY_MS);
  return Math.min(maxDays, Math.max(1, Number.isFinite(days) ? days : maxDays));
}

function errorCode(error: unknown): string {
  return error instanceof VendingError ? error.code : 'Unexpected';
}

/**
 * One run of the expiry scan: page through the apps this identity owns and the vault's secret list, classify every
 * credential and product-written version, act on what is due (bounded concurrency, each step idempotent), tell each
 * finding as an event, and report. Only one run acts at a time (a lease in storage); a dry run acts on nothing.
 * Memory grows with the vault's secret count (one small record each) and the findings, not with the apps' pages.
 */
export async function runScan(deps: ScanDependencies, options: ScanOptions): Promise<ScanReport> {
  const runId = randomUUID();
  const started = deps.clock();
  const usageBefore = deps.meter.read();
  const lease = options.dryRun ? undefined : await deps.store.acquireLock(runId, started, SCAN_LEASE_MS);
  if (!options.dryRun && !lease) throw new ScanInProgressError(Math.ceil(SCAN_LEASE_MS / 1000));
  try {
    const run = new ScanRun(deps, options, runId, lease);
    await run.execute();
    const finished = deps.clock();
    const report = run.report(started, finished, usageBetween(usageBefore, deps.meter.read()));
    if (lease) {
      await lease.renew(finished);
      await deps.store.saveReport(report);
    }
    return report;
  } finally {
    await lease?.release().catch(() => deps.warn('The scan lock could not be released; it expires by itself.', {}));
  }
}

/** The Key Vault side of one credential kind: its version lists and the disabling of a version. */
interface VersionStore {
  listVersions(name: string): Promise<StoredSecretVersionInfo[]>;
  disableVersion(name: string, version: string): Promise<void>;
}

/** One credential kind in a run: the index of its vault objects, where their versions live, how the list is read. */
interface KindInRun {
  kind: CredentialKind;
  index: VaultIndex;
  vault: VersionStore;
  list: () => AsyncIterable<StoredSecretSummary[]>;
}

/** A vault slot view, with the store its versions are read from. */
type ViewToRead = { view: SlotView; vault: VersionStore };

class ScanRun {
  private readonly kinds: readonly KindInRun[];
  private readonly counts = emptyCounts();
  private readonly outcomes: Record<string, number> = {};
  private readonly findings: Finding[] = [];
  private readonly events = { published: 0, failed: 0 };
  private applications = 0;
  private credentials = 0;
  private keyCredentials = 0;
  private readonly vending: VendingDependencies;
  /** Open operation records: those younger than IN_FLIGHT_MS may still be running; older ones were interrupted. */
  private inFlight: InterruptedOperation[] = [];
  private interrupted: InterruptedOperation[] = [];

  constructor(
    private readonly deps: ScanDependencies,
    private readonly options: ScanOptions,
    private readonly runId: string,
    private readonly lease: ScanLease | undefined,
  ) {
    this.vending = {
      directory: deps.directory,
      secretStore: deps.secretStore,
      ledger: deps.ledger,
      lifetimePolicy: deps.lifetimePolicy,
      expiringWithinDays: deps.settings.expiringWithinDays,
      clock: deps.clock,
      sleep: deps.sleep,
      warn: (message, details) => deps.warn(message, details),
    };
    const certificates = deps.certificates.store;
    this.kinds = [
      {
        kind: PASSWORD_CREDENTIALS,
        index: new VaultIndex(PASSWORD_CREDENTIALS),
        vault: deps.secretStore,
        list: () => deps.secretStore.secretPages(),
      },
      {
        kind: KEY_CREDENTIALS,
        index: new VaultIndex(KEY_CREDENTIALS),
        vault: certificates,
        list: () => certificates.certificatePages(),
      },
    ];
  }

  private kindOf(type: CredentialType): KindInRun {
    return this.kinds.find((k) => k.kind.type === type)!;
  }

  /** The scan as a request on the ledger's record: its run id is the correlation id of what it writes ahead. */
  private requestContext(): RequestContext {
    return {
      caller: SCAN_CALLER,
      trace: {
        caller: { id: SCAN_CALLER.id, roles: SCAN_CALLER.roles },
        correlationId: this.runId,
        receivedAt: this.deps.clock(),
      },
      // A timer, not a request: no caller waits on it, so no deadline cuts its calls short.
      deadline: NO_DEADLINE,
    };
  }

  /** The rules credentials of `kind` are judged by, now. */
  private rules(kind: CredentialKind): AssessmentRules {
    const { settings } = this.deps;
    return {
      thresholds: {
        maxLifetimeDays: settings[kind.maxLifetimeSetting],
        expiringWithinDays: settings.expiringWithinDays,
      },
      graceDays: settings.graceDays,
      rotationOverlapDays: settings.rotationOverlapDays,
      now: this.deps.clock(),
    };
  }

  async execute(): Promise<void> {
    // Interrupted requests first: what they left behind is settled as theirs, before it is judged as an orphan.
    await this.readOpenOperations();
    await this.recoverInterrupted();
    for (const { index, list } of this.kinds) for await (const page of list()) for (const item of page) index.add(item);
    for await (const page of this.deps.directory.ownedApplicationPages()) {
      await this.scanPage(page);
      await this.lease?.renew(this.deps.clock());
    }
    await this.scanForeignSlots();
  }

  /** The ledger's open operation records, read once: few, and needed while judging orphans. */
  private async readOpenOperations(): Promise<void> {
    const now = this.deps.clock();
    const cutoff = now.getTime() - IN_FLIGHT_MS;
    for await (const op of this.deps.ledger.listInterrupted(now)) {
      // An `unfinished` record's request has answered (503, retry): nothing is running it, whatever its age.
      const running = op.state !== 'unfinished' && Date.parse(op.updatedAt) > cutoff;
      (running ? this.inFlight : this.interrupted).push(op);
    }
  }

  /** Every interrupted operation: finished or rolled back from what Graph and the vault hold, then closed. */
  private async recoverInterrupted(): Promise<void> {
    const now = this.deps.clock();
    const found: { finding: Finding }[] = [];
    for (const op of this.interrupted) {
      this.counts.interrupted++;
      const finding: Finding = {
        ...(op.appId ? { appId: op.appId } : {}),
        ...(op.keyId ? { keyId: op.keyId } : {}),
        ...credentialTypeOf(op.operation),
        class: 'interrupted',
        action: 'recover',
        outcome: 'none',
        operation: op.operation,
        correlationId: op.correlationId,
        ...(op.credentialDisplayName ? { credentialDisplayName: op.credentialDisplayName } : {}),
      };
      found.push({ finding: await this.recover(op, finding) });
    }
    await this.tell(found, now);
  }

  private async recover(op: InterruptedOperation, finding: Finding): Promise<Finding> {
    const settle = (outcome: ActionOutcome, extra: Partial<Finding> = {}): Finding => {
      this.outcomes[outcome] = (this.outcomes[outcome] ?? 0) + 1;
      const result = { ...finding, outcome, ...extra };
      this.findings.push(result);
      return result;
    };
    if (!this.deps.settings.actions.has('recoverInterrupted')) return settle('switchedOff');
    if (this.options.dryRun) return settle('dryRun');
    try {
      const repair = await repairInterrupted(this.deps, op);
      await this.deps.ledger.resolveInterrupted(op, {
        outcome: repair.outcome,
        resolvedBy: 'expiryScan',
        ...(op.appId ? { appId: op.appId } : {}),
        ...(repair.keyId ? { keyId: repair.keyId } : {}),
        detail: repair.detail,
      });
      return settle('done', {
        resolution: repair.outcome,
        detail: repair.detail,
        ...(repair.keyId ? { keyId: repair.keyId } : {}),
      });
    } catch (error) {
      this.deps.warn('An interrupted operation could not be settled; the next run tries again.', {
        correlationId: op.correlationId,
        operation: op.operation,
        code: errorCode(error),
      });
      return settle('failed', { error: errorCode(error) });
    }
  }

  /** One page of owned apps: read the version lists the decisions need, judge, act, tell. */
  private async scanPage(page: OwnedApplication[]): Promise<void> {
    const now = this.deps.clock();
    const apps = page.map((app) => ({
      app,
      views: this.kinds.map(({ index }) => index.takeAppSlots(app.appId).map((slot): SlotView => ({ slot }))),
    }));
    const toList = apps.flatMap(({ app, views }) =>
      this.kinds.flatMap(({ kind, vault }, i) => {
        const kindViews = views[i]!;
        const slots = kindViews.map((v) => v.slot);
        const needed = new Set(slotsNeedingVersions(app, slots, this.rules(kind), kind));
        return kindViews.filter((v) => needed.has(v.slot)).map((view): ViewToRead => ({ view, vault }));
      }),
    );
    await this.readVersions(toList);
    const pageFindings: { finding: Finding; displayName?: string }[] = [];
    await forEachBounded(apps, this.deps.settings.writeConcurrency, async ({ app, views }) => {
      this.applications++;
      this.credentials += app.passwordCredentials.length;
      this.keyCredentials += app.keyCredentials.length;
      // One app's actions run one after another: Graph changes one application object at a time (and key credentials
      // are written as a whole collection).
      for (const assessment of await this.assess(app, views)) {
        this.counts[assessment.class]++;
        if (assessment.class === 'healthy' && assessment.action === 'none') continue;
        pageFindings.push({ finding: await this.act(assessment, now), displayName: app.displayName });
      }
    });
    await this.tell(pageFindings, now);
  }

  /**
   * Every credential of `app`, of every kind, judged against its vault views. Credentials of a kind that can be added
   * without a vault object (brought certificates) that look orphaned are judged again with the keyIds the ledger
   * records this API adding: one ledger read, only for apps that have such a credential.
   */
  private async assess(app: OwnedApplication, views: SlotView[][]): Promise<Assessment[]> {
    const assessments: Assessment[] = [];
    for (const [i, { kind }] of this.kinds.entries()) {
      const rules = this.rules(kind);
      let judged = assessApplication(app, views[i]!, rules, kind);
      const orphans = judged.filter((a) => a.class === 'orphaned').map((a) => a.keyId.toLowerCase());
      if (kind.addedWithoutVault && orphans.length > 0) {
        const vouched = await this.addedByThisApi(app.appId, kind.addedWithoutVault, orphans);
        judged = assessApplication(app, views[i]!, rules, kind, vouched);
      }
      assessments.push(...judged);
    }
    return assessments;
  }

  /**
   * Which of `keyIds` the ledger's audit trail records `operation` adding to `appId` (completed, or answered 201). If
   * the ledger cannot be read, all of them: the scan never removes a credential it cannot tell is not this API's.
   */
  private async addedByThisApi(appId: string, operation: string, keyIds: string[]): Promise<Set<string>> {
    const wanted = new Set(keyIds);
    const found = new Set<string>();
    try {
      let continuationToken: string | undefined;
      do {
        const page = await this.deps.ledger.queryRequests({
          appId,
          pageSize: LEDGER_PAGE_SIZE,
          ...(continuationToken ? { continuationToken } : {}),
        });
        for (const record of page.records) {
          const keyId = record.keyId?.toLowerCase();
          const added = record.operationState === 'completed' || record.status === 201;
          if (record.operation === operation && added && keyId && wanted.has(keyId)) found.add(keyId);
        }
        continuationToken = page.continuationToken;
      } while (continuationToken !== undefined && found.size < wanted.size);
      return found;
    } catch (error) {
      this.deps.warn('The scan could not read the ledger; credentials it could not place are not judged orphaned.', {
        appId,
        code: errorCode(error),
      });
      return wanted;
    }
  }

  /**
   * Vault objects of apps the listing did not return (deleted, or no longer owned): stale where their credential is
   * gone. One Graph read per such app covers both kinds.
   */
  private async scanForeignSlots(): Promise<void> {
    const now = this.deps.clock();
    const byApp = new Map<string, SlotView[][]>();
    for (const [i, { index }] of this.kinds.entries()) {
      for (const [appId, slots] of index.remaining()) {
        const enabled = slots.filter((s) => s.latestEnabled).map((slot): SlotView => ({ slot }));
        if (enabled.length === 0) continue;
        const views = byApp.get(appId) ?? this.kinds.map((): SlotView[] => []);
        views[i] = enabled;
        byApp.set(appId, views);
      }
    }
    const found: { finding: Finding }[] = [];
    await forEachBounded([...byApp.entries()], READ_CONCURRENCY, async ([appId, views]) => {
      let credentials;
      try {
        credentials = await this.deps.directory.findAllCredentials(appId);
        await this.readVersions(this.kinds.flatMap(({ vault }, i) => views[i]!.map((view) => ({ view, vault }))));
      } catch (error) {
        this.deps.warn('The scan could not read a vault slot of an application it does not own.', {
          appId,
          code: errorCode(error),
        });
        return;
      }
      for (const [i, { kind }] of this.kinds.entries()) {
        const live = new Set((credentials ? kind.credentialsOf(credentials) : []).map((c) => c.keyId.toLowerCase()));
        for (const assessment of assessStaleVersions(appId, live, views[i]!, this.rules(kind), kind)) {
          this.counts[assessment.class]++;
          found.push({ finding: await this.act(assessment, now) });
        }
      }
    });
    await this.tell(found, now);
  }

  private async readVersions(views: ViewToRead[]): Promise<void> {
    await forEachBounded(views, READ_CONCURRENCY, async ({ view, vault }) => {
      view.versions = await vault.listVersions(view.slot.name);
    });
  }

  /** Decides and, when due and allowed, takes the action of one assessment; never throws for a failed action. */
  private async act(assessment: Assessment, now: Date): Promise<Finding> {
    const finding = toFinding(assessment);
    const { settings } = this.deps;
    const outcome = (value: ActionOutcome, extra: Partial<Finding> = {}): Finding => {
      this.outcomes[value] = (this.outcomes[value] ?? 0) + 1;
      const result = { ...finding, outcome: value, ...extra };
      this.findings.push(result);
      return result;
    };
    if (assessment.action === 'none') return outcome('none');
    if (assessment.switch && !settings.actions.has(assessment.switch)) return outcome('switchedOff');
    if (assessment.due && assessment.due.getTime() > now.getTime())
      return outcome('pending', { dueDateTime: assessment.due.toISOString() });
    // madeBy reads the keyId, slot and window, which every kind of credential has.
    const credential = { hint: null, ...assessment.credential! };
    if (assessment.class === 'orphaned' && this.inFlight.some((op) => madeBy(op, assessment.appId, credential)))
      return outcome('inFlight');
    if (this.options.dryRun) return outcome('dryRun');
    try {
      switch (assessment.action) {
        case 'rotate':
          return await this.rotate(assessment, outcome);
        case 'removeCredential':
        case 'removePredecessor':
          return outcome(await this.removeCredential(assessment));
        case 'disableVersion':
          await this.disableVersion(assessment);
          return outcome('done');
        default:
          return outcome('none');
      }
    } catch (error) {
      this.deps.warn('An expiry scan action failed; the next run tries again.', {
        appId: assessment.appId,
        keyId: assessment.keyId,
        action: assessment.action,
        code: errorCode(error),
      });
      return outcome('failed', { error: errorCode(error) });
    }
  }

  /**
   * A successor into the same vault secret, claimed first so no two runs rotate one credential: `addPassword`, then
   * the new version (the versionless reference now yields it), then the claim is marked done. A failure after
   * `addPassword` removes the successor again (issueSecret's compensation); a crash leaves it orphaned, and the
   * stale claim lets a later run take over.
   */
  private async rotate(
    assessment: Assessment,
    outcome: (value: ActionOutcome, extra?: Partial<Finding>) => Finding,
  ): Promise<Finding> {
    const credential = assessment.credential!;
    const claim = await this.deps.store.claimRotation(
      assessment.keyId,
      this.runId,
      this.deps.clock(),
      ROTATION_CLAIM_TTL_MS,
    );
    if (claim.state === 'busy') return outcome('claimedElsewhere');
    if (claim.state === 'done') return outcome('alreadyDone', { successorKeyId: claim.successorKeyId });
    const issued = await issueSecret(
      this.vending,
      assessment.appId,
      {
        displayName: credential.displayName ?? undefined,
        lifetimeDays: successorLifetimeDays(credential, this.deps.settings.maxLifetimeDays),
      },
      this.requestContext(),
    );
    await this.deps.store.completeRotation(assessment.keyId, this.runId, issued.keyId, this.deps.clock());
    return outcome('done', { successorKeyId: issued.keyId, secretVersion: issued.keyVault.version });
  }

  /**
   * `removePassword`, or for a key credential the whole-collection write that keeps the others (already gone counts as
   * done by someone else), then disable the version (secret or certificate) that held it.
   */
  private async removeCredential(assessment: Assessment): Promise<ActionOutcome> {
    let result: ActionOutcome = 'done';
    try {
      if (assessment.credentialType === 'certificate') {
        await this.deps.certificates.directory.removeKeyCredential(assessment.appId, assessment.keyId);
      } else {
        await this.deps.directory.removePassword(assessment.appId, assessment.keyId);
      }
    } catch (error) {
      if (!(error instanceof NotFoundError)) throw error;
      result = 'alreadyDone';
    }
    if (assessment.version) {
      await this.disableVersion(assessment);
      // The slot's promise, as after a revocation: its versionless URI serves its newest live credential. One vault
      // read when the disabled version was not the one it served; the app's credentials are read only when another
      // enabled version could take its place.
      if (assessment.credentialType === 'password') {
        const { appId } = assessment;
        const live = async () =>
          ((await this.deps.directory.findAllCredentials(appId))?.passwordCredentials ?? []).map((c) => c.keyId);
        await settleSlot(this.deps.secretStore, assessment.version.name, live);
      }
    }
    return result;
  }

  private async disableVersion(assessment: Assessment): Promise<void> {
    const version = assessment.version!;
    await this.kindOf(assessment.credentialType).vault.disableVersion(version.name, version.version);
  }

  /** One event per finding, when events are on and this is no dry run. */
  private async tell(found: { finding: Finding; displayName?: string }[], now: Date): Promise<void> {
    if (this.options.dryRun || !this.deps.settings.actions.has('events') || found.length === 0) return;
    const day = now.toISOString().slice(0, 10);
    const events: CredentialEvent[] = found.map(({ finding, displayName }) => ({
      id: [
        finding.appId,
        finding.keyId ?? finding.correlationId,
        finding.class,
        finding.action,
        finding.outcome,
        day,
      ].join(':'),
      type: eventTypeOf(finding.class),
      subject: subjectOf(finding),
      time: now.toISOString(),
      data: {
        ...finding,
        runId: this.runId,
        ...(displayName !== undefined ? { applicationDisplayName: displayName } : {}),
      },
    }));
    try {
      const result = await this.deps.events.publish(events);
      this.events.published += result.published;
      this.events.failed += result.failed;
    } catch (error) {
      // The queue could not be reached at all: the findings are in the report; the next run tells them again.
      this.events.failed += events.length;
      this.deps.warn('The expiry scan could not send its events.', { code: errorCode(error) });
    }
  }

  report(started: Date, finished: Date, usage: ScanReport['usage']): ScanReport {
    const { settings } = this.deps;
    return {
      runId: this.runId,
      trigger: this.options.trigger,
      dryRun: this.options.dryRun,
      startedAt: started.toISOString(),
      finishedAt: finished.toISOString(),
      durationMs: finished.getTime() - started.getTime(),
      applications: this.applications,
      credentials: this.credentials,
      keyCredentials: this.keyCredentials,
      vaultSecrets: this.kindOf('password').index.size,
      vaultCertificates: this.kindOf('certificate').index.size,
      counts: this.counts,
      outcomes: this.outcomes,
      findings: this.findings,
      events: this.events,
      usage,
      settings: {
        actions: SCAN_ACTION_SWITCHES.filter((s) => settings.actions.has(s)),
        graceDays: settings.graceDays,
        rotationOverlapDays: settings.rotationOverlapDays,
      },
    };
  }
}

/** The kind of credential an interrupted operation concerned (none for an owner change). */
function credentialTypeOf(operation: InterruptedOperation['operation']): { credentialType?: CredentialType } {
  if (operation === 'setApplicationOwners') return {};
  return {
    credentialType: operation === 'addCertificate' || operation === 'revokeCertificate' ? 'certificate' : 'password',
  };
}

/**
 * `applications/<appId>/passwordCredentials/<keyId>` (or `keyCredentials` for a certificate), or for an interrupted
 * operation without a credential, its request.
 */
function subjectOf(finding: Finding): string {
  if (finding.keyId) {
    const collection = CREDENTIAL_KINDS.find((k) => k.type === finding.credentialType)?.collection;
    return `applications/${finding.appId}/${collection ?? 'passwordCredentials'}/${finding.keyId}`;
  }
  const operation = `operations/${finding.correlationId}`;
  return finding.appId ? `applications/${finding.appId}/${operation}` : operation;
}

function toFinding(assessment: Assessment): Omit<Finding, 'outcome'> {
  const { credential, version, vaultName } = assessment;
  const certificate = assessment.credentialType === 'certificate';
  return {
    appId: assessment.appId,
    keyId: assessment.keyId,
    credentialType: assessment.credentialType,
    class: assessment.class,
    action: assessment.action,
    ...(credential
      ? {
          credentialDisplayName: credential.displayName,
          startDateTime: credential.startDateTime,
          endDateTime: credential.endDateTime,
        }
      : {}),
    ...(vaultName ? (certificate ? { certificateName: vaultName } : { secretName: vaultName }) : {}),
    ...(version ? (certificate ? { certificateVersion: version.version } : { secretVersion: version.version }) : {}),
  };
}
