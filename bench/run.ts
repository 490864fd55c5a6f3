/**
 * `npm run bench`: speed and memory of the vending API on the sandbox stack (emulators, Azurite with the ledger, the
 * registered handlers over HTTP). Prints numbers and ratios measured in this one run, writes them to
 * bench/results/latest.json, and asserts nothing.
 *   BENCH_REQUESTS (default 200) secrets issued per scenario; BENCH_CONCURRENCY (default 8).
 * Then the expiry scan at 1,000 and 10,000 apps (bench/scan.ts); `npm run bench -- scan` runs only that.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { ClientSecretCredential } from '@azure/identity';
import { startApiHost, startSandbox } from '../sandbox/sandbox';
import { unrecordedLedger } from './unrecordedLedger';
import { benchScan } from './scan';

const requests = Number(process.env.BENCH_REQUESTS ?? 200);
const concurrency = Number(process.env.BENCH_CONCURRENCY ?? 8);

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
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

async function main(): Promise<void> {
  const stateDir = resolve(process.env.EMULATOR_STATE_DIR ?? '.sandbox/bench');
  // `npm run bench -- scan`: the expiry scan alone.
  if (process.argv.includes('scan')) {
    await benchScan(stateDir);
    return;
  }
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
    const list = await run('GET secrets (app with many secrets)', 1, () =>
      fetch(`${api}/applications/${appId}/secrets`, { headers: { authorization } }),
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
    writeResults({ node: process.version, requests, concurrency, ledger: ratios });
  } finally {
    await bare.host.close();
    await sandbox.close();
  }
  await benchScan(stateDir);
}

/** Merges this run's figures into bench/results/latest.json (other suites keep their own keys). */
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
  writeFileSync(
    path,
    `${JSON.stringify({ ...previous, ...figures, measuredAt: new Date().toISOString() }, null, 2)}\n`,
  );
  console.log(`\nwritten to ${path}`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
