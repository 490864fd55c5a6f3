/**
 * `npm run emulators`: starts Entra, the managed identity endpoint, Graph and Key Vault on loopback and writes
 * `.sandbox/endpoints.json`. Ports: EMULATOR_PORT_ENTRA, EMULATOR_PORT_MANAGED_IDENTITY, EMULATOR_PORT_GRAPH,
 * EMULATOR_PORT_KEY_VAULT (0 = any free port).
 */
import { startEmulators } from './index';
import { emulatorPortsFromEnv } from './portSettings';

async function main(): Promise<void> {
  const emulators = await startEmulators({
    reuseTls: true,
    ports: emulatorPortsFromEnv(),
    ...(process.env.EMULATOR_STATE_DIR ? { stateDir: process.env.EMULATOR_STATE_DIR } : {}),
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
