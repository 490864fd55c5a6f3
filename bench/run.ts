/**
 * `npm run bench` (builds first): speed and memory of the vending API on the sandbox stack (emulators, Azurite with
 * the ledger, the registered handlers over HTTP). Prints numbers and ratios measured in this one run, writes them to
 * bench/results/latest.json with the machine they ran on, and asserts nothing.
 *   BENCH_REQUESTS (default 200) secrets issued per scenario; BENCH_CONCURRENCY (default 8); BENCH_LIST_REQUESTS
 *   (default 20) lists of the app that holds them all.
 * Then, in the same run:
 *   - round trips of each operation, as the emulators' request logs count them (bench/requestCost.ts);
 *   - request overhead against 25 ms on every Graph and Key Vault call (BENCH_OVERHEAD_REQUESTS, default 40 each);
 *   - throughput at concurrency 20 with every tenth Graph call answered 429 (bench/throttled.ts;
 *     BENCH_THROTTLED_REQUESTS default 200, BENCH_RETRY_AFTER_SECONDS default 1), and the same batch without 429s;
 *   - cold start of the deployed bundle against the unbundled build (bench/coldStart.ts; BENCH_COLD_STARTS, default 7);
 *   - the expiry scan at 1,000 and 10,000 apps (bench/scan.ts); `npm run bench -- scan` runs only that.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { resolve } from 'node:path';
import { ClientSecretCredential } from '@azure/identity';
import { startApiHost, startSandbox } from '../sandbox/sandbox';
import { benchColdStart, ColdStartFigures, requireBuilds } from './coldStart';
import { percentile, rounded } from './measure';
import {
  BenchTarget,
  countRoundTrips,
  measureOverhead,
  Operation,
  Overhead,
  RoundTrips,
  setUpstreamLatency,
} from './requestCost';
import { benchThrottled, ThrottledFigures } from './throttled';
import { UpstreamCallRecorder } from './upstreamCalls';
import { unrecordedLedger } from './unrecordedLedger';
import { benchScan } from './scan';

const requests = Number(process.env.BENCH_REQUESTS ?? 200);
const concurrency = Number(process.env.BENCH_CONCURRENCY ?? 8);
// Each list reads every credential of an app that has 1,000+ by then: 20 are enough for its median.
const listRequests = Number(process.env.BENCH_LIST_REQUESTS ?? 20);
const overheadRequests = Number(process.env.BENCH_OVERHEAD_REQUESTS ?? 40);
const throttledRequests = Number(process.env.BENCH_THROTTLED_REQUESTS ?? 200);
const retryAfterSeconds = Number(process.env.BENCH_RETRY_AFTER_SECONDS ?? 1);
const coldStarts = Number(process.env.BENCH_COLD_STARTS ?? 7);
/** Injected on every Graph and Key Vault call for the overhead and throttling figures. */
const UPSTREAM_LATENCY_MS = 25;
const THROTTLED_CONCURRENCY = 20;
/** One Graph call in this many is answered 429. */
const THROTTLE_EVERY = 10;

/** The machine the figures come from. */
function machine(): Record<string, unknown> {
  const cpu = cpus();
  return {
    cores: cpu.length,
    cpuModel: cpu[0]?.model.trim() ?? 'unknown',
    nodeVersion: process.version,
    platform: process.platform,
    arch: process.arch,
    memoryGb: rounded(totalmem() / 1024 ** 3, 1),
    measuredAt: new Date().toISOString(),
  };
}

async function timed(call: () => Promise<Response>): Promise<number> {
  const started = performance.now();
  const response = await call();
  await response.arrayBuffer();
  if (response.status >= 300) throw new Error(`unexpected ${response.status}`);
  return performance.now() - started;
}

interface Measured {
  rps: number;
  p50: number;
  p95: number;
}

