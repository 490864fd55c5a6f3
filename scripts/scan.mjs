// `npm run scan -- [--sandbox[=<state dir>]] [--dry-run] [--json]`: one expiry scan from a terminal (src/scanCli.ts).
// Against a tenant: set the app settings in the environment (KEY_VAULT_URL, AZURE_CLIENT_ID, STORAGE_*_SERVICE_URI,
// …; e.g. from `azd env get-values`) and sign in for DefaultAzureCredential. Against a running `npm run sandbox`:
// --sandbox reads its endpoints file for the settings, the managed identity endpoint and the CA to trust (Node reads
// NODE_EXTRA_CA_CERTS only at start, hence this launcher).
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const args = process.argv.slice(2);
const sandboxArg = args.find((a) => a === '--sandbox' || a.startsWith('--sandbox='));
const env = { ...process.env };
if (sandboxArg) {
  const stateDir = resolve(root, sandboxArg.includes('=') ? sandboxArg.slice('--sandbox='.length) : '.sandbox');
  let endpoints;
  try {
    endpoints = JSON.parse(readFileSync(resolve(stateDir, 'endpoints.json'), 'utf8'));
  } catch {
    console.error(`No sandbox found at ${stateDir}: start one with \`npm run sandbox\` first.`);
    process.exit(2);
  }
  if (!endpoints.appSettings) {
    console.error('The sandbox has not finished starting (its endpoints file lists no app settings yet).');
    process.exit(2);
  }
  Object.assign(env, endpoints.appSettings, {
    NODE_EXTRA_CA_CERTS: endpoints.caCertPath,
    // What App Service gives a function for its managed identity; DefaultAzureCredential finds it there.
    IDENTITY_ENDPOINT: endpoints.managedIdentity.endpoint,
    IDENTITY_HEADER: endpoints.managedIdentity.header,
  });
}
// Node itself with tsx's loader: one process to signal.
const child = spawn(
  process.execPath,
  ['--import', 'tsx', resolve(root, 'src', 'scanCli.ts'), ...args.filter((a) => a !== sandboxArg)],
  { stdio: 'inherit', cwd: root, env },
);
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
