import { randomBytes, randomUUID } from 'node:crypto';
import { NO_DEADLINE, RequestDeadline } from '../../../src/vending/deadline';
import { NotFoundError } from '../../../src/vending/errors';
import { VendingDependencies } from '../../../src/vending/dependencies';
import { APP_ROLES, ownerTag } from '../../../src/vending/ownership';
import {
  ApplicationInfo,
  ApplicationPage,
  AuditEntry,
  AuditPage,
  AuditQuery,
  AuditRecord,
  Caller,
  CurrentSecretVersion,
  Directory,
  InterruptedOperation,
  InterruptedResolution,
  IssuedPassword,
  IssuedCredentialRecord,
  KeyCredentialInfo,
  Ledger,
  OperationIntent,
  OperationJournal,
  OperationResult,
  OperationState,
  OwnedApplication,
  OpenOperationFilter,
  PasswordCredentialInfo,
  PasswordRequest,
  PendingStep,
  RequestContext,
  SecretStore,
  StoredSecretSummary,
  StoredSecretVersion,
  StoredSecretVersionInfo,
  TaggedApplication,
} from '../../../src/vending/ports';

/** A caller as `http/callers.ts` makes them: an app-only service principal unless told otherwise. */
export function testCaller(overrides: Partial<Caller> = {}): Caller {
  return {
    id: randomUUID(),
    kind: 'app',
    clientAppId: randomUUID(),
    roles: [],
    groups: [],
    scopes: [],
    ...overrides,
  };
}

/** The owner of every app `seedApplication` makes unless told otherwise; it holds App.Create and Secret.Create. */
export const OWNER: Caller = testCaller({
  id: '7d1c3a2e-0000-4000-8000-00000000c0de',
  roles: [APP_ROLES.appCreate, APP_ROLES.secretCreate],
});

export interface Call {
  method: string;
  args: unknown[];
}

type DirectoryMethod = keyof Directory;

interface FakeApp {
  info: ApplicationInfo;
  tags: string[];
  description?: string;
  passwordCredentials: PasswordCredentialInfo[];
  servicePrincipalId?: string;
}

/** Runs a synchronous fake body as an async call: its throw becomes a rejection. */
function settle<T>(body: () => T): Promise<T> {
  try {
    return Promise.resolve(body());
  } catch (error) {
    return Promise.reject(error instanceof Error ? error : new Error(String(error)));
  }
}

function metadataOf(password: IssuedPassword): PasswordCredentialInfo {
  const { keyId, displayName, hint, startDateTime, endDateTime } = password;
  return { keyId, displayName, hint, startDateTime, endDateTime };
}

/** An in-memory Entra directory: holds apps and their credentials, records every call, fails on demand. */
export class FakeDirectory implements Directory {
  readonly calls: Call[] = [];
  /** Also told every call, when given: one order across the directory, the vault and the ledger. */
  constructor(private readonly timeline?: Call[]) {}
  readonly apps = new Map<string, FakeApp>();
  /** Every secret value this fake ever issued, to search outputs for leaks. */
  readonly issuedSecretTexts: string[] = [];
  /** keyIds of every password this fake issued, in order. */
  readonly issuedKeyIds: string[] = [];
  /** Every application this fake created, in order (kept after deletion). */
  readonly createdApplications: ApplicationInfo[] = [];
  private readonly failures = new Map<DirectoryMethod, Error>();
  /** Apps per page of `ownedApplicationPages` (Graph's largest page by default). */
  pageSize = 999;
  /** The key credentials the listings show for an app (none, unless a test links a key-credential fake). */
  keyCredentialsOf: (appId: string) => KeyCredentialInfo[] = () => [];

  failOn(method: DirectoryMethod, error: Error): void {
    this.failures.set(method, error);
  }

  /** Stops failing `method`. */
  recover(method: DirectoryMethod): void {
    this.failures.delete(method);
  }

  /** The next call to `method` does its work, then fails with `error`: an answer lost on the way back. */
  loseAnswerOf(method: 'addPassword' | 'createApplication', error: Error): void {
    const original = this[method].bind(this) as (...args: unknown[]) => Promise<unknown>;
    (this as unknown as Record<string, unknown>)[method] = async (...args: unknown[]) => {
      (this as unknown as Record<string, unknown>)[method] = original;
      await original(...args);
      throw error;
    };
  }

