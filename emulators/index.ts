import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { createEntraService } from './entra/entraService';
import { createManagedIdentityService, MANAGED_IDENTITY_PATH } from './entra/managedIdentityService';
import { TokenIssuer } from './entra/tokenIssuer';
import { createGraphService } from './graph/graphService';
import { RunningService, startService } from './host/serviceHost';
import { generateTlsMaterial, readTlsMaterial, TlsMaterial } from './host/tls';
import { createKeyVaultService } from './keyVault/keyVaultService';
import { groupsOf, loadSeed, Seed, userApiRoles } from './seed';

/** Fixed default ports, so scripts and a developer's notes stay valid between runs. */
export const DEFAULT_PORTS = { managedIdentity: 47000, entra: 47001, graph: 47002, keyVault: 47003 } as const;

/** What `.sandbox/endpoints.json` holds: everything a client needs to reach the emulators. */
export interface EmulatorEndpoints {
  tenantId: string;
  caCertPath: string;
  entra: { authorityHost: string; issuer: string; jwksUri: string };
  managedIdentity: { endpoint: string; header: string; clientId: string; objectId: string };
  graph: { baseUrl: string; control: string };
  keyVault: { url: string; control: string };
  vendingApi: { appId: string; identifierUri: string; appRoles: string[] };
  /**
   * The vending API as its callers see it: the `aud` of its tokens (its appId), the scope a user flow asks for, the
   * scope an app-only flow asks for. The sandbox adds `baseUrl` once the API listens.
   */
  api: {
    appId: string;
    audience: string;
    identifierUri: string;
    scope: string;
    defaultScope: string;
    baseUrl?: string;
  };
  principals: Record<
    string,
    { clientId: string; objectId: string; clientSecret?: string; publicClient?: true; roles: string[] }
  >;
  /** Seeded users by the local part of their sign-in name: password (ROPC), app roles (direct or via a group), groups. */
  users: Record<
    string,
    { userPrincipalName: string; objectId: string; password: string; roles: string[]; groups: string[] }
  >;
  /** Added by the sandbox: the app settings the API runs with (`npm run scan -- --sandbox` uses them). */
  appSettings?: Record<string, string>;
}

export interface StartEmulatorsOptions {
  /** Where the CA, server certificate and endpoints.json live. Default `<repo>/.sandbox`. */
  stateDir?: string;
  /** Reuse TLS material already in `<stateDir>/tls` (a launcher generated it to set NODE_EXTRA_CA_CERTS first). */
  reuseTls?: boolean;
  /** Port per emulator; 0 picks a free one. Defaults to {@link DEFAULT_PORTS}. */
  ports?: Partial<Record<keyof typeof DEFAULT_PORTS, number>>;
  seed?: Seed;
  /** Write `<stateDir>/endpoints.json`. Default true. */
  writeEndpointsFile?: boolean;
}

/** The running emulators, their endpoints and a way to stop them all. */
export interface RunningEmulators {
  endpoints: EmulatorEndpoints;
  endpointsPath: string;
  tls: TlsMaterial;
  seed: Seed;
  services: Record<keyof typeof DEFAULT_PORTS, RunningService>;
  /** Every secretText the Graph emulator issued (in-process only: for tests that prove no secret leaks). */
  issuedSecretTexts(): readonly string[];
  close(): Promise<void>;
}

/** The repository's `.sandbox` folder. */
export const DEFAULT_STATE_DIR = resolve(__dirname, '..', '.sandbox');

/** Makes (or reads) the TLS material in `<stateDir>/tls`. */
export function prepareTls(stateDir: string, reuse: boolean): TlsMaterial {
  const dir = resolve(stateDir, 'tls');
  return reuse ? readTlsMaterial(dir) : generateTlsMaterial(dir);
}

