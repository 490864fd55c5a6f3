import { resolve } from 'node:path';
import { RunningEmulators, startEmulators } from '../../emulators/index';

/**
 * Starts a private set of emulators for one test file (free ports, the run's CA) and stops them after it.
 * Returns a getter: the emulators exist only once `beforeAll` has run.
 */
export function useEmulators(): () => RunningEmulators {
  let running: RunningEmulators | undefined;
  beforeAll(async () => {
    const stateDir = process.env.EMULATOR_STATE_DIR;
    if (!stateDir) throw new Error('EMULATOR_STATE_DIR is not set; run tests with `npm test`.');
    running = await startEmulators({
      stateDir: resolve(stateDir),
      reuseTls: true,
      ports: { entra: 0, managedIdentity: 0, graph: 0, keyVault: 0 },
      writeEndpointsFile: false,
    });
  });
  afterAll(async () => {
    await running?.close();
  });
  return () => {
    if (!running) throw new Error('emulators are not started yet (use inside a test or hook)');
    return running;
  };
}

/** Calls an emulator's control plane (`/_emulator/...`) and returns the parsed JSON answer. */
export async function control<T = unknown>(
  controlUrl: string,
  method: string,
  name: string,
  body?: unknown,
): Promise<T> {
  const response = await fetch(`${controlUrl}/${name}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`control ${method} ${name} → ${response.status} ${await response.text()}`);
  const text = await response.text();
  return (text ? JSON.parse(text) : undefined) as T;
}