  callsTo(method: DirectoryMethod): unknown[][] {
    return this.calls.filter((c) => c.method === method).map((c) => c.args);
  }

  private enter(method: DirectoryMethod, args: unknown[]): void {
    this.calls.push({ method, args });
    this.timeline?.push({ method: `directory.${method}`, args });
    const failure = this.failures.get(method);
    if (failure) throw failure;
  }

  /** Adds an app this identity owns directly (as if made elsewhere), with owner tags for `owners`, returning it. */
  seedApplication(
    displayName = 'seeded',
    credentials: PasswordCredentialInfo[] = [],
    owners: string[] = [OWNER.id],
  ): ApplicationInfo {
    const info = { id: randomUUID(), appId: randomUUID(), displayName };
    this.apps.set(info.appId, { info, tags: owners.map(ownerTag), passwordCredentials: [...credentials] });
    return info;
  }

  private issue(password: PasswordRequest): IssuedPassword {
    const secretText = `s3cr3t~${randomBytes(18).toString('base64url')}`;
    this.issuedSecretTexts.push(secretText);
    const keyId = randomUUID();
    this.issuedKeyIds.push(keyId);
    return {
      keyId,
      displayName: password.displayName,
      hint: secretText.slice(0, 3),
      // As the Graph adapter does: ISO strings of the dates asked for.
      startDateTime: password.startDateTime.toISOString(),
      endDateTime: password.endDateTime.toISOString(),
      secretText,
    };
  }

  private owned(appId: string): FakeApp {
    const app = [...this.apps.values()].find((a) => a.info.appId.toLowerCase() === appId.toLowerCase());
    if (!app) throw new NotFoundError(`no app ${appId}`);
    return app;
  }

  createApplication(input: {
    displayName: string;
    description?: string;
    tags: string[];
    password?: PasswordRequest;
  }): Promise<{ application: ApplicationInfo; password?: IssuedPassword }> {
    // The budget (a last argument) is not recorded: calls are compared by what they ask Graph for.
    return settle(() => {
      this.enter('createApplication', [input]);
      const info = { id: randomUUID(), appId: randomUUID(), displayName: input.displayName };
      this.createdApplications.push({ ...info });
      const app: FakeApp = { info, tags: [...input.tags], passwordCredentials: [] };
      if (input.description !== undefined) app.description = input.description;
      this.apps.set(info.appId, app);
      if (!input.password) return { application: { ...info } };
      const password = this.issue(input.password);
      app.passwordCredentials.push(metadataOf(password));
      return { application: { ...info }, password };
    });
  }

  createServicePrincipal(appId: string): Promise<{ id: string }> {
    return settle(() => {
      this.enter('createServicePrincipal', [appId]);
      const app = this.owned(appId);
      app.servicePrincipalId = randomUUID();
      return { id: app.servicePrincipalId };
    });
  }

  deleteApplication(objectId: string): Promise<void> {
    return settle(() => {
      this.enter('deleteApplication', [objectId]);
      const app = [...this.apps.values()].find((a) => a.info.id === objectId);
      if (!app) throw new NotFoundError(`no app object ${objectId}`);
      this.apps.delete(app.info.appId);
    });
  }

  findOwnedApplicationsTagged(tag: string): Promise<ApplicationInfo[]> {
    return settle(() => {
      this.enter('findOwnedApplicationsTagged', [tag]);
      return [...this.apps.values()].filter((a) => a.tags.includes(tag)).map((a) => ({ ...a.info }));
    });
  }

  addPassword(appId: string, password: PasswordRequest): Promise<IssuedPassword> {
    return settle(() => {
      this.enter('addPassword', [appId, password]);
      const app = this.owned(appId);
      const issued = this.issue(password);
      app.passwordCredentials.push(metadataOf(issued));
      return issued;
    });
  }

  removePassword(appId: string, keyId: string): Promise<void> {
    return settle(() => {
      this.enter('removePassword', [appId, keyId]);
      const app = this.owned(appId);
      const index = app.passwordCredentials.findIndex((c) => c.keyId === keyId);
      if (index < 0) throw new NotFoundError(`no credential ${keyId}`);
      app.passwordCredentials.splice(index, 1);
    });
  }