async function run(
  label: string,
  parallel: number,
  call: () => Promise<Response>,
  count = requests,
): Promise<Measured> {
  const latencies: number[] = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      while (next < count) {
        next++;
        latencies.push(await timed(call));
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const measured = { rps: latencies.length / seconds, p50: percentile(latencies, 50), p95: percentile(latencies, 95) };
  console.log(
    `${label.padEnd(48)} n=${latencies.length}  ${measured.rps.toFixed(1).padStart(7)} req/s  p50 ${measured.p50.toFixed(1)} ms  p95 ${measured.p95.toFixed(1)} ms  p99 ${percentile(latencies, 99).toFixed(1)} ms`,
  );
  return measured;
}

/**
 * Runs two scenarios in alternating rounds, so drift in the machine (other load, a warming JIT) falls on both alike;
 * returns each one's latencies over all rounds.
 */
async function interleaved(
  labels: [string, string],
  calls: [() => Promise<Response>, () => Promise<Response>],
  rounds = 4,
): Promise<[Measured, Measured]> {
  const all: [number[], number[]] = [[], []];
  for (let round = 0; round < rounds; round++) {
    for (const i of [0, 1] as const) {
      for (let n = 0; n < Math.ceil(requests / rounds); n++) all[i].push(await timed(calls[i]));
    }
  }
  return all.map((latencies, i) => {
    latencies.sort((a, b) => a - b);
    const measured = { rps: NaN, p50: percentile(latencies, 50), p95: percentile(latencies, 95) };
    console.log(
      `${labels[i]!.padEnd(48)} n=${latencies.length}  p50 ${measured.p50.toFixed(1)} ms  p95 ${measured.p95.toFixed(1)} ms`,
    );
    return measured;
  }) as [Measured, Measured];
}

/** POST /applications: a new app with its service principal and first secret. */
const createApplication =
  (target: BenchTarget): Operation =>
  () =>
    fetch(`${target.api}/applications`, { method: 'POST', headers: target.json, body: '{"displayName":"bench-cost"}' });

/** POST …/secrets: a new secret (default lifetime and slot) on the app. */

const addSecretTo =
  (target: BenchTarget, appId: string): Operation =>
  () =>
    fetch(`${target.api}/applications/${appId}/secrets`, { method: 'POST', headers: target.json, body: '{}' });

async function answered<T>(operation: Operation): Promise<T> {
  const response = await operation();
  if (response.status >= 300) throw new Error(`unexpected ${response.status}: ${await response.text()}`);
  return (await response.json()) as T;
}

/**
 * One request of each operation with no injected latency, on a fresh app: create it (with its first secret), add a
 * second secret, list the two, revoke the second. Graph and Key Vault calls from the emulators' request logs.
 */
async function benchRoundTrips(target: BenchTarget): Promise<Record<string, RoundTrips>> {
  await setUpstreamLatency(target.sandbox, 0);
  const { api, json } = target;
  const created = { appId: '' };
  const added = { keyId: '' };
  const trips: Record<string, RoundTrips> = {};
  trips.createApplication = await countRoundTrips(target, async () => {
    const response = await createApplication(target)();
    created.appId = ((await response.clone().json()) as { application: { appId: string } }).application.appId;
    return response;
  });
  trips.addSecret = await countRoundTrips(target, async () => {
    const response = await addSecretTo(target, created.appId)();
    added.keyId = ((await response.clone().json()) as { keyId: string }).keyId;
    return response;
  });
  trips.listSecrets = await countRoundTrips(target, () =>
    fetch(`${api}/applications/${created.appId}/secrets`, { headers: { authorization: json.authorization! } }),
  );
  trips.revokeSecret = await countRoundTrips(target, () =>
    fetch(`${api}/applications/${created.appId}/secrets/${added.keyId}`, {
      method: 'DELETE',
      headers: { authorization: json.authorization! },
    }),
  );
  console.log(
    "\nround trips per request (Graph and Key Vault from the emulators' request logs; ledger = Azurite table",
  );
  console.log('calls seen in this process before the answer, + those after it)');
  for (const [operation, t] of Object.entries(trips))
    console.log(
      `  ${operation.padEnd(18)} Graph ${t.graph}  Key Vault ${t.keyVault}  ledger ${t.ledger} (+${t.ledgerAfterAnswer} after the answer)`,
    );
  console.log('  (listSecrets on an app with 2 secrets; revokeSecret of the newer one)');
  return trips;
}

/**
 * createApplication (with its first secret) and addSecret, one request at a time, with UPSTREAM_LATENCY_MS on every
 * Graph and Key Vault call.
 */
async function benchOverhead(target: BenchTarget): Promise<Record<string, Overhead>> {
  await setUpstreamLatency(target.sandbox, UPSTREAM_LATENCY_MS);
  const { application } = await answered<{ application: { appId: string } }>(createApplication(target));
  const operations: Record<string, Operation> = {
    createApplication: createApplication(target),
    addSecret: addSecretTo(target, application.appId),
  };
  for (const operation of Object.values(operations)) for (let i = 0; i < 5; i++) await answered(operation);
  const overhead: Record<string, Overhead> = {};
  for (const [name, operation] of Object.entries(operations))
    overhead[name] = await measureOverhead(target, operation, overheadRequests, UPSTREAM_LATENCY_MS);
  console.log(
    `\nrequest overhead, ${UPSTREAM_LATENCY_MS} ms on every Graph and Key Vault call, ${overheadRequests} requests each, ` +
      'one at a time; ratio = latency / (sequential Graph + Key Vault calls × the latency)',
  );
  for (const [name, o] of Object.entries(overhead))
    console.log(
      `  ${name.padEnd(18)} p50 ${o.p50Ms.toFixed(1)} ms (${o.p50Ratio.toFixed(2)}x)  p95 ${o.p95Ms.toFixed(1)} ms ` +
        `(${o.p95Ratio.toFixed(2)}x)  of ${o.dependencyMs} ms: ${o.sequentialCalls} sequential of ${o.upstreamCalls} calls; ` +
        `ledger ${o.ledgerCalls} calls, ${o.ledgerMs.toFixed(1)} ms; ${o.sequentialCallsWithLedger} steps with them`,
    );
  return overhead;
}

function printThrottled(t: ThrottledFigures): void {
  console.log(
    `  no 429s      ${t.idealSeconds.toFixed(1)} s  (${(t.requests / t.idealSeconds).toFixed(1)} req/s)\n` +
      `  10% 429s     ${t.seconds.toFixed(1)} s  (${(t.requests / t.seconds).toFixed(1)} req/s)  ` +
      `${(t.seconds / t.idealSeconds).toFixed(2)}x the time; ` +
      `${t.throttledCalls} of ${t.graphCalls} Graph calls answered 429 (${(t.throttledShare * 100).toFixed(1)}%)\n` +
      `  failures (non-2xx) ${t.failures}, duplicates (apps or secrets in Graph beyond the 2xx answers) ${t.duplicates}`,
  );
}

function printColdStart(c: ColdStartFigures): void {
  console.log(
    `  bundle (dist/bundle/main.js, ${(c.bundleBytes / 1024).toFixed(0)} KiB)  ${c.bundleMs.toFixed(1)} ms\n` +
      `  unbundled (dist/src/main.js + node_modules)   ${c.unbundledMs.toFixed(1)} ms\n` +
      `  bundle / unbundled  ${c.ratio.toFixed(2)}x  (${c.functions} functions registered by each)`,
  );
}

async function main(): Promise<void> {
  const stateDir = resolve(process.env.EMULATOR_STATE_DIR ?? '.sandbox/bench');
  // `npm run bench -- scan`: the expiry scan alone.
  if (process.argv.includes('scan')) {
    await benchScan(stateDir);
    return;
  }
  requireBuilds();
  const sandbox = await startSandbox({
    stateDir,
    apiPort: 0,
    emulatorPorts: { entra: 0, managedIdentity: 0, graph: 0, keyVault: 0 },
    azuritePorts: { blob: 0, queue: 0, table: 0 },
    writeEndpointsFile: false,
    logHandler: () => undefined,
  });
  // The same API against the same emulators, with a ledger that records nothing: the cost of the ledger is the gap.
  const bare = await startApiHost(sandbox.settings, {
    port: 0,
    logHandler: () => undefined,
    overrides: { ledger: unrecordedLedger() },
  });
  const { endpoints: e, settings } = sandbox;
  // Every outgoing call of the API (it runs in this process), named by the dependency it goes to.
  const recorder = new UpstreamCallRecorder({
    graph: e.graph.baseUrl,
    keyVault: e.keyVault.url,
    ledger: settings.STORAGE_TABLE_SERVICE_URI!,
    queue: settings.STORAGE_QUEUE_SERVICE_URI!,
    managedIdentity: e.managedIdentity.endpoint,
    entra: e.entra.authorityHost,
  });
  let figures: Record<string, unknown> = {};
  try {
    const api = sandbox.apiBaseUrl;
    const bareApi = `${bare.host.url}/api`;
    // Every call carries the portal's token (App.Create, Secret.Create), validated by the API as in production.
    const { endpoints } = sandbox;
    const portal = endpoints.principals.portal!;
    const token = await new ClientSecretCredential(endpoints.tenantId, portal.clientId, portal.clientSecret!, {
      authorityHost: endpoints.entra.authorityHost,
      disableInstanceDiscovery: true,
    }).getToken(endpoints.api.defaultScope);
    const authorization = `Bearer ${token.token}`;
    const json = { 'content-type': 'application/json', authorization };
    const created = (await (
      await fetch(`${api}/applications`, { method: 'POST', headers: json, body: '{"displayName":"bench"}' })
    ).json()) as {
      application: { appId: string };
    };
    const appId = created.application.appId;
    const addSecretAt =
      (base: string, headers: () => Record<string, string> = () => ({})) =>
      (): Promise<Response> =>
        fetch(`${base}/applications/${appId}/secrets`, {
          method: 'POST',
          headers: { ...json, ...headers() },
          body: '{}',
        });
    const addSecret = addSecretAt(api);
    const addSecretKeyed = addSecretAt(api, () => ({ 'idempotency-key': crypto.randomUUID() }));
    const addSecretBare = addSecretAt(bareApi);
    const createApp = (): Promise<Response> =>
      fetch(`${api}/applications`, {
        method: 'POST',
        headers: json,
        body: '{"displayName":"bench-app","secret":false}',
      });
    await run('warm-up', 1, addSecret, 20);
    await run('warm-up (no ledger)', 1, addSecretBare, 20);

    const rssBefore = process.memoryUsage().rss;
    console.log(`\nnode ${process.version}, ${requests} requests per scenario, emulators and API in one process\n`);
    const health = await run('GET /health (floor: host + HTTP)', 1, () => fetch(`${api}/health`));
    const [ledgerSeq, bareSeq] = await interleaved(
      ['POST secrets, sequential, ledger', 'POST secrets, sequential, no ledger'],
      [addSecret, addSecretBare],
    );
    const keyed = await run('POST secrets, sequential, ledger + Idempotency-Key', 1, addSecretKeyed);
    const replayKey = crypto.randomUUID();
    const replay = await run(
      'POST secrets, replay of one Idempotency-Key',
      1,
      addSecretAt(api, () => ({
        'idempotency-key': replayKey,
      })),
    );
    const parallel = await run(`POST secrets, ${concurrency} concurrent, ledger`, concurrency, addSecret);
    const bareParallel = await run(`POST secrets, ${concurrency} concurrent, no ledger`, concurrency, addSecretBare);
    await run('POST applications (no secret), sequential', 1, createApp);
    const list = await run(
      'GET secrets (app with many secrets)',
      1,
      () => fetch(`${api}/applications/${appId}/secrets`, { headers: { authorization } }),
      listRequests,
    );
    const control = { 'content-type': 'application/json' };
    await fetch(`${endpoints.graph.control}/latency`, { method: 'PUT', headers: control, body: '{"ms":20}' });
    await fetch(`${endpoints.keyVault.control}/latency`, { method: 'PUT', headers: control, body: '{"ms":20}' });
    const slowSequential = await run('POST secrets, 20 ms upstream latency, seq', 1, addSecret);
    const slowParallel = await run(`POST secrets, 20 ms upstream latency, ${concurrency} conc`, concurrency, addSecret);
    const rssAfter = process.memoryUsage().rss;

    const ratios = {
      addSecretP50Ms: { ledger: ledgerSeq.p50, noLedger: bareSeq.p50 },
      ledgerCostP50: ledgerSeq.p50 / bareSeq.p50,
      ledgerCostP50Ms: ledgerSeq.p50 - bareSeq.p50,
      idempotencyKeyCostP50: keyed.p50 / ledgerSeq.p50,
      replayP50OverFirstAnswer: replay.p50 / keyed.p50,
      addSecretOverHealthP50: ledgerSeq.p50 / health.p50,
      concurrentLedgerOverNoLedgerRps: parallel.rps / bareParallel.rps,
      slowConcurrentOverSequentialRps: slowParallel.rps / slowSequential.rps,
      listOverAddSecretP50: list.p50 / ledgerSeq.p50,
      rssGrowthMiB: (rssAfter - rssBefore) / 1024 / 1024,
    };
    console.log('\nratios (same run)');
    console.log(
      `  add-secret p50 with the ledger / without                ${ratios.ledgerCostP50.toFixed(2)}x  (${ledgerSeq.p50.toFixed(1)} vs ${bareSeq.p50.toFixed(1)} ms, +${ratios.ledgerCostP50Ms.toFixed(1)} ms)`,
    );
    console.log(`  add-secret p50 with an Idempotency-Key / without       ${ratios.idempotencyKeyCostP50.toFixed(2)}x`);
    console.log(
      `  replay p50 / first answer p50                          ${ratios.replayP50OverFirstAnswer.toFixed(2)}x`,
    );
    console.log(
      `  add-secret p50 / health p50                            ${ratios.addSecretOverHealthP50.toFixed(1)}x`,
    );
    console.log(
      `  throughput ${concurrency} concurrent, ledger / no ledger               ${ratios.concurrentLedgerOverNoLedgerRps.toFixed(2)}x`,
    );
    console.log(
      `  with 20 ms upstream: ${concurrency} concurrent / sequential          ${ratios.slowConcurrentOverSequentialRps.toFixed(2)}x`,
    );
    console.log(
      `  list p50 (${requests}+ credentials) / add-secret p50            ${ratios.listOverAddSecretP50.toFixed(2)}x`,
    );
    console.log(`  rss growth over the run                                ${ratios.rssGrowthMiB.toFixed(1)} MiB`);

    const target: BenchTarget = { api, json, sandbox, recorder };
    const roundTrips = await benchRoundTrips(target);
    const overhead = await benchOverhead(target);
    console.log(
      `\nthroughput at concurrency ${THROTTLED_CONCURRENCY}, ${UPSTREAM_LATENCY_MS} ms upstream: ${throttledRequests} requests ` +
        `(half POST applications with a first secret, half POST secrets), one Graph call in ${THROTTLE_EVERY} answered 429 ` +
        `with Retry-After: ${retryAfterSeconds}`,
    );
    const throttled = await benchThrottled(target, {
      requests: throttledRequests,
      concurrency: THROTTLED_CONCURRENCY,
      every: THROTTLE_EVERY,
      retryAfterSeconds,
    });
    printThrottled(throttled);
    figures = { node: process.version, requests, concurrency, ledger: ratios, roundTrips, overhead, throttled };
  } finally {
    recorder.close();
    await bare.host.close();
    await sandbox.close();
  }
  console.log(`\ncold start: loading the app in a fresh node process, median of ${coldStarts} each`);
  const coldStart = benchColdStart(coldStarts);
  printColdStart(coldStart);
  writeResults({ machine: machine(), ...figures, coldStart });
  await benchScan(stateDir);
}

/** Three decimals are plenty for any figure here. */
const roundedFigure = (_key: string, value: unknown): unknown =>
  typeof value === 'number' && !Number.isInteger(value) ? rounded(value, 3) : value;

/**
 * Merges this run's figures into bench/results/latest.json, this run's keys first (the machine leading); keys this
 * run did not measure (the scan's, when it ran alone) are kept.
 */
function writeResults(figures: Record<string, unknown>): void {
  const dir = resolve(__dirname, 'results');
  const path = resolve(dir, 'latest.json');
  mkdirSync(dir, { recursive: true });
  let previous: Record<string, unknown> = {};
  try {
    previous = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
  } catch {
    // first run
  }
  const merged: Record<string, unknown> = { ...figures, measuredAt: new Date().toISOString() };
  for (const [key, value] of Object.entries(previous)) if (!(key in merged)) merged[key] = value;
  writeFileSync(path, `${JSON.stringify(merged, roundedFigure, 2)}\n`);
  console.log(`\nwritten to ${path}`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
