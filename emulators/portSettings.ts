import { DEFAULT_PORTS } from './index';

export function portFromEnv(env: Record<string, string | undefined>, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new Error(`${name} must be a port number, got '${raw}'`);
  return port;
}

/**
 * Emulator ports from EMULATOR_PORT_ENTRA, EMULATOR_PORT_MANAGED_IDENTITY, EMULATOR_PORT_GRAPH and
 * EMULATOR_PORT_KEY_VAULT (0 = any free port), else the fixed defaults.
 */
export function emulatorPortsFromEnv(
  env: Record<string, string | undefined> = process.env,
): Record<keyof typeof DEFAULT_PORTS, number> {
  return {
    entra: portFromEnv(env, 'EMULATOR_PORT_ENTRA', DEFAULT_PORTS.entra),
    managedIdentity: portFromEnv(env, 'EMULATOR_PORT_MANAGED_IDENTITY', DEFAULT_PORTS.managedIdentity),
    graph: portFromEnv(env, 'EMULATOR_PORT_GRAPH', DEFAULT_PORTS.graph),
    keyVault: portFromEnv(env, 'EMULATOR_PORT_KEY_VAULT', DEFAULT_PORTS.keyVault),
  };
}

/** The API port of the sandbox: API_PORT, else 7071 as `func start` uses. */
export function apiPortFromEnv(env: Record<string, string | undefined> = process.env): number {
  return portFromEnv(env, 'API_PORT', 7071);
}
