/**
 * `npm run bench`: speed and memory of the vending API on the sandbox stack (emulators + the registered handlers over
 * HTTP, no Azurite). Prints numbers and ratios measured in this one run; asserts nothing.
 *   BENCH_REQUESTS (default 200) secrets issued per scenario; BENCH_CONCURRENCY (default 8).
 */
import { resolve } from 'node:path';
import { ClientSecretCredential } from '@azure/identity';
import { startSandbox } from '../sandbox/sandbox';

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

async function run(
  label: string,
  parallel: number,
  call: () => Promise<Response>,
): Promise<{ rps: number; p50: number }> {
  const latencies: number[] = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      while (next < requests) {
        next++;
        latencies.push(await timed(call));
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const rps = latencies.length / seconds;
  const p50 = percentile(latencies, 50);
  console.log(
    `${label.padEnd(44)} n=${latencies.length}  ${rps.toFixed(1).padStart(7)} req/s  p50 ${p50.toFixed(1)} ms  p95 ${percentile(latencies, 95).toFixed(1)} ms  p99 ${percentile(latencies, 99).toFixed(1)} ms`,
  );
  return { rps, p50 };
}

async function main(): Promise<void> {
  const stateDir = resolve(process.env.EMULATOR_STATE_DIR ?? '.sandbox/bench');
  const sandbox = await startSandbox({
    stateDir,
    apiPort: 0,
    emulatorPorts: { entra: 0, managedIdentity: 0, graph: 0, keyVault: 0 },
    azurite: false,
    writeEndpointsFile: false,
    logHandler: () => undefined,
  });
  try {
    const api = sandbox.apiBaseUrl;
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
    const addSecret = (): Promise<Response> =>
      fetch(`${api}/applications/${appId}/secrets`, { method: 'POST', headers: json, body: '{}' });
    const createApp = (): Promise<Response> =>
      fetch(`${api}/applications`, {
        method: 'POST',
        headers: json,
        body: '{"displayName":"bench-app","secret":false}',
      });
    await run('warm-up', 1, addSecret);

    const rssBefore = process.memoryUsage().rss;
    console.log(`\nnode ${process.version}, ${requests} requests per scenario, emulators in the same process\n`);
    const health = await run('GET /health (floor: host + HTTP)', 1, () => fetch(`${api}/health`));
    const sequential = await run('POST secrets, sequential', 1, addSecret);
    const parallel = await run(`POST secrets, ${concurrency} concurrent`, concurrency, addSecret);
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

    console.log('\nratios (same run)');
    console.log(`  add-secret p50 / health p50                      ${(sequential.p50 / health.p50).toFixed(1)}x`);
    console.log(
      `  add-secret throughput, ${concurrency} concurrent / sequential   ${(parallel.rps / sequential.rps).toFixed(2)}x`,
    );
    console.log(
      `  with 20 ms upstream: ${concurrency} concurrent / sequential      ${(slowParallel.rps / slowSequential.rps).toFixed(2)}x`,
    );
    console.log(
      `  list p50 (${requests + 1}+ credentials) / add-secret p50          ${(list.p50 / sequential.p50).toFixed(2)}x`,
    );
    console.log(
      `  rss growth over the run                           ${((rssAfter - rssBefore) / 1024 / 1024).toFixed(1)} MiB`,
    );
  } finally {
    await sandbox.close();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
