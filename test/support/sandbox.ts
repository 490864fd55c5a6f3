import { resolve } from 'node:path';
import { RunningSandbox, SandboxOptions, startSandbox } from '../../sandbox/sandbox';

/** Every response body and log line a suite produced, for the secret-leak check. */
export interface Capture {
  responseBodies: string[];
  logLines: string[];
}

/**
 * Starts the sandbox stack in this test file's process (emulators and Azurite on free ports, the API's registered
 * handlers served over HTTP, the ledger in Azurite) and captures every log line the API writes.
 */
export function useSandbox(options: Pick<SandboxOptions, 'settings' | 'overrides'> = {}): {
  sandbox: () => RunningSandbox;
  capture: Capture;
} {
  let running: RunningSandbox | undefined;
  const capture: Capture = { responseBodies: [], logLines: [] };
  const consoleMethods = ['log', 'info', 'warn', 'error', 'debug'] as const;
  const originals = consoleMethods.map((m) => [m, console[m]] as const);

  beforeAll(async () => {
    for (const method of consoleMethods) {
      // Captured, not shown: an emitted line is kept for the leak check.
      console[method] = (...args: unknown[]) => {
        capture.logLines.push(args.map((a) => (typeof a === 'string' ? a : JSON.stringify(a))).join(' '));
      };
    }
    const stateDir = process.env.EMULATOR_STATE_DIR;
    if (!stateDir) throw new Error('EMULATOR_STATE_DIR is not set; run tests with `npm test`.');
    running = await startSandbox({
      stateDir: resolve(stateDir),
      apiPort: 0,
      emulatorPorts: { entra: 0, managedIdentity: 0, graph: 0, keyVault: 0 },
      azuritePorts: { blob: 0, queue: 0, table: 0 },
      writeEndpointsFile: false,
      logHandler: (level, ...args) => {
        capture.logLines.push(
          `[${level}] ${args.map((a) => (typeof a === 'string' ? a : JSON.stringify(a))).join(' ')}`,
        );
      },
      ...(options.settings ? { settings: options.settings } : {}),
      ...(options.overrides ? { overrides: options.overrides } : {}),
    });
  });
  afterAll(async () => {
    await running?.close();
    for (const [method, original] of originals) console[method] = original;
  });
  return {
    sandbox: () => {
      if (!running) throw new Error('sandbox not started yet');
      return running;
    },
    capture,
  };
}

/** A JSON answer of the API: status, headers and parsed body (the raw text is captured). */
export interface ApiAnswer<T = Record<string, unknown>> {
  status: number;
  contentType: string | null;
  headers: Headers;
  body: T;
}

/** Calls the API over HTTP and records the raw response body in `capture`. */
export async function callApi<T = Record<string, unknown>>(
  sandbox: RunningSandbox,
  capture: Capture,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<ApiAnswer<T>> {
  const response = await fetch(`${sandbox.apiBaseUrl}${path}`, {
    method,
    headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await response.text();
  capture.responseBodies.push(text);
  return {
    status: response.status,
    contentType: response.headers.get('content-type'),
    headers: response.headers,
    body: (text ? JSON.parse(text) : undefined) as T,
  };
}
