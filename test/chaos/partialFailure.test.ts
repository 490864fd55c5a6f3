import { CreatedApplication } from '../../src/vending/createApplication';
import { IssuedCertificate } from '../../src/vending/issueCertificate';
import { IssuedSecret } from '../../src/vending/issueSecret';
import { callerTokens } from '../support/callerTokens';
import { graphClientAs } from '../support/clients';
import { control } from '../support/emulators';
import {
  countLeftovers,
  findLeftovers,
  graphApplications,
  GraphApplication,
  Leftovers,
  vaultCertificates,
  vaultSecrets,
} from '../support/endState';
import { leaksIn } from '../support/leakCheck';
import { JsonAnswer, sendJson } from '../support/rawHttp';
import { useSandbox } from '../support/sandbox';
import { describeRun, faultBody, Operation, planRuns, PlannedRun, Service } from './partialFailurePlan';

/** Issue 12's partial-failure suite: at least 200 runs, each one operation with one fault on one of its calls. */
const RUNS = Number(process.env.PARTIAL_FAILURE_RUNS ?? 240);
const SEED = Number(process.env.CHAOS_SEED ?? 20261212);
/** Certificate operations (add, revoke) are in the mix unless `PARTIAL_FAILURE_CERTIFICATES=0` leaves them out. */
const CERTIFICATES = process.env.PARTIAL_FAILURE_CERTIFICATES !== '0';
/**
 * Short budgets keep 200 runs within minutes: a request stops at 1 s and rolls back within 2 s more. A call held
 * "past the deadline" is held 1.2–1.8 s, so a write it holds lands while the rollback still looks for it.
 */
const DEADLINE_MS = 1000;
const COMPENSATION_MS = 2000;
/** Print every run's answer and time (`PARTIAL_FAILURE_VERBOSE=1`), to reproduce or tune. */
const VERBOSE = process.env.PARTIAL_FAILURE_VERBOSE === '1';
/** An answer slower than this is a hang. */
const HANG_MS = 30_000;

// Kept before useSandbox captures the console: the summary must reach the test output, even with --ci.
const print = console.log.bind(console);

type Answer<T = Record<string, unknown>> = JsonAnswer<T>;

/** A tally by key, printed as JSON. */
function tally(): { add(key: string): void; counts: Record<string, number> } {
  const counts: Record<string, number> = {};
  return { counts, add: (key) => (counts[key] = (counts[key] ?? 0) + 1) };
}

