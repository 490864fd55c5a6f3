import { resolve } from 'node:path';
import { LogHandler } from '@azure/functions';
import {
  DEFAULT_STATE_DIR,
  EmulatorEndpoints,
  RunningEmulators,
  startEmulators,
  StartEmulatorsOptions,
  writeEndpoints,
} from '../emulators/index';
import { startApp } from '../src/app';
import { appSettingsSchema } from '../src/config';
import { CompositionOverrides } from '../src/composition';
import { Services } from '../src/services';
import { AZURITE_PORTS, createAzuriteQueue, createAzuriteTable, RunningAzurite, startAzurite } from './azurite';
import { FunctionsHttpHost, startFunctionsHttpHost } from './functionsHttpHost';
import { createRecordingHost } from './recordingHost';

/** The API's default local port, as `func start` uses. */
export const DEFAULT_API_PORT = 7071;

export interface SandboxOptions {
  stateDir?: string;
  apiPort?: number;
  emulatorPorts?: StartEmulatorsOptions['ports'];
  /**
   * Start Azurite (default true), on these ports (0 = any free port; default the well-known 10000–10002), and point the
   * ledger at it. Without it, `settings` must name a ledger (STORAGE_TABLE_SERVICE_URI) or the API refuses to start.
   */
  azurite?: boolean;
  azuritePorts?: typeof AZURITE_PORTS;
  /** Where function logs go. Default: stdout. */
  logHandler?: LogHandler;
  writeEndpointsFile?: boolean;
  /** App settings layered over the ones that point at the emulators (e.g. a shorter SECRET_MAX_LIFETIME_DAYS). */
  settings?: Record<string, string>;
  /** Composition seams for tests (a controlled clock, retry pauses that take no time); the sandbox itself sets none. */
  overrides?: CompositionOverrides;
}

export interface RunningSandbox {
  apiBaseUrl: string;
  endpoints: EmulatorEndpoints;
  endpointsPath: string;
  emulators: RunningEmulators;
  azurite: RunningAzurite | undefined;
  /** The app settings the API runs with (no secrets in them). */
  settings: Record<string, string>;
  /** The services the API was composed with. */
  services: Services;
  close(): Promise<void>;
}

/** The product's app settings given in an environment (overrides of the sandbox's own, or a whole API's settings). */
export function appSettingsFromEnv(env: Record<string, string | undefined>): Record<string, string> {
  const keys = Object.keys(appSettingsSchema.properties);
  return Object.fromEntries(keys.flatMap((key) => (env[key] === undefined ? [] : [[key, env[key]]])));
}

/** The ledger table's name, as Bicep names it. */
export const LEDGER_TABLE = 'ledger';
/** The expiry scan's table and events queue, as Bicep names them. */
export const SCAN_TABLE = 'scans';
export const CREDENTIAL_EVENTS_QUEUE = 'credential-events';

/**
 * The app settings that point the product at the emulators and Azurite, as Bicep points it at Azure: the ledger and
 * the scan's table by table service URI, the scan's events by queue service URI, reached with the managed identity
 * (Azurite serves HTTPS and accepts the emulated Entra's tokens).
 */
export function appSettingsFor(
  endpoints: EmulatorEndpoints,
  azurite?: Pick<RunningAzurite, 'connectionString' | 'tableServiceUri' | 'queueServiceUri'>,
): Record<string, string> {
  return {
    AZURE_CLIENT_ID: endpoints.managedIdentity.clientId,
    KEY_VAULT_URL: endpoints.keyVault.url,
    // The emulated vault is on 127.0.0.1, not *.vault.azure.net.
    KEY_VAULT_VERIFY_CHALLENGE_RESOURCE: 'false',
    GRAPH_BASE_URL: endpoints.graph.baseUrl,
    // Callers' tokens come from the emulated tenant: its authority, the API's client id and identifier URI.
    API_AUDIENCE: endpoints.vendingApi.appId,
    API_IDENTIFIER_URI: endpoints.vendingApi.identifierUri,
    API_TENANT_ID: endpoints.tenantId,
    ENTRA_AUTHORITY_HOST: endpoints.entra.authorityHost,
    ...(azurite
      ? {
          // The Functions host's own storage (the product's code never reads it).
          AzureWebJobsStorage: azurite.connectionString,
          STORAGE_TABLE_SERVICE_URI: azurite.tableServiceUri,
          LEDGER_TABLE,
          STORAGE_QUEUE_SERVICE_URI: azurite.queueServiceUri,
          SCAN_TABLE,
          CREDENTIAL_EVENTS_QUEUE,
        }
      : {}),
  };
}