/** Starts Entra (+ managed identity endpoint), Graph and Key Vault in this process. */
export async function startEmulators(options: StartEmulatorsOptions = {}): Promise<RunningEmulators> {
  const stateDir = resolve(options.stateDir ?? DEFAULT_STATE_DIR);
  const tls = prepareTls(stateDir, options.reuseTls ?? false);
  const seed = options.seed ?? loadSeed();
  const ports = { ...DEFAULT_PORTS, ...options.ports };
  const identityHeader = randomBytes(16).toString('hex');

  const issuer = new TokenIssuer(seed);
  const started: RunningService[] = [];
  try {
    const entra = await startService(createEntraService(issuer), { tls, port: ports.entra });
    started.push(entra);
    issuer.authorityHost = entra.url;
    const managedIdentity = await startService(createManagedIdentityService(issuer, identityHeader), {
      port: ports.managedIdentity,
    });
    started.push(managedIdentity);
    const graphService = createGraphService(issuer);
    // Apps created through Graph sign in at Entra with their own secrets and certificates.
    issuer.registeredApps = graphService.registeredApps;
    const graph = await startService(graphService, { tls, port: ports.graph });
    started.push(graph);
    const keyVault = await startService(createKeyVaultService(issuer), { tls, port: ports.keyVault });
    started.push(keyVault);

    const functionIdentity = seed.principals.functionIdentity;
    if (!functionIdentity) throw new Error('The seed must declare the functionIdentity principal.');
    const endpoints: EmulatorEndpoints = {
      tenantId: seed.tenantId,
      caCertPath: tls.caCertPath,
      entra: {
        authorityHost: entra.url,
        issuer: issuer.issuerV2,
        jwksUri: `${entra.url}/${seed.tenantId}/discovery/v2.0/keys`,
      },
      managedIdentity: {
        endpoint: `${managedIdentity.url}${MANAGED_IDENTITY_PATH}`,
        header: identityHeader,
        clientId: functionIdentity.clientId,
        objectId: functionIdentity.objectId,
      },
      graph: { baseUrl: graph.url, control: `${graph.url}/_emulator` },
      keyVault: { url: keyVault.url, control: `${keyVault.url}/_emulator` },
      vendingApi: {
        appId: seed.vendingApi.appId,
        identifierUri: seed.vendingApi.identifierUri,
        appRoles: seed.vendingApi.appRoles,
      },
      api: {
        appId: seed.vendingApi.appId,
        audience: seed.vendingApi.appId,
        identifierUri: seed.vendingApi.identifierUri,
        scope: `${seed.vendingApi.identifierUri}/${seed.vendingApi.scopes[0] ?? 'access_as_user'}`,
        defaultScope: `${seed.vendingApi.identifierUri}/.default`,
      },
      principals: Object.fromEntries(
        Object.entries(seed.principals).map(([name, p]) => [
          name,
          {
            clientId: p.clientId,
            objectId: p.objectId,
            ...(p.clientSecret ? { clientSecret: p.clientSecret } : {}),
            ...(p.publicClient ? { publicClient: true as const } : {}),
            roles: p.apiRoles,
          },
        ]),
      ),
      users: Object.fromEntries(
        seed.users.map((u) => [
          u.userPrincipalName.split('@')[0]!,
          {
            userPrincipalName: u.userPrincipalName,
            objectId: u.objectId,
            password: u.password,
            roles: userApiRoles(seed, u),
            groups: groupsOf(seed, u).map((g) => g.objectId),
          },
        ]),
      ),
    };
    const endpointsPath = resolve(stateDir, 'endpoints.json');
    if (options.writeEndpointsFile ?? true) writeEndpoints(endpointsPath, endpoints);
    return {
      endpoints,
      endpointsPath,
      tls,
      seed,
      services: { entra, managedIdentity, graph, keyVault },
      issuedSecretTexts: () => graphService.issuedSecretTexts,
      close: async () => {
        await Promise.all(started.map((s) => s.close()));
      },
    };
  } catch (error) {
    await Promise.all(started.map((s) => s.close()));
    throw error;
  }
}

/** Writes endpoints.json atomically enough for readers polling it (write then rename is overkill for one small file). */
export function writeEndpoints(path: string, endpoints: EmulatorEndpoints): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, JSON.stringify(endpoints, null, 2) + '\n');
}
