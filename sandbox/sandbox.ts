import { readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { LogHandler } from '@azure/functions';
import {
  DEFAULT_STATE_DIR,
  EmulatorEndpoints,
  RunningEmulators,
  startEmulators,
  StartEmulatorsOptions,
  writeEndpoints,
} from '../emulators/index';
import { registeredHttpFunctions } from '../src/functions/registry';
import { RunningAzurite, startAzurite } from './azurite';
import { FunctionsHttpHost, startFunctionsHttpHost } from './functionsHttpHost';

/** The API's default local port, as `func start` uses. */
export const DEFAULT_API_PORT = 7071;

export interface SandboxOptions {
  stateDir?: string;
  apiPort?: number;
  emulatorPorts?: StartEmulatorsOptions['ports'];
  /** Start Azurite (default true). */
  azurite?: boolean;
  /** Where function logs go. Default: stdout. */
  logHandler?: LogHandler;
  writeEndpointsFile?: boolean;
  /** Extra app settings (e.g. a shorter SECRET_MAX_LIFETIME_DAYS). */
  settings?: Record<string, string>;
}

export interface RunningSandbox {
  apiBaseUrl: string;
  endpoints: EmulatorEndpoints;
  endpointsPath: string;
  emulators: RunningEmulators;
  /** The app settings the API runs with (no secrets in them). */
  settings: Record<string, string>;
  close(): Promise<void>;
}

/** The app settings that point the product at the emulators, as Bicep points it at Azure. */
export function appSettingsFor(endpoints: EmulatorEndpoints): Record<string, string> {
  return {
    // Read by @azure/identity's ManagedIdentityCredential: the App Service managed identity protocol.
    IDENTITY_ENDPOINT: endpoints.managedIdentity.endpoint,
    IDENTITY_HEADER: endpoints.managedIdentity.header,
    AZURE_CLIENT_ID: endpoints.managedIdentity.clientId,
    KEY_VAULT_URL: endpoints.keyVault.url,
    // The emulated vault is on 127.0.0.1, not *.vault.azure.net.
    KEY_VAULT_VERIFY_CHALLENGE_RESOURCE: 'false',
    GRAPH_BASE_URL: endpoints.graph.baseUrl,
    API_AUDIENCE: endpoints.vendingApi.appId,
    API_TENANT_ID: endpoints.tenantId,
    AzureWebJobsStorage: 'UseDevelopmentStorage=true',
  };
}

/** Loads every function file, as the Functions host does from `main`, so they register themselves. */
function loadFunctionFiles(): void {
  const dir = resolve(__dirname, '..', 'src', 'functions');
  for (const file of readdirSync(dir)) {
    // Synchronous require, as the host loads `main`; a dynamic import() would need ESM support in jest.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    if (/\.(ts|js)$/.test(file) && !file.endsWith('.d.ts')) require(join(dir, file));
  }
}

const stdoutLogHandler: LogHandler = (level, ...args) => {
  console.log(`[api ${level}] ${args.map((a) => (typeof a === 'string' ? a : JSON.stringify(a))).join(' ')}`);
};

/**
 * Starts the product on one machine: the emulators, Azurite, and the API's registered handlers served over HTTP
 * with the production credential path (ManagedIdentityCredential against the emulated identity endpoint).
 * Sets the app settings in this process's environment, as the Functions host would.
 */
export async function startSandbox(options: SandboxOptions = {}): Promise<RunningSandbox> {
  const stateDir = resolve(options.stateDir ?? DEFAULT_STATE_DIR);
  const writeFile = options.writeEndpointsFile ?? true;
  const emulators = await startEmulators({
    stateDir,
    reuseTls: true,
    writeEndpointsFile: false,
    ...(options.emulatorPorts ? { ports: options.emulatorPorts } : {}),
  });
  let azurite: RunningAzurite | undefined;
  let host: FunctionsHttpHost | undefined;
  try {
    if (options.azurite ?? true) azurite = await startAzurite(stateDir);
    const settings = { ...appSettingsFor(emulators.endpoints), ...options.settings };
    Object.assign(process.env, settings);
    loadFunctionFiles();
    host = await startFunctionsHttpHost(registeredHttpFunctions.values(), {
      port: options.apiPort ?? DEFAULT_API_PORT,
      logHandler: options.logHandler ?? stdoutLogHandler,
    });
    const endpoints: EmulatorEndpoints = { ...emulators.endpoints, api: { baseUrl: `${host.url}/api` } };
    if (writeFile) writeEndpoints(emulators.endpointsPath, endpoints);
    const started = host;
    return {
      apiBaseUrl: `${host.url}/api`,
      endpoints,
      endpointsPath: emulators.endpointsPath,
      emulators,
      settings,
      close: async () => {
        await started.close();
        await azurite?.stop();
        await emulators.close();
      },
    };
  } catch (error) {
    await host?.close();
    await azurite?.stop();
    await emulators.close();
    throw error;
  }
}
