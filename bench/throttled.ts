/**
 * Throughput under Graph throttling: the same batch of requests (half new apps with their first secret, half new
 * secrets on existing apps) sent at a fixed concurrency, once with every Graph call answered and once with every
 * tenth Graph call answered 429 with `Retry-After`. Then Graph itself is read to find anything made more than once.
 */
import type { RunningService } from '../emulators/host/serviceHost';
import type { BenchTarget } from './requestCost';

/** One batch's figures. */
export interface ThrottledFigures {
  requests: number;
  /** Answers that were not 2xx. */
  failures: number;
  /** Apps and password credentials in Graph beyond what the 2xx answers account for. */
  duplicates: number;
  seconds: number;
  /** The same batch without 429s, in the same run. */
  idealSeconds: number;
  concurrency: number;
  graphCalls: number;
  /** Graph calls answered 429, and their share of all Graph calls. */
  throttledCalls: number;
  throttledShare: number;
  retryAfterSeconds: number;
}

const control = { 'content-type': 'application/json' };

/**
 * Answers one Graph call in `every` with 429: the emulators inject "the next n matching calls", so a single 429 is
 * armed whenever fewer than one in `every` of the Graph calls logged so far were answered 429 (counting the armed one).
 * A call or two slips by between arming and the next call taking the fault; arming on the running share makes up for
 * it. Reads Graph's request log in this process; answers how to stop (clearing any fault still pending).
 */
function throttleOneIn(
  graph: RunningService,
  controlUrl: string,
  every: number,
  retryAfterSeconds: number,
): () => Promise<void> {
  const log = graph.requestLog;
  const from = log.length;
  let scanned = from;
  let throttled = 0;
  let armed = false;
  let busy = false;
  let failed: Error | undefined;
  const tick = async (): Promise<void> => {
    for (; scanned < log.length; scanned++) {
      if (log[scanned]!.status === 429) {
        throttled++;
        armed = false;
      }
    }
    if (armed || (throttled + 1) * every > log.length - from + 1) return;
    armed = true;
    const response = await fetch(`${controlUrl}/faults`, {
      method: 'POST',
      headers: control,
      body: JSON.stringify({ pathPattern: '^/v1\\.0/', status: 429, count: 1, retryAfterSeconds }),
    });
    if (!response.ok) throw new Error(`fault injection: ${response.status}`);
  };
  const timer = setInterval(() => {
    if (busy) return;
    busy = true;
    tick()
      .catch((error: unknown) => (failed = error as Error))
      .finally(() => (busy = false));
  }, 1);
  return async () => {
    clearInterval(timer);
    while (busy) await new Promise((r) => setTimeout(r, 5));
    await fetch(`${controlUrl}/faults`, { method: 'DELETE' });
    if (failed) throw failed;
  };
}

interface Batch {
  seconds: number;
  failures: number;
  duplicates: number;
  graphCalls: number;
  throttledCalls: number;
}

interface GraphApp {
  appId: string;
  displayName: string;
  passwordCredentials: unknown[];
}

/** Every app whose displayName starts with `prefix`, read from Graph as the tenant's admin. */
async function appsNamed(target: BenchTarget, prefix: string): Promise<GraphApp[]> {
  const { endpoints } = target.sandbox;
  const minted = await fetch(`${endpoints.entra.authorityHost}/_emulator/tokens`, {
    method: 'POST',
    headers: control,
    body: JSON.stringify({ principal: 'tenantAdmin', resource: 'https://graph.microsoft.com' }),
  });
  const { access_token: token } = (await minted.json()) as { access_token: string };
  const apps: GraphApp[] = [];
  const filter = encodeURIComponent(`startswith(displayName,'${prefix}')`);
  let next: string | undefined =
    `${endpoints.graph.baseUrl}/v1.0/applications?$filter=${filter}&$select=appId,displayName,passwordCredentials&$top=999`;
  while (next) {
    const response = await fetch(next, { headers: { authorization: `Bearer ${token}` } });
    if (!response.ok) throw new Error(`listing apps: ${response.status}`);
    const page = (await response.json()) as { value: GraphApp[]; '@odata.nextLink'?: string };
    apps.push(...page.value);
    next = page['@odata.nextLink'];
  }
  return apps;
}