  getOwnedApplication(appId: string): Promise<TaggedApplication & { passwordCredentials: PasswordCredentialInfo[] }> {
    return settle(() => {
      this.enter('getOwnedApplication', [appId]);
      const app = this.owned(appId);
      return { ...app.info, tags: [...app.tags], passwordCredentials: app.passwordCredentials.map((c) => ({ ...c })) };
    });
  }

  getApplication(appId: string): Promise<TaggedApplication> {
    return settle(() => {
      this.enter('getApplication', [appId]);
      const app = this.owned(appId);
      return { ...app.info, tags: [...app.tags] };
    });
  }

  /** Pages in insertion order; the skip token is the index of the page's first app. */
  listOwnedApplications(page: { top: number; skipToken?: string }): Promise<ApplicationPage> {
    return settle(() => {
      this.enter('listOwnedApplications', [page]);
      const all = [...this.apps.values()];
      const start = page.skipToken === undefined ? 0 : Number(page.skipToken);
      const applications = all.slice(start, start + page.top).map((a) => ({ ...a.info, tags: [...a.tags] }));
      const next = start + page.top;
      return next < all.length ? { applications, skipToken: String(next) } : { applications };
    });
  }

  setApplicationTags(appId: string, tags: string[]): Promise<void> {
    return settle(() => {
      this.enter('setApplicationTags', [appId, tags]);
      this.owned(appId).tags = [...tags];
    });
  }

  async *ownedApplicationPages(): AsyncIterable<OwnedApplication[]> {
    const all = [...this.apps.values()];
    for (let start = 0; start === 0 || start < all.length; start += this.pageSize) {
      this.enter('ownedApplicationPages', [start]);
      yield await Promise.resolve(
        all.slice(start, start + this.pageSize).map((app) => ({
          ...app.info,
          tags: [...app.tags],
          passwordCredentials: app.passwordCredentials.map((c) => ({ ...c })),
          keyCredentials: this.keyCredentialsOf(app.info.appId),
        })),
      );
    }
  }

  findAllCredentials(appId: string) {
    return settle(() => {
      this.enter('findAllCredentials', [appId]);
      const app = [...this.apps.values()].find((a) => a.info.appId.toLowerCase() === appId.toLowerCase());
      return app && { passwordCredentials: [...app.passwordCredentials], keyCredentials: this.keyCredentialsOf(appId) };
    });
  }

  findApplicationCredentials(appId: string): Promise<PasswordCredentialInfo[] | undefined> {
    return settle(() => {
      this.enter('findApplicationCredentials', [appId]);
      const app = [...this.apps.values()].find((a) => a.info.appId.toLowerCase() === appId.toLowerCase());
      return app?.passwordCredentials.map((c) => ({ ...c }));
    });
  }
}

interface FakeVersion {
  version: string;
  value: string;
  enabled: boolean;
  contentType: string;
  notBefore: Date;
  expiresOn: Date;
  tags: Record<string, string>;
  /** Whole seconds, as Key Vault keeps them: versions written in one second tie. */
  createdOn: Date;
}

type StoreMethod = 'put' | 'listVersions' | 'disableVersion' | 'currentVersion' | 'restoreVersion' | 'secretPages';

/** Whole seconds, as Key Vault keeps a version's creation time: versions written in one second tie. */
function wholeSeconds(date: Date): Date {
  return new Date(Math.floor(date.getTime() / 1000) * 1000);
}

/** An in-memory Key Vault: secrets with versions, values and tags; records calls; fails on demand. */
export class FakeSecretStore implements SecretStore {
  readonly calls: Call[] = [];
  readonly secrets = new Map<string, FakeVersion[]>();
  private readonly failures = new Map<StoreMethod, Error>();

  constructor(
    readonly vaultUrl = 'https://kv-unit.vault.azure.net',
    private readonly timeline?: Call[],
    private readonly now: () => Date = () => new Date(),
  ) {}

  failOn(method: StoreMethod, error: Error): void {
    this.failures.set(method, error);
  }

  /** Stops failing `method`. */
  recover(method: StoreMethod): void {
    this.failures.delete(method);
  }

  callsTo(method: StoreMethod): unknown[][] {
    return this.calls.filter((c) => c.method === method).map((c) => c.args);
  }

