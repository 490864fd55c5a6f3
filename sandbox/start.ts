/**
 * `npm run sandbox`: the whole product on this machine. Stop with Ctrl-C. App settings (e.g.
 * SECRET_MAX_LIFETIME_DAYS=30) set in this environment override the sandbox's own; a bad one refuses the start.
 */
import { apiPortFromEnv, emulatorPortsFromEnv } from '../emulators/portSettings';
import { ConfigError } from '../src/config';
import { azuritePortsFromEnv } from './azurite';
import { appSettingsFromEnv, startSandbox } from './sandbox';

async function main(): Promise<void> {
  const sandbox = await startSandbox({
    apiPort: apiPortFromEnv(),
    emulatorPorts: emulatorPortsFromEnv(),
    azuritePorts: azuritePortsFromEnv(),
    settings: appSettingsFromEnv(process.env),
    ...(process.env.EMULATOR_STATE_DIR ? { stateDir: process.env.EMULATOR_STATE_DIR } : {}),
  });
  const { endpoints } = sandbox;
  const portal = endpoints.principals.portal!;
  const cli = endpoints.principals.cli!;
  const dana = endpoints.users.dana!;
  const roles = (list: string[]) => (list.join(', ') || '(no role)').padEnd(26);
  const apps = Object.entries(endpoints.principals)
    .filter(([, p]) => p.clientSecret !== undefined)
    .map(([name, p]) => `    ${name.padEnd(12)} app   ${roles(p.roles)} client ${p.clientId}`);
  const users = Object.entries(endpoints.users).map(
    ([name, u]) =>
      `    ${name.padEnd(12)} user  ${roles(u.roles)} ${u.userPrincipalName}${u.groups.length ? ` (in ${u.groups.length} group${u.groups.length > 1 ? 's' : ''})` : ''}`,
  );
  const tokenUrl = `${endpoints.entra.authorityHost}/${endpoints.tenantId}/oauth2/v2.0/token`;
  const accessToken = `node -pe 'JSON.parse(require("fs").readFileSync(0)).access_token'`;
  const lines = [
    '',
    '  entra-app-vending sandbox is running',
    '',
    `  API              ${sandbox.apiBaseUrl}   (try ${sandbox.apiBaseUrl}/health, ${sandbox.apiBaseUrl}/openapi.json)`,
    `  Functions host   none: the app's registered handlers are served outside it, by sandbox/functionsHttpHost.ts`,
    `  Connector        ${sandbox.apiBaseUrl}/connector/swagger.json   (Swagger 2.0, for paconn and HTTP + Swagger)`,
    `  Graph            ${endpoints.graph.baseUrl}/v1.0`,
    `  Key Vault        ${endpoints.keyVault.url}`,
    `  Entra authority  ${endpoints.entra.authorityHost}   tenant ${endpoints.tenantId}`,
    `  Azurite          blob ${sandbox.azurite?.ports.blob}, queue ${sandbox.azurite?.ports.queue}, table ${sandbox.azurite?.ports.table} (in memory)`,
    `  Ledger table     ${sandbox.settings.STORAGE_TABLE_SERVICE_URI ?? '(none)'} table ${sandbox.settings.LEDGER_TABLE ?? ''} (HTTPS, by managed identity)`,
    `  CA certificate   ${endpoints.caCertPath}`,
    `  Endpoints file   ${sandbox.endpointsPath}   (callers with their secrets, passwords and roles)`,
    '',
    `  Every route but /health and /openapi.json needs an Entra access token for the API (aud ${endpoints.api.audience}).`,
    '  Seeded callers and their app roles on it:',
    ...apps,
    ...users,
    '',
    '  A token for any of them: TOKEN=$(npm run --silent example:token -- <caller>)',
    '',
    '  A token as the portal (app-only), straight from the token endpoint:',
    `    TOKEN=$(curl -s --cacert ${endpoints.caCertPath} -d grant_type=client_credentials \\`,
    `      -d client_id=${portal.clientId} -d client_secret=${portal.clientSecret} \\`,
    `      -d scope=${endpoints.api.defaultScope} ${tokenUrl} | ${accessToken})`,
    '',
    '  A token as dana (a user, password grant through the public client cli):',
    `    TOKEN=$(curl -s --cacert ${endpoints.caCertPath} -d grant_type=password -d client_id=${cli.clientId} \\`,
    `      -d username=${dana.userPrincipalName} -d password=${dana.password} \\`,
    `      -d scope=${endpoints.api.scope} ${tokenUrl} | ${accessToken})`,
    '',
    '  Then create an app with a first secret:',
    `    curl -s -X POST ${sandbox.apiBaseUrl}/applications -H "authorization: Bearer $TOKEN" \\`,
    `      -H 'content-type: application/json' -d '{"displayName":"my-app"}'`,
    '',
    '  Who did what, every call that needed a token (refusals included): GET /api/audit?appId=<appId> or',
    '  ?from=<RFC 3339 time> with an Admin\'s token (operator, ada). See README "Try it".',
    '',
    '  Read a secret back from the vault as the operator: see README "Try it".',
    '  Sign in as a vended app with its secret or its Key Vault certificate: npm run example:sign-in-secret,',
    '  example:sign-in-certificate (README "Try it").',
    '',
    "  The expiry scan: `npm run scan -- --sandbox --dry-run` from another terminal, POST /api/scans with an Admin's",
    `  token, or fire its timer: curl -X POST ${new URL(sandbox.apiBaseUrl).origin}/admin/functions/expiryScan`,
    '',
  ];
  console.log(lines.join('\n'));
  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    console.log(`\n${signal}: stopping the sandbox…`);
    sandbox.close().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(error);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

main().catch((error: unknown) => {
  // A ConfigError has already named each bad setting (startApp logs them); anything else is said here.
  if (!(error instanceof ConfigError)) console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
