import { ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { resolve } from 'node:path';
import { TableServiceClient } from '@azure/data-tables';
import { QueueServiceClient } from '@azure/storage-queue';
import { portFromEnv } from '../emulators/portSettings';
import { TlsMaterial } from '../emulators/host/tls';

type AzuriteService = 'blob' | 'queue' | 'table';

/** Azurite's well-known ports (blob, queue, table), as `UseDevelopmentStorage=true` expects. */
export const AZURITE_PORTS: Record<AzuriteService, number> = { blob: 10000, queue: 10001, table: 10002 };

/** Azurite's one account and its published key (the same in every Azurite; not a secret of anyone's). */
const DEV_ACCOUNT = 'devstoreaccount1';
const DEV_ACCOUNT_KEY = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

export interface RunningAzurite {
  /** A connection string naming the ports Azurite actually listens on (the shared-key path, for tools and tests). */
  connectionString: string;
  ports: Record<AzuriteService, number>;
  /** The table service root as Azure names it for an account (`STORAGE_TABLE_SERVICE_URI`), on Azurite's port. */
  tableServiceUri: string;
  /** The queue service root likewise (`STORAGE_QUEUE_SERVICE_URI`). */
  queueServiceUri: string;
  stop(): Promise<void>;
}

/**
 * The emulators' server certificate (for 127.0.0.1, signed by the run's CA): with it Azurite serves HTTPS and accepts
 * Entra bearer tokens (`--oauth basic`: issuer, audience and lifetime are checked, not the signature), so the product
 * reaches it by identity exactly as it reaches Azure Storage. The account key keeps working for tools and tests.
 */
export type AzuriteIdentityOptions = Pick<TlsMaterial, 'serverCertPem' | 'serverKeyPem'>;

/** Azurite's ports from AZURITE_PORT_BLOB, AZURITE_PORT_QUEUE and AZURITE_PORT_TABLE (0 = any free port). */
export function azuritePortsFromEnv(
  env: Record<string, string | undefined> = process.env,
): Record<AzuriteService, number> {
  return {
    blob: portFromEnv(env, 'AZURITE_PORT_BLOB', AZURITE_PORTS.blob),
    queue: portFromEnv(env, 'AZURITE_PORT_QUEUE', AZURITE_PORTS.queue),
    table: portFromEnv(env, 'AZURITE_PORT_TABLE', AZURITE_PORTS.table),
  };
}

/** True if something accepts TCP connections on 127.0.0.1:`port`. */
export function portOpen(port: number): Promise<boolean> {
  return new Promise((done) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      done(true);
    });
    socket.once('error', () => done(false));
  });
}

/** The connection string of the Azurite account at these ports on loopback. */
export function azuriteConnectionString(
  ports: Record<AzuriteService, number>,
  protocol: 'http' | 'https' = 'http',
): string {
  const endpoint = (port: number): string => `${protocol}://127.0.0.1:${port}/${DEV_ACCOUNT}`;
  return [
    `DefaultEndpointsProtocol=${protocol}`,
    `AccountName=${DEV_ACCOUNT}`,
    `AccountKey=${DEV_ACCOUNT_KEY}`,
    `BlobEndpoint=${endpoint(ports.blob)}`,
    `QueueEndpoint=${endpoint(ports.queue)}`,
    `TableEndpoint=${endpoint(ports.table)}`,
  ].join(';');
}

const LISTENING = /Azurite (Blob|Queue|Table) service is successfully listening at https?:\/\/[^:]+:(\d+)/g;

/**
 * Starts Azurite from node_modules: in memory, no telemetry (it would otherwise try to phone home), loopback only.
 * A port of 0 lets Azurite pick a free one (tests do, so parallel runs never collide); the ports it took are read
 * from its start-up lines. Resolves once all three services listen. With `identity`, it serves HTTPS and accepts the
 * emulated Entra's storage tokens as well as the account key.
 */
export async function startAzurite(
  stateDir: string,
  requestedPorts: Record<AzuriteService, number> = AZURITE_PORTS,
  identity?: AzuriteIdentityOptions,
): Promise<RunningAzurite> {
  // In memory, yet Azurite still writes its debug log and lock files to the working directory: keep them in .sandbox.
  const cwd = resolve(stateDir, 'azurite');
  mkdirSync(cwd, { recursive: true });
  const bin = resolve(__dirname, '..', 'node_modules', '.bin', 'azurite');
  const args = ['--silent', '--inMemoryPersistence', '--disableTelemetry', '--skipApiVersionCheck'];
  for (const service of Object.keys(AZURITE_PORTS) as AzuriteService[]) {
    args.push(`--${service}Host`, '127.0.0.1', `--${service}Port`, String(requestedPorts[service]));
  }
  if (identity) {
    const certPath = resolve(cwd, 'cert.pem');
    const keyPath = resolve(cwd, 'key.pem');
    writeFileSync(certPath, identity.serverCertPem);
    writeFileSync(keyPath, identity.serverKeyPem, { mode: 0o600 });
    args.push('--oauth', 'basic', '--cert', certPath, '--key', keyPath);
  }
  const child: ChildProcess = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'], cwd });
  let output = '';
  const ports: Partial<Record<AzuriteService, number>> = {};
  const started = new Promise<void>((done, fail) => {
    const timer = setTimeout(() => fail(new Error('Azurite did not start within 30 s')), 30_000);
    const onData = (chunk: Buffer): void => {
      output += chunk.toString();
      for (const match of output.matchAll(LISTENING)) {
        ports[match[1]!.toLowerCase() as AzuriteService] = Number(match[2]);
      }
      if (Object.keys(ports).length === 3) {
        clearTimeout(timer);
        child.stdout?.off('data', onData);
        child.stderr?.off('data', onData);
        done();
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      fail(new Error(`Azurite did not start: ${output.trim() || `exit ${code}`}`));
    });
  });
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  try {
    await started;
  } catch (error) {
    child.kill();
    throw error;
  }
  // Azurite prints nothing more we need; keep draining so its pipes never fill.
  child.stdout?.resume();
  child.stderr?.resume();
  const actual = ports as Record<AzuriteService, number>;
  const protocol = identity ? 'https' : 'http';
  return {
    connectionString: azuriteConnectionString(actual, protocol),
    ports: actual,
    tableServiceUri: `${protocol}://127.0.0.1:${actual.table}/${DEV_ACCOUNT}`,
    queueServiceUri: `${protocol}://127.0.0.1:${actual.queue}/${DEV_ACCOUNT}`,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        await exited;
      }
    },
  };
}

/** Creates a table in Azurite with the account key, as Bicep creates the ledger table in Azure; an existing one is kept. */
export async function createAzuriteTable(
  azurite: Pick<RunningAzurite, 'connectionString'>,
  name: string,
): Promise<void> {
  // Plain-HTTP Azurite (no identity options) is on loopback only.
  const insecure = azurite.connectionString.includes('DefaultEndpointsProtocol=http;');
  const service = TableServiceClient.fromConnectionString(azurite.connectionString, {
    allowInsecureConnection: insecure,
  });
  await service.createTable(name);
}

/** Creates a queue in Azurite with the account key, as Bicep creates the credential events queue in Azure. */
export async function createAzuriteQueue(
  azurite: Pick<RunningAzurite, 'connectionString'>,
  name: string,
): Promise<void> {
  await QueueServiceClient.fromConnectionString(azurite.connectionString).getQueueClient(name).createIfNotExists();
}