  private enter(method: StoreMethod, args: unknown[]): void {
    this.calls.push({ method, args });
    this.timeline?.push({ method: `secretStore.${method}`, args });
    const failure = this.failures.get(method);
    if (failure) throw failure;
  }

  private idOf(name: string, version: string): string {
    return `${this.vaultUrl.replace(/\/+$/, '')}/secrets/${name}/${version}`;
  }

  put(
    name: string,
    value: string,
    options: { contentType: string; notBefore: Date; expiresOn: Date; tags: Record<string, string> },
  ): Promise<StoredSecretVersion> {
    return settle(() => {
      this.enter('put', [name, value, options]);
      const version = randomBytes(16).toString('hex');
      const versions = this.secrets.get(name) ?? [];
      versions.push({
        version,
        value,
        enabled: true,
        ...options,
        tags: { ...options.tags },
        createdOn: wholeSeconds(this.now()),
      });
      this.secrets.set(name, versions);
      return { name, version, id: this.idOf(name, version) };
    });
  }

  /** The value the versionless URI of `name` serves, or why not: what a consumer's Key Vault reference resolves to. */
  resolve(name: string): { value: string; keyId: string | undefined } | 'disabled' | 'missing' {
    const latest = this.secrets.get(name)?.at(-1);
    if (!latest) return 'missing';
    return latest.enabled ? { value: latest.value, keyId: latest.tags.keyId } : 'disabled';
  }

  currentVersion(name: string): Promise<CurrentSecretVersion | undefined> {
    return settle(() => {
      this.enter('currentVersion', [name]);
      const latest = this.secrets.get(name)?.at(-1);
      if (!latest) return undefined;
      return latest.enabled ? { enabled: true as const, version: latest.version } : { enabled: false as const };
    });
  }

  restoreVersion(name: string, from: string, tags: Record<string, string>): Promise<StoredSecretVersion> {
    return settle(() => {
      this.enter('restoreVersion', [name, from, tags]);
      const versions = this.secrets.get(name) ?? [];
      const source = versions.find((v) => v.version === from);
      if (!source) throw new NotFoundError(`no version ${name}/${from}`);
      if (!source.enabled) throw new Error(`version ${name}/${from} is disabled: its value cannot be read`);
      const version = randomBytes(16).toString('hex');
      versions.push({ ...source, version, enabled: true, tags: { ...tags }, createdOn: wholeSeconds(this.now()) });
      return { name, version, id: this.idOf(name, version) };
    });
  }

  listVersions(name: string): Promise<StoredSecretVersionInfo[]> {
    return settle(() => {
      this.enter('listVersions', [name]);
      return (this.secrets.get(name) ?? []).map((v) => ({
        name,
        version: v.version,
        id: this.idOf(name, v.version),
        enabled: v.enabled,
        tags: { ...v.tags },
        createdOn: v.createdOn,
      }));
    });
  }

  /** The vault's secret list: the latest version of each secret, 25 a page, as Key Vault serves it. */
  async *secretPages(): AsyncIterable<StoredSecretSummary[]> {
    const latest = [...this.secrets.entries()].flatMap(([name, versions]) => {
      const last = versions[versions.length - 1];
      return last ? [{ name, enabled: last.enabled, tags: { ...last.tags }, createdOn: last.createdOn }] : [];
    });
    for (let start = 0; start === 0 || start < latest.length; start += 25) {
      this.enter('secretPages', [start]);
      yield await Promise.resolve(latest.slice(start, start + 25));
    }
  }

  disableVersion(name: string, version: string): Promise<void> {
    return settle(() => {
      this.enter('disableVersion', [name, version]);
      const found = (this.secrets.get(name) ?? []).find((v) => v.version === version);
      if (!found) throw new NotFoundError(`no version ${name}/${version}`);
      found.enabled = false;
    });
  }
}

/** The members of `source` named in `keys` that are defined. */
function pick<T extends object, K extends keyof T>(source: T, keys: K[]): Partial<Pick<T, K>> {
  return Object.fromEntries(keys.filter((k) => source[k] !== undefined).map((k) => [k, source[k]])) as Partial<
    Pick<T, K>
  >;
}

