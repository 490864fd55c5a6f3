import { ChildProcess, spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { connect } from 'node:net';
import { resolve } from 'node:path';

/** Azurite's well-known ports (blob, queue, table), as `UseDevelopmentStorage=true` expects. */
export const AZURITE_PORTS = { blob: 10000, queue: 10001, table: 10002 } as const;

export interface RunningAzurite {
  connectionString: string;
  stop(): Promise<void>;
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

/**
 * Starts Azurite from node_modules: in memory, no telemetry (it would otherwise try to phone home), loopback only.
 * Resolves once all three services accept connections.
 */
export async function startAzurite(stateDir: string): Promise<RunningAzurite> {
  // In memory, yet Azurite still writes its debug log and lock files to the working directory: keep them in .sandbox.
  const cwd = resolve(stateDir, 'azurite');
  mkdirSync(cwd, { recursive: true });
  const bin = resolve(__dirname, '..', 'node_modules', '.bin', 'azurite');
  const child: ChildProcess = spawn(
    bin,
    [
      '--silent',
      '--inMemoryPersistence',
      '--disableTelemetry',
      '--skipApiVersionCheck',
      '--blobHost',
      '127.0.0.1',
      '--blobPort',
      String(AZURITE_PORTS.blob),
      '--queueHost',
      '127.0.0.1',
      '--queuePort',
      String(AZURITE_PORTS.queue),
      '--tableHost',
      '127.0.0.1',
      '--tablePort',
      String(AZURITE_PORTS.table),
    ],
    { stdio: ['ignore', 'ignore', 'pipe'], cwd },
  );
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
  const deadline = Date.now() + 30_000;
  for (;;) {
    const open = await Promise.all(Object.values(AZURITE_PORTS).map(portOpen));
    if (open.every(Boolean)) break;
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill();
      throw new Error(`Azurite did not start: ${stderr.trim() || `exit ${child.exitCode}`}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    connectionString: 'UseDevelopmentStorage=true',
    stop: async () => {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await exited;
      }
    },
  };
}
