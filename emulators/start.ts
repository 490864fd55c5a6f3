/**
 * `npm run emulators`: starts Entra, the managed identity endpoint, Graph and Key Vault on loopback and writes
 * `.sandbox/endpoints.json`. Ports: EMULATOR_PORT_ENTRA, EMULATOR_PORT_MANAGED_IDENTITY, EMULATOR_PORT_GRAPH,
 * EMULATOR_PORT_KEY_VAULT (0 = any free port).
 */
import { DEFAULT_PORTS, startEmulators } from './index';

function portFromEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`${name} must be a port number, got '${raw}'`);
  return port;
}

async function main(): Promise<void> {
  const emulators = await startEmulators({
    reuseTls: true,
    ports: {
      entra: portFromEnv('EMULATOR_PORT_ENTRA', DEFAULT_PORTS.entra),
      managedIdentity: portFromEnv('EMULATOR_PORT_MANAGED_IDENTITY', DEFAULT_PORTS.managedIdentity),
      graph: portFromEnv('EMULATOR_PORT_GRAPH', DEFAULT_PORTS.graph),
      keyVault: portFromEnv('EMULATOR_PORT_KEY_VAULT', DEFAULT_PORTS.keyVault),
    },
  });
  const { endpoints } = emulators;
  console.log(`Entra            ${endpoints.entra.authorityHost}  (tenant ${endpoints.tenantId})`);
  console.log(`Managed identity ${endpoints.managedIdentity.endpoint}`);
  console.log(`Graph            ${endpoints.graph.baseUrl}/v1.0`);
  console.log(`Key Vault        ${endpoints.keyVault.url}`);
  console.log(`CA certificate   ${endpoints.caCertPath}  (export NODE_EXTRA_CA_CERTS=${endpoints.caCertPath})`);
  console.log(`Endpoints        ${emulators.endpointsPath}`);
  const stop = (): void => {
    void emulators.close().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