/**
 * What App Service itself puts in a function's environment for its managed identity (not app settings): where
 * `ManagedIdentityCredential` asks for tokens. The sandbox plays the platform here, so it sets these two.
 */
export function providePlatformIdentity(endpoints: EmulatorEndpoints): void {
  process.env.IDENTITY_ENDPOINT = endpoints.managedIdentity.endpoint;
  process.env.IDENTITY_HEADER = endpoints.managedIdentity.header;
}

const stdoutLogHandler: LogHandler = (level, ...args) => {
  console.log(`[api ${level}] ${args.map((a) => (typeof a === 'string' ? a : JSON.stringify(a))).join(' ')}`);
};

/**
 * Starts Azurite by identity (HTTPS with the emulators' certificate) and creates what Bicep creates: the ledger and
 * scan tables and the credential events queue.
 */
export async function startLedgerStorage(
  stateDir: string,
  emulators: Pick<RunningEmulators, 'tls'>,
  ports: typeof AZURITE_PORTS = AZURITE_PORTS,
): Promise<RunningAzurite> {
  const azurite = await startAzurite(stateDir, ports, emulators.tls);
  try {
    await createAzuriteTable(azurite, LEDGER_TABLE);
    await createAzuriteTable(azurite, SCAN_TABLE);
    await createAzuriteQueue(azurite, CREDENTIAL_EVENTS_QUEUE);
  } catch (error) {
    await azurite.stop();
    throw error;
  }
  return azurite;
}

/** The API alone, as the host runs it: {@link startApp} with a recording host, its HTTP functions served over HTTP. */
export async function startApiHost(
  settings: Record<string, string>,
  options: { port: number; logHandler?: LogHandler; overrides?: CompositionOverrides },
): Promise<{ host: FunctionsHttpHost; services: Services }> {
  const functions = createRecordingHost();
  const { services } = startApp(functions, settings, options.overrides ? { overrides: options.overrides } : {});
  const host = await startFunctionsHttpHost(functions, {
    port: options.port,
    logHandler: options.logHandler ?? stdoutLogHandler,
  });
  return { host, services };
}

/**
 * Starts the product on one machine: the emulators, Azurite, and the API started as the host starts it
 * (`startApp`: settings → services → every function of the one list), its HTTP functions served over HTTP with the
 * production credential path (ManagedIdentityCredential against the emulated identity endpoint). A bad setting
 * refuses the start with a ConfigError after logging each offending setting's name.
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
    if (options.azurite ?? true) azurite = await startLedgerStorage(stateDir, emulators, options.azuritePorts);
    const settings = { ...appSettingsFor(emulators.endpoints, azurite), ...options.settings };
    providePlatformIdentity(emulators.endpoints);
    const api = await startApiHost(settings, {
      port: options.apiPort ?? DEFAULT_API_PORT,
      ...(options.logHandler ? { logHandler: options.logHandler } : {}),
      ...(options.overrides ? { overrides: options.overrides } : {}),
    });
    host = api.host;
    const { services } = api;
    const endpoints: EmulatorEndpoints = {
      ...emulators.endpoints,
      api: { ...emulators.endpoints.api, baseUrl: `${host.url}/api` },
      appSettings: settings,
    };
    if (writeFile) writeEndpoints(emulators.endpointsPath, endpoints);
    const started = host;
    return {
      apiBaseUrl: `${host.url}/api`,
      endpoints,
      endpointsPath: emulators.endpointsPath,
      emulators,
      azurite,
      settings,
      services,
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