describe('partial failure: one fault on one call of each operation leaves all of it or none of it (sandbox over HTTP)', () => {
  const { sandbox, capture } = useSandbox({
    settings: { REQUEST_DEADLINE_MS: String(DEADLINE_MS), COMPENSATION_BUDGET_MS: String(COMPENSATION_MS) },
    overrides: { graphRetry: { baseDelayMs: 5, maxDelayMs: 20 }, certificatePollIntervalMs: 10 },
  });
  const tokenFor = callerTokens(() => sandbox().endpoints);
  const answers: string[] = [];
  const controlOf = (service: Service): string =>
    service === 'graph'
      ? sandbox().endpoints.graph.control
      : service === 'keyVault'
        ? sandbox().endpoints.keyVault.control
        : sandbox().endpoints.managedIdentity.endpoint.replace(/\/msi\/token$/, '/_emulator');
  const SERVICES: Service[] = ['graph', 'keyVault', 'identity'];
  /** Apps a 201 reported (setup included): any other app the API made is a leftover of a failed create. */
  const reported = { apps: new Set<string>() };

  /** Calls the API as the portal, on a connection of its own; a POST carries a fresh Idempotency-Key. */
  async function api<T = Record<string, unknown>>(method: string, path: string, body?: unknown): Promise<Answer<T>> {
    const token = await tokenFor('portal');
    const idempotencyKey = method === 'POST' ? crypto.randomUUID() : undefined;
    const answer = await sendJson<T>(sandbox().apiBaseUrl, { method, path, token, body, idempotencyKey }, HANG_MS);
    if (answer.status !== 0) answers.push(answer.text);
    return answer;
  }

  /** A setup step must succeed; on a loaded machine it may meet the short deadline, so it is tried a few times. */
  async function setUp<T>(what: string, call: () => Promise<Answer<T>>, expected = 201): Promise<T> {
    let last: Answer<T> | undefined;
    for (let attempt = 0; attempt < 4; attempt++) {
      last = await call();
      if (last.status === expected) return last.body;
    }
    throw new Error(`setup ${what} answered ${last?.status} ${last?.text}`);
  }

  interface Fixture {
    appId?: string;
    /** The app's live credentials of the kind the operation works on, oldest first. */
    keyIds: string[];
  }

  /** One app per operation, shared by its runs (a create per run would double the suite's time). */
  const shared = new Map<Operation, Fixture>();

  /**
   * What the operation needs before the fault is set: the operation's app, holding a credential of the kind it works
   * on (a secret in the default slot, or a Key Vault certificate); a revoke gets a fresh one to revoke each run.
   */
  async function prepare(run: PlannedRun): Promise<Fixture> {
    if (run.operation === 'createApplication') return { keyIds: [] };
    const certificates = run.operation.endsWith('Certificate');
    let fixture = shared.get(run.operation);
    if (!fixture) {
      const created = await setUp('createApplication', () =>
        api<CreatedApplication>('POST', '/applications', {
          displayName: `partial-${run.operation}`,
          ...(certificates ? { createSecret: false } : {}),
        }),
      );
      fixture = { appId: created.application.appId, keyIds: created.secret ? [created.secret.keyId] : [] };
      reported.apps.add(fixture.appId!);
      shared.set(run.operation, fixture);
    }
    const appId = fixture.appId!;
    const add = async (): Promise<void> => {
      const added = certificates
        ? await setUp('addCertificate', () => api<IssuedCertificate>('POST', `/applications/${appId}/certificates`, {}))
        : await setUp('addSecret', () => api<IssuedSecret>('POST', `/applications/${appId}/secrets`, {}));
      fixture.keyIds.push(added.keyId);
    };
    if (fixture.keyIds.length === 0) await add();
    // A revoke gets a fresh newest credential each run: revoking it makes the slot fall back to the one before.
    if (run.operation.startsWith('revoke')) await add();
    return fixture;
  }

  /** The operation itself. */
  function perform(operation: Operation, fixture: Fixture, target: string | undefined): Promise<Answer> {
    const { appId } = fixture;
    switch (operation) {
      case 'createApplication':
        return api('POST', '/applications', { displayName: 'partial-create' });
      case 'addSecret':
        return api('POST', `/applications/${appId}/secrets`, {});
      case 'listSecrets':
        return api('GET', `/applications/${appId}/secrets`);
      case 'revokeSecret':
        return api('DELETE', `/applications/${appId}/secrets/${target}`);
      case 'addCertificate':
        return api('POST', `/applications/${appId}/certificates`, {});
      case 'revokeCertificate':
        return api('DELETE', `/applications/${appId}/certificates/${target}`);
    }
  }

  /** What an error answer must be: 4xx/5xx problem+json with its type, title and status. */
  function problemsOf(answer: Answer): string[] {
    const problems: string[] = [];
    if (answer.status === 0) return ['no answer (dropped or hung)'];
    if (answer.status < 400) return [`answered ${answer.status} for a failure`];
    if (answer.headers['content-type'] !== 'application/problem+json')
      problems.push(`${answer.status} with content-type ${answer.headers['content-type']}`);
    const { type, title, status } = answer.body as { type?: unknown; title?: unknown; status?: unknown };
    if (typeof type !== 'string' || typeof title !== 'string' || status !== answer.status)
      problems.push(`${answer.status} without a whole problem body: ${answer.text.slice(0, 200)}`);
    return problems;
  }

  /** Whether what a 2xx reports exists: app, service principal, credential, and the enabled version serving it. */
  async function reportedExists(operation: Operation, fixture: Fixture, target: string | undefined, answer: Answer) {
    const problems: string[] = [];
    const { endpoints } = sandbox();
    const apps = await graphApplications(endpoints);
    const appOf = (appId: string | undefined): GraphApplication | undefined => apps.find((a) => a.appId === appId);
    const secretServing = async (keyId: string, name: string, version: string) => {
      const secret = (await vaultSecrets(endpoints)).find((s) => s.name === name);
      const held = secret?.versions.find((v) => v.version === version);
      if (!held?.enabled || held.tags?.keyId !== keyId) problems.push(`vault version ${name}/${version} not enabled`);
      else if (secret!.versions.at(-1)?.version !== version) problems.push(`${name} does not serve ${keyId}`);
    };
    switch (operation) {
      case 'createApplication': {
        const created = answer.body as unknown as CreatedApplication;
        const app = appOf(created.application.appId);
        if (!app) problems.push(`app ${created.application.appId} not in Graph`);
        else if (!app.passwordCredentials.some((c) => c.keyId === created.secret!.keyId))
          problems.push(`credential ${created.secret!.keyId} not on the app`);
        const sp = (await graphClientAs(endpoints, 'tenantAdmin')
          .api(`/servicePrincipals(appId='${created.application.appId}')`)
          .get()
          .catch(() => undefined)) as { appId?: string } | undefined;
        if (sp?.appId !== created.application.appId) problems.push('no service principal');
        const { keyVault } = created.secret!;
        await secretServing(created.secret!.keyId, keyVault.secretName, keyVault.version);
        break;
      }
      case 'addSecret': {
        const issued = answer.body as unknown as IssuedSecret;
        if (!appOf(fixture.appId)?.passwordCredentials.some((c) => c.keyId === issued.keyId))
          problems.push(`credential ${issued.keyId} not on the app`);
        await secretServing(issued.keyId, issued.keyVault.secretName, issued.keyVault.version);
        break;
      }
      case 'listSecrets': {
        const listed = (answer.body as { secrets: { keyId: string }[] }).secrets.map((s) => s.keyId).sort();
        const held = (appOf(fixture.appId)?.passwordCredentials ?? []).map((c) => c.keyId).sort();
        if (listed.join() !== held.join()) problems.push(`listed ${listed.join()} but Graph holds ${held.join()}`);
        break;
      }
      case 'revokeSecret':
      case 'revokeCertificate': {
        const app = appOf(fixture.appId);
        const still = [...(app?.passwordCredentials ?? []), ...(app?.keyCredentials ?? [])].some(
          (c) => c.keyId === target,
        );
        if (still) problems.push(`revoked ${target} is still on the app`);
        const versions =
          operation === 'revokeSecret'
            ? (await vaultSecrets(endpoints)).flatMap((s) => s.versions)
            : (await vaultCertificates(endpoints)).flatMap((c) => c.versions);
        if (versions.some((v) => v.enabled && v.tags?.keyId === target))
          problems.push(`a version of revoked ${target} is still enabled`);
        break;
      }
      case 'addCertificate': {
        const issued = answer.body as unknown as IssuedCertificate;
        if (!appOf(fixture.appId)?.keyCredentials.some((c) => c.keyId === issued.keyId))
          problems.push(`key credential ${issued.keyId} not on the app`);
        const certificate = (await vaultCertificates(endpoints)).find(
          (c) => c.name === issued.keyVault?.certificateName,
        );
        if (!certificate?.versions.some((v) => v.version === issued.keyVault?.version && v.enabled))
          problems.push(`certificate version ${issued.keyVault?.version} not enabled`);
        break;
      }
    }
    return problems;
  }

  /** Faults still pending on every emulator that never fired (as many left as were asked for). */
  async function unfiredFaults(asked: number): Promise<number> {
    let unfired = 0;
    for (const service of SERVICES) {
      const pending = await control<{ remaining: number }[]>(controlOf(service), 'GET', 'faults');
      unfired += pending.filter((f) => f.remaining === asked).length;
    }
    return unfired;
  }

  async function clearFaults(): Promise<void> {
    for (const service of SERVICES) await control(controlOf(service), 'DELETE', 'faults');
  }

  /** The leftovers not in `known` (which then holds them all). */
  function newLeftovers(leftovers: Leftovers, known: Set<string>): Leftovers {
    const fresh = Object.fromEntries(
      (Object.entries(leftovers) as [string, string[]][]).map(([kind, list]) => [
        kind,
        list.filter((item: string) => !known.has(`${kind} ${item}`)),
      ]),
    ) as unknown as Leftovers;
    for (const [kind, list] of Object.entries(leftovers) as [string, string[]][])
      for (const item of list) known.add(`${kind} ${item}`);
    return fresh;
  }

  function nonEmpty(leftovers: Leftovers): string {
    return (Object.entries(leftovers) as [string, string[]][])
      .filter(([, list]) => list.length > 0)
      .map(([kind, list]) => `${kind}: ${list.join(', ')}`)
      .join('; ');
  }

  beforeAll(async () => {
    // Tokens shorter than the clients' renewal margin: every call asks the identity endpoint, so a fault there meets
    // the operation's own token request (set before the API's first token, which would otherwise be cached).
    await control(controlOf('identity'), 'PUT', 'token-lifetime', { seconds: 120 });
  });

  it(`${RUNS} runs: every answer is the whole operation or an honest error, and nothing is left behind`, async () => {
    const plan = planRuns(SEED, RUNS, CERTIFICATES);
    const byOperation = tally();
    const byFault = tally();
    const byStatus = tally();
    const failures: string[] = [];
    let unfired = 0;
    let revokesRetried = 0;
    let leftoversFound = 0;
    const known = new Set<string>();
    const started = Date.now();

    for (const [index, run] of plan.entries()) {
      const n = index + 1;
      const name = describeRun(n, run);
      const fixture = await prepare(run);
      const target = run.operation.startsWith('revoke')
        ? run.revokeNewest
          ? fixture.keyIds.at(-1)
          : fixture.keyIds[0]
        : undefined;
      const fault = faultBody(run, fixture.appId, DEADLINE_MS);
      await control(controlOf(run.step.service), 'POST', 'faults', fault);
      const askedAt = Date.now();
      const answer = await perform(run.operation, fixture, target);
      const answeredAt = Date.now();
      const notFired = await unfiredFaults(fault.count as number);
      unfired += notFired;
      await clearFaults();
      // Every call the request made started before its answer: a held one has landed once its delay has passed.
      if (typeof fault.delayMs === 'number' && notFired === 0) {
        const wait = answeredAt + fault.delayMs + 100 - Date.now();
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      }

      byOperation.add(run.operation);
      byFault.add(run.fault);
      byStatus.add(String(answer.status));
      const problems: string[] = [];
      if (answer.status >= 200 && answer.status < 300) {
        problems.push(...(await reportedExists(run.operation, fixture, target, answer)));
        if (run.operation === 'createApplication')
          reported.apps.add((answer.body as unknown as CreatedApplication).application.appId);
      } else {
        problems.push(...problemsOf(answer));
        if (run.operation.startsWith('revoke')) {
          // A revoke that failed is finished by the same DELETE once the fault is gone.
          revokesRetried += 1;
          const retry = await perform(run.operation, fixture, target);
          if (retry.status !== 204)
            problems.push(`retried revoke answered ${retry.status}: ${retry.text.slice(0, 200)}`);
          else problems.push(...(await reportedExists(run.operation, fixture, target, retry)));
        }
      }
      if (target && run.operation.startsWith('revoke')) {
        const app = (await graphApplications(sandbox().endpoints)).find((a) => a.appId === fixture.appId);
        const live = [...(app?.passwordCredentials ?? []), ...(app?.keyCredentials ?? [])].map((c) => c.keyId);
        if (!live.includes(target)) fixture.keyIds.splice(fixture.keyIds.indexOf(target), 1);
      }
      // Only what this run left: a leftover stays, and every later run would find it again.
      const fresh = newLeftovers(await findLeftovers(sandbox().endpoints, reported), known);
      leftoversFound += countLeftovers(fresh);
      if (countLeftovers(fresh) > 0) problems.push(`left behind: ${nonEmpty(fresh)}`);
      if (problems.length > 0) failures.push(`${name} → ${answer.status}: ${problems.join('; ')}`);
      if (VERBOSE) print(`${name} → ${answer.status} in ${answeredAt - askedAt} ms${notFired ? ' (unfired)' : ''}`);
    }
    const seconds = (Date.now() - started) / 1000;
    const leaks = leaksIn(sandbox(), [...answers, ...capture.logLines]);

    print(
      `partial failure summary: seed=${SEED} runs=${plan.length} certificates=${CERTIFICATES} ` +
        `seconds=${seconds.toFixed(1)} deadlineMs=${DEADLINE_MS} compensationMs=${COMPENSATION_MS} ` +
        `leftovers=${leftoversFound} failures=${failures.length} unfired=${unfired} revokesRetried=${revokesRetried} ` +
        `leaks=${leaks.length} ` +
        `byOperation=${JSON.stringify(byOperation.counts)} byFault=${JSON.stringify(byFault.counts)} ` +
        `byStatus=${JSON.stringify(byStatus.counts)}` +
        failures
          .slice(0, 20)
          .map((f) => `\n  ${f}`)
          .join(''),
    );

    expect(failures).toEqual([]);
    expect(leftoversFound).toBe(0);
    expect(leaks).toEqual([]);
    expect(plan.length).toBeGreaterThanOrEqual(Math.min(RUNS, 200));
  });
});
