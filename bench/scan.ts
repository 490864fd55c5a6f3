/**
 * The expiry scan at 1,000 and 10,000 owned apps (3 credentials each, in 3 vault slots: 10% expiring, 10% over
 * policy, the rest healthy), with 20 ms added to every Graph and Key Vault call. Each size gets fresh emulators and
 * Azurite, seeded through their control planes; the scan runs as `npm run scan` does (src/scanCli.ts, its own process,
 * DefaultAzureCredential → the emulated managed identity), so its peak RSS is the scan's alone. Prints Graph calls,
 * Key Vault calls, the scan's wall time and peak RSS, and merges them into bench/results/latest.json under `scan`.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { RunningEmulators, startEmulators } from '../emulators/index';
import { appSettingsFor, startLedgerStorage } from '../sandbox/sandbox';
import { MANAGED_BY_TAG } from '../src/vending/issueSecret';
import { secretNameFor } from '../src/vending/secretNaming';

const DAY_MS = 24 * 60 * 60 * 1000;
const LATENCY_MS = 20;
const SIZES = [1_000, 10_000] as const;
const root = resolve(__dirname, '..');

/** The figures kept per size in latest.json. */
export interface ScanFigures {
  graphCalls: number;
  keyVaultCalls: number;
  seconds: number;
  rssMb: number;
}

async function post<T>(url: string, body: unknown, method = 'POST'): Promise<T> {
  const response = await fetch(url, {
    method,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`${method} ${url} → ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}

const window = (startDays: number, endDays: number) => ({
  startDateTime: new Date(Date.now() + startDays * DAY_MS).toISOString(),
  endDateTime: new Date(Date.now() + endDays * DAY_MS).toISOString(),
});

/** Seeds `apps` owned apps with 3 credentials each and a vault version per credential; returns the findings planted. */
async function seed(emulators: RunningEmulators, apps: number): Promise<void> {
  const { graph, keyVault } = emulators.endpoints;
  const healthy = window(-10, 80);
  const groups = [
    { count: apps * 0.8, ci: healthy, legacy: healthy },
    { count: apps * 0.1, ci: window(-70, 20), legacy: healthy },
    { count: apps * 0.1, ci: healthy, legacy: window(-10, 355) },
  ];
  const slots = ['default', 'ci', 'legacy'];
  for (const group of groups) {
    const { applications } = await post<{ applications: { appId: string; keyIds: string[] }[] }>(
      `${graph.control}/applications`,
      {
        count: group.count,
        displayNamePrefix: 'bench',
        passwordCredentials: [
          { displayName: 'default', ...healthy },
          { displayName: 'ci', ...group.ci },
          { displayName: 'legacy', ...group.legacy },
        ],
      },
    );
    const versions = applications.flatMap(({ appId, keyIds }) =>
      keyIds.map((keyId, i) => ({
        name: secretNameFor(appId, slots[i]!),
        value: 'bench-value',
        contentType: 'text/plain; charset=utf-8',
        tags: { ...MANAGED_BY_TAG, appId, keyId, requestedBy: 'bench' },
      })),
    );
    for (let start = 0; start < versions.length; start += 5_000)
      await post(`${keyVault.control}/secrets`, { secrets: versions.slice(start, start + 5_000) });
  }
}

/** Runs the terminal scan in its own process and answers its JSON report. */
function runScanProcess(env: Record<string, string | undefined>): Promise<Record<string, unknown>> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, ['--import', 'tsx', resolve(root, 'src', 'scanCli.ts'), '--json'], {
      cwd: root,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    child.on('exit', (code) => {
      if (code !== 0) return fail(new Error(`scan exited ${code}: ${err}`));
      done(JSON.parse(out) as Record<string, unknown>);
    });
  });
}

async function benchSize(stateDir: string, apps: number): Promise<ScanFigures> {
  const emulators = await startEmulators({
    stateDir,
    reuseTls: true,
    ports: { entra: 0, managedIdentity: 0, graph: 0, keyVault: 0 },
    writeEndpointsFile: false,
  });
  const azurite = await startLedgerStorage(stateDir, emulators, { blob: 0, queue: 0, table: 0 });
  try {
    await seed(emulators, apps);
    const { endpoints } = emulators;
    for (const control of [endpoints.graph.control, endpoints.keyVault.control]) {
      await post(`${control}/latency`, { ms: LATENCY_MS }, 'PUT');
      await fetch(`${control}/requests`, { method: 'DELETE' });
    }
    const report = (await runScanProcess({
      PATH: process.env.PATH,
      NODE_EXTRA_CA_CERTS: process.env.NODE_EXTRA_CA_CERTS,
      ...appSettingsFor(endpoints, azurite),
      IDENTITY_ENDPOINT: endpoints.managedIdentity.endpoint,
      IDENTITY_HEADER: endpoints.managedIdentity.header,
    })) as {
      applications: number;
      durationMs: number;
      findings: unknown[];
      events: { published: number };
      usage: { graph: { calls: number }; keyVault: { calls: number } };
      process: { peakRssMb: number };
    };
    // The emulators' own request logs agree with the scan's meter.
    const logged = async (control: string) => ((await (await fetch(`${control}/requests`)).json()) as unknown[]).length;
    const graphLogged = await logged(endpoints.graph.control);
    if (report.applications !== apps || graphLogged !== report.usage.graph.calls)
      throw new Error(`unexpected: ${report.applications} apps read, Graph log ${graphLogged}`);
    console.log(
      `  ${String(apps).padStart(6)}   ${String(report.usage.graph.calls).padStart(5)} (≤ ${Math.ceil(apps / 999) + 2})` +
        `   ${String(report.usage.keyVault.calls).padStart(6)} (log ${await logged(endpoints.keyVault.control)})` +
        `   ${(report.durationMs / 1000).toFixed(1).padStart(7)}   ${report.process.peakRssMb.toFixed(1).padStart(7)}` +
        `   ${report.findings.length} findings, ${report.events.published} events`,
    );
    return {
      graphCalls: report.usage.graph.calls,
      keyVaultCalls: report.usage.keyVault.calls,
      seconds: Math.round(report.durationMs / 100) / 10,
      rssMb: report.process.peakRssMb,
    };
  } finally {
    await azurite.stop();
    await emulators.close();
  }
}

/** Runs both sizes, prints the table and the RSS growth, and merges `scan` into bench/results/latest.json. */
export async function benchScan(stateDir: string): Promise<Record<string, ScanFigures>> {
  console.log(
    `\nexpiry scan: ${LATENCY_MS} ms per Graph and Key Vault call; 3 credentials per app (10% expiring, 10% over policy)`,
  );
  console.log('    apps   Graph calls (target)   Key Vault calls   seconds   peak RSS MB');
  const figures: Record<string, ScanFigures> = {};
  for (const apps of SIZES) figures[String(apps)] = await benchSize(stateDir, apps);
  const growth = figures['10000']!.rssMb - figures['1000']!.rssMb;
  console.log(`  peak RSS growth 1,000 → 10,000 apps: ${growth.toFixed(1)} MB (target < 50)`);

  const resultsDir = resolve(root, 'bench', 'results');
  const latest = resolve(resultsDir, 'latest.json');
  mkdirSync(resultsDir, { recursive: true });
  const existing = existsSync(latest) ? (JSON.parse(readFileSync(latest, 'utf8')) as Record<string, unknown>) : {};
  writeFileSync(latest, `${JSON.stringify({ ...existing, scan: figures }, null, 2)}\n`);
  return figures;
}