/** Sends the batch; `throttle` (when given) starts once the target apps exist and answers how to stop it. */
async function runBatch(
  target: BenchTarget,
  label: string,
  requests: number,
  concurrency: number,
  throttle?: () => () => Promise<void>,
): Promise<Batch> {
  const { api, json } = target;
  const graph = target.sandbox.emulators.services.graph;
  const prefix = `bench-${label}-${Date.now()}`;
  // The apps the new secrets go to, made beforehand: one per worker, so concurrent writes spread as in real use.
  const targets: string[] = [];
  for (let i = 0; i < concurrency; i++) {
    const response = await fetch(`${api}/applications`, {
      method: 'POST',
      headers: json,
      body: JSON.stringify({ displayName: `${prefix}-target-${i}`, secret: false }),
    });
    if (response.status !== 201) throw new Error(`target app: ${response.status}`);
    targets.push(((await response.json()) as { application: { appId: string } }).application.appId);
  }
  const graphFrom = graph.requestLog.length;
  const stopThrottling = throttle?.();
  let next = 0;
  let failures = 0;
  let appsAnswered = 0;
  const secretsAnswered = new Map<string, number>();
  const started = performance.now();
  const sending = Promise.all(
    Array.from({ length: concurrency }, async (_, worker) => {
      while (next < requests) {
        const n = next++;
        const createsApp = n % 2 === 0;
        const appId = targets[worker]!;
        const response = await fetch(createsApp ? `${api}/applications` : `${api}/applications/${appId}/secrets`, {
          method: 'POST',
          headers: json,
          body: createsApp ? JSON.stringify({ displayName: `${prefix}-${n}` }) : '{}',
        });
        await response.arrayBuffer();
        if (response.status < 200 || response.status >= 300) failures++;
        else if (createsApp) appsAnswered++;
        else secretsAnswered.set(appId, (secretsAnswered.get(appId) ?? 0) + 1);
      }
    }),
  );
  try {
    await sending;
  } finally {
    await stopThrottling?.();
  }
  const seconds = (performance.now() - started) / 1000;
  const graphLog = graph.requestLog.slice(graphFrom);
  // Graph's state: every app made (each with its first secret), every secret added to the target apps.
  const apps = await appsNamed(target, prefix);
  const made = apps.filter((app) => !app.displayName.startsWith(`${prefix}-target-`));
  let duplicates = Math.max(0, made.length - appsAnswered);
  for (const app of made) duplicates += Math.max(0, app.passwordCredentials.length - 1);
  for (const app of apps.filter((a) => a.displayName.startsWith(`${prefix}-target-`)))
    duplicates += Math.max(0, app.passwordCredentials.length - (secretsAnswered.get(app.appId) ?? 0));
  return {
    seconds,
    failures,
    duplicates,
    graphCalls: graphLog.length,
    throttledCalls: graphLog.filter((entry) => entry.status === 429).length,
  };
}

/**
 * Sends the batch twice at `concurrency` with the upstream latency already set: first with no 429s (the ideal), then
 * with every `every`-th Graph call answered 429 and `Retry-After: retryAfterSeconds`.
 */
export async function benchThrottled(
  target: BenchTarget,
  options: { requests: number; concurrency: number; every: number; retryAfterSeconds: number },
): Promise<ThrottledFigures> {
  const { requests, concurrency, every, retryAfterSeconds } = options;
  const ideal = await runBatch(target, 'ideal', requests, concurrency);
  const { graph } = target.sandbox.emulators.services;
  const throttled = await runBatch(target, 'throttled', requests, concurrency, () =>
    throttleOneIn(graph, target.sandbox.endpoints.graph.control, every, retryAfterSeconds),
  );
  if (ideal.failures > 0 || ideal.duplicates > 0)
    console.warn(`  (the batch without 429s had ${ideal.failures} failures, ${ideal.duplicates} duplicates)`);
  return {
    requests,
    failures: throttled.failures,
    duplicates: throttled.duplicates,
    seconds: throttled.seconds,
    idealSeconds: ideal.seconds,
    concurrency,
    graphCalls: throttled.graphCalls,
    throttledCalls: throttled.throttledCalls,
    throttledShare: throttled.throttledCalls / throttled.graphCalls,
    retryAfterSeconds,
  };
}
