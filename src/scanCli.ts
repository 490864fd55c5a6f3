/**
 * `npm run scan -- [--dry-run] [--json]`: one expiry scan from a terminal, through the same code path as the timer
 * (settings → services → the scan), with `DefaultAzureCredential`: a developer's `az login`, a pipeline's workload
 * identity, or a managed identity. Settings come from the environment, as app settings do in Azure; the launcher
 * (`scripts/scan.mjs --sandbox`) sets them from the sandbox's endpoints file. It takes the same lock as the timer.
 * Exit codes: 0 done, 1 failed, 2 bad arguments or settings, 3 another scan holds the lock.
 */
import { DefaultAzureCredential } from '@azure/identity';
import { composeServices } from './composition';
import { ConfigError, loadConfig } from './config';
import { describeErrorForLog } from './http/problem';
import { ScanInProgressError } from './vending/scan/scanErrors';
import { ScanReport, summarizeReport } from './vending/scan/scanReport';

const USAGE = 'usage: npm run scan -- [--dry-run] [--json]';

/** A terminal summary: counts, outcomes, calls, then one line per finding. */
function describe(report: ScanReport): string {
  const summary = summarizeReport(report);
  const lines = [
    `${report.dryRun ? 'dry run' : 'scan'} ${report.runId}: ${report.applications} apps, ${report.credentials} password and ${report.keyCredentials} key credentials, ${report.vaultSecrets} vault secrets and ${report.vaultCertificates} certificates in ${report.durationMs} ms`,
    `  classes   ${Object.entries(summary.counts)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')}`,
    `  outcomes  ${
      Object.entries(summary.outcomes)
        .map(([k, v]) => `${k} ${v}`)
        .join(', ') || '-'
    }`,
    `  calls     Graph ${report.usage.graph.calls}, Key Vault ${report.usage.keyVault.calls}; throttled ${report.usage.graph.throttled + report.usage.keyVault.throttled}; events ${report.events.published} sent, ${report.events.failed} failed`,
    ...report.findings.map(
      (f) =>
        `  ${f.class.padEnd(11)} ${(f.credentialType ?? '-').padEnd(11)} ${f.appId} ${f.keyId} ${f.action}/${f.outcome}${f.dueDateTime ? ` due ${f.dueDateTime}` : ''}`,
    ),
  ];
  return lines.join('\n');
}

async function main(argv: readonly string[], env: Record<string, string | undefined>): Promise<number> {
  const unknown = argv.filter((a) => a !== '--dry-run' && a !== '--json');
  if (unknown.length > 0) {
    console.error(USAGE);
    return 2;
  }
  let config;
  try {
    config = loadConfig(env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    for (const problem of error.problems) console.error(`Invalid setting: ${problem}`);
    return 2;
  }
  const credential = new DefaultAzureCredential({ managedIdentityClientId: config.managedIdentityClientId });
  const services = composeServices(config, { credential });
  try {
    const report = await services.scan.run({ dryRun: argv.includes('--dry-run'), trigger: 'cli' });
    const peakRssMb = Math.round((process.resourceUsage().maxRSS / 1024) * 10) / 10;
    console.log(argv.includes('--json') ? JSON.stringify({ ...report, process: { peakRssMb } }) : describe(report));
    return 0;
  } catch (error) {
    if (error instanceof ScanInProgressError) {
      console.error('Another expiry scan holds the lock; try again when it has finished.');
      return 3;
    }
    console.error('The scan failed:', JSON.stringify(describeErrorForLog(error)));
    return 1;
  }
}

// Exit once stdout has drained: a large --json report must reach a pipe whole.
const exit = (code: number): void => {
  process.stdout.write('', () => process.exit(code));
};
main(process.argv.slice(2), process.env).then(exit, (error: unknown) => {
  console.error('The scan failed:', JSON.stringify(describeErrorForLog(error)));
  exit(1);
});
