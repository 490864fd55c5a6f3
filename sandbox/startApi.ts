/**
 * A second (third, …) API process for a running set of emulators and Azurite, as the Functions host scales out to
 * more instances sharing one storage account: `tsx sandbox/startApi.ts` with the app settings and the platform's
 * IDENTITY_ENDPOINT/IDENTITY_HEADER in the environment (see `.sandbox/endpoints.json`), API_PORT (0 = any free port)
 * and NODE_EXTRA_CA_CERTS naming the emulator CA. Prints `API listening at <url>`.
 *
 * SANDBOX_PAUSE_BEFORE_VAULT_WRITE=true holds every operation between Graph issuing a secret and the vault write,
 * printing `paused before the vault write`, so a test can kill the process in the one window compensation cannot
 * cover. Only this sandbox entry reads it; the product has no such setting.
 */
import { apiPortFromEnv } from '../emulators/portSettings';
import { ConfigError } from '../src/config';
import { appSettingsFromEnv, startApiHost } from './sandbox';

async function main(): Promise<void> {
  const pause = process.env.SANDBOX_PAUSE_BEFORE_VAULT_WRITE === 'true';
  const { host } = await startApiHost(appSettingsFromEnv(process.env), {
    port: apiPortFromEnv(),
    ...(pause
      ? {
          overrides: {
            testHooks: {
              beforeVaultWrite: () => {
                console.log('paused before the vault write');
                return new Promise<void>(() => undefined);
              },
            },
          },
        }
      : {}),
  });
  console.log(`API listening at ${host.url}/api`);
  const stop = (): void => {
    host.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((error: unknown) => {
  if (!(error instanceof ConfigError)) console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