/** The audit record a completed operation leaves, as the table ledger writes it. */
function completedRecord(intent: OperationIntent, result: OperationResult): AuditRecord {
  const { caller, correlationId, receivedAt } = intent.context;
  return {
    time: receivedAt.toISOString(),
    operation: intent.operation,
    correlationId,
    caller: { id: caller.id, roles: [...caller.roles] },
    operationState: 'completed',
    ...result,
    owners: result.owners ? [...result.owners] : undefined,
  };
}

/** One step an operation's journal took, in order: what the ledger was told. */
export type JournalStep =
  | { step: 'begin'; intent: OperationIntent }
  | {
      step: 'issued' | 'completed' | 'compensated' | 'compensationFailed' | 'abandoned' | 'unfinished';
      details: unknown;
    };

type LedgerMethod = 'beginOperation' | 'recordRequest' | 'issued' | 'completed';

/**
 * An in-memory ledger: keeps every journal step (with the Graph and vault calls interleaved through `timeline`, when
 * given) and every audit entry; operations whose journal was not closed stay open. Fails on demand.
 */
export class FakeLedger implements Ledger {
  readonly steps: JournalStep[] = [];
  readonly entries: AuditEntry[] = [];
  readonly open = new Map<string, OperationIntent>();
  /** What open records were last marked with (`unfinished`, `compensationFailed`), by record id. */
  readonly marks = new Map<string, Record<string, unknown>>();
  /** Records resolved (by a retry or the scan), with how. */
  readonly resolutions: { id: string; resolution: InterruptedResolution }[] = [];
  /** What completed operations put on the audit trail, as `queryRequests` reads it back. */
  readonly records: AuditRecord[] = [];
  private readonly failures = new Map<LedgerMethod, Error>();

  constructor(private readonly timeline?: Call[]) {}

  failOn(method: LedgerMethod, error: Error): void {
    this.failures.set(method, error);
  }

  private enter(method: LedgerMethod): void {
    const failure = this.failures.get(method);
    if (failure) throw failure;
  }

  private note(step: JournalStep): void {
    this.steps.push(step);
    this.timeline?.push({ method: `ledger.${step.step}`, args: [] });
  }

  beginOperation(intent: OperationIntent): Promise<OperationJournal> {
    return settle(() => {
      this.enter('beginOperation');
      const id = `${intent.context.receivedAt.toISOString()}|${intent.context.correlationId}`;
      this.open.set(id, intent);
      this.note({ step: 'begin', intent });
      const step =
        (
          name: 'issued' | 'completed' | 'compensated' | 'compensationFailed' | 'abandoned' | 'unfinished',
          closes: boolean,
        ) =>
        (details?: unknown) =>
          settle(() => {
            if (name === 'issued' || name === 'completed') this.enter(name);
            this.note({ step: name, details });
            if (closes) this.open.delete(id);
            if (name === 'unfinished' || name === 'compensationFailed') {
              this.marks.set(id, { state: name, ...(details as Record<string, unknown>) });
            }
            if (name === 'completed') this.records.push(completedRecord(intent, details as OperationResult));
          });
      return {
        id,
        issued: step('issued', false),
        completed: step('completed', true),
        compensated: step('compensated', true),
        compensationFailed: step('compensationFailed', false),
        unfinished: step('unfinished', false),
        abandoned: () => step('abandoned', true)(undefined),
      };
    });
  }

  recordRequest(entry: AuditEntry): Promise<void> {
    return settle(() => {
      this.enter('recordRequest');
      this.entries.push(entry);
    });
  }

  async *listInterrupted(olderThan: Date): AsyncIterable<InterruptedOperation> {
    for (const [id, intent] of this.open) {
      if (intent.context.receivedAt.getTime() >= olderThan.getTime()) continue;
      yield await Promise.resolve(this.openRecord(id, intent));
    }
  }

