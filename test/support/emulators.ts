import { resolve } from 'node:path';
import { ManagedIdentityCredential } from '@azure/identity';
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

/**
 * Points `ManagedIdentityCredential` at the emulated identity endpoint for the enclosing describe block, as App Service
 * sets `IDENTITY_ENDPOINT`/`IDENTITY_HEADER`, and yields the function identity's credential. Register it after
 * {@link useEmulators} so its `beforeAll` runs once they listen.
 */
export function useFunctionIdentity(emulators: () => RunningEmulators): () => ManagedIdentityCredential {
  let credential: ManagedIdentityCredential | undefined;
  beforeAll(() => {
    const { managedIdentity } = emulators().endpoints;
    process.env.IDENTITY_ENDPOINT = managedIdentity.endpoint;
    process.env.IDENTITY_HEADER = managedIdentity.header;
    credential = new ManagedIdentityCredential({ clientId: managedIdentity.clientId });
  });
  afterAll(() => {
    delete process.env.IDENTITY_ENDPOINT;
    delete process.env.IDENTITY_HEADER;
  });
  return () => {
    if (!credential) throw new Error('the function identity is not set up yet (use inside a test or hook)');
    return credential;
  };
}