  /** An open record as the table ledger reads it back: the intent, and the state and step it was last marked with. */
  private openRecord(id: string, intent: OperationIntent): InterruptedOperation {
    const mark = (this.marks.get(id) ?? {}) as Partial<PendingStep> & { state?: OperationState };
    return {
      id,
      operation: intent.operation,
      state: mark.state ?? 'started',
      correlationId: intent.context.correlationId,
      receivedAt: intent.context.receivedAt.toISOString(),
      updatedAt: intent.context.receivedAt.toISOString(),
      callerId: intent.context.caller.id,
      // What the intent named, as the table ledger keeps it on the open record.
      ...pick(intent, ['appId', 'keyId', 'credentialDisplayName', 'startDateTime', 'endDateTime']),
      ...(mark.step ? { pendingStep: mark.step } : {}),
      ...(mark.secretName ? { secretName: mark.secretName } : {}),
      ...(mark.certificateName ? { certificateName: mark.certificateName } : {}),
    };
  }

  resolveInterrupted(operation: InterruptedOperation, resolution: InterruptedResolution): Promise<void> {
    return settle(() => {
      this.open.delete(operation.id);
      this.resolutions.push({ id: operation.id, resolution });
    });
  }

  findOpenOperations(filter: OpenOperationFilter): Promise<InterruptedOperation[]> {
    return settle(() =>
      [...this.open.entries()]
        .filter(
          ([, intent]) =>
            intent.operation === filter.operation &&
            intent.appId?.toLowerCase() === filter.appId.toLowerCase() &&
            (filter.keyId === undefined || intent.keyId?.toLowerCase() === filter.keyId.toLowerCase()),
        )
        .map(([id, intent]) => this.openRecord(id, intent)),
    );
  }

  findIssuedCredential(appId: string, keyId: string): Promise<IssuedCredentialRecord | undefined> {
    return settle(() => {
      for (const step of this.steps) {
        if (step.step !== 'completed') continue;
        const done = step.details as Partial<IssuedCredentialRecord>;
        if (done.appId?.toLowerCase() !== appId.toLowerCase() || done.keyId?.toLowerCase() !== keyId.toLowerCase())
          continue;
        if (!done.secretName && !done.certificateName) continue;
        const { secretName, secretVersion, certificateName, certificateVersion } = done;
        return { appId, keyId: done.keyId, secretName, secretVersion, certificateName, certificateVersion };
      }
      return undefined;
    });
  }

  /** One app's records (no paging), or none. */
  queryRequests(query: AuditQuery): Promise<AuditPage> {
    const appId = query.appId?.toLowerCase();
    return Promise.resolve({ records: appId ? this.records.filter((r) => r.appId?.toLowerCase() === appId) : [] });
  }

  /** The step names in order. */
  stepNames(): string[] {
    return this.steps.map((s) => s.step);
  }
}

/** A request context as the edge builds it, for a caller (on record with every role it holds). */
export function requestContext(
  caller: Caller,
  correlationId = randomUUID(),
  deadline: RequestDeadline = NO_DEADLINE,
): RequestContext {
  return {
    caller,
    trace: { caller: { id: caller.id, roles: caller.roles }, correlationId, receivedAt: new Date(NOW) },
    deadline,
  };
}

/** The instant the vending unit tests run at, unless a test moves the clock. */
export const NOW = new Date('2026-05-10T08:30:00.000Z');

/**
 * Fresh fakes wired into the services' dependencies, with the default policy (max 180, default 90 days,
 * expiring within 30). `setNow` moves the clock.
 */
export function fakeVendingDependencies(options: { vaultUrl?: string } = {}) {
  const timeline: Call[] = [];
  const directory = new FakeDirectory(timeline);
  let now = NOW.getTime();
  const secretStore = new FakeSecretStore(options.vaultUrl, timeline, () => new Date(now));
  const ledger = new FakeLedger(timeline);
  const warn = jest.fn<void, [string, Record<string, string>]>();
  const deps: VendingDependencies & { expiringWithinDays: number } = {
    directory,
    secretStore,
    ledger,
    lifetimePolicy: { maxDays: 180, defaultDays: 90 },
    clock: () => new Date(now),
    // Pauses pass at once and move the clock: a rollback's looks for a lost write take no real time.
    sleep: (ms: number) => {
      now += ms;
      return Promise.resolve();
    },
    warn,
    expiringWithinDays: 30,
  };
  const setNow = (ms: number): void => {
    now = ms;
  };
  /** Every directory, vault and ledger call in order, as `directory.addPassword`, `ledger.begin`, … */
  const order = (): string[] => timeline.map((c) => c.method);
  return { directory, secretStore, ledger, warn, deps, setNow, order };
}
