import fc from 'fast-check';

/** The operations a run may pick; the certificate ones unless left out (see {@link operationsFor}). */
export type Operation =
  'createApplication' | 'addSecret' | 'revokeSecret' | 'listSecrets' | 'addCertificate' | 'revokeCertificate';

/** Which emulator a step is a call to: its control plane takes the fault. */
export type Service = 'graph' | 'keyVault' | 'identity';

/**
 * One call an operation makes, as the emulators' request logs (`GET /_emulator/requests`) show it: a fault is injected
 * for exactly the calls matching it. `{appId}` in a pattern is the run's app (unknown to a create: not used there).
 */
export interface Step {
  name: string;
  service: Service;
  method?: string;
  pathPattern: string;
  /** On the identity endpoint: which resource's token (`graph`, `vault`), so the ledger's own tokens are spared. */
  queryPattern?: string;
}

const APP = `\\(appId='{appId}'\\)`;

/** Every step the operations make, by name. */
export const STEPS = {
  createApp: {
    name: 'graph POST /applications',
    service: 'graph',
    method: 'POST',
    pathPattern: '^/v1\\.0/applications$',
  },
  createSp: {
    name: 'graph POST /servicePrincipals',
    service: 'graph',
    method: 'POST',
    pathPattern: '^/v1\\.0/servicePrincipals$',
  },
  readApp: {
    name: 'graph GET application',
    service: 'graph',
    method: 'GET',
    pathPattern: `^/v1\\.0/applications${APP}$`,
  },
  readOwners: { name: 'graph GET owners', service: 'graph', method: 'GET', pathPattern: `${APP}/owners$` },
  addPassword: { name: 'graph POST addPassword', service: 'graph', method: 'POST', pathPattern: `${APP}/addPassword$` },
  removePassword: {
    name: 'graph POST removePassword',
    service: 'graph',
    method: 'POST',
    pathPattern: `${APP}/removePassword$`,
  },
  writeKeyCredentials: {
    name: 'graph PATCH application (keyCredentials)',
    service: 'graph',
    method: 'PATCH',
    pathPattern: `^/v1\\.0/applications${APP}$`,
  },
  putSecret: { name: 'vault PUT secret', service: 'keyVault', method: 'PUT', pathPattern: '^/secrets/[^/]+$' },
  listVersions: {
    name: 'vault GET secret versions',
    service: 'keyVault',
    method: 'GET',
    pathPattern: '^/secrets/[^/]+/versions$',
  },
  readSecret: {
    name: 'vault GET secret (latest or a version)',
    service: 'keyVault',
    method: 'GET',
    pathPattern: '^/secrets/[^/]+/(?!versions$)[^/]*$',
  },
  patchVersion: {
    name: 'vault PATCH secret version',
    service: 'keyVault',
    method: 'PATCH',
    pathPattern: '^/secrets/[^/]+/[^/]+$',
  },
  createCertificate: {
    name: 'vault POST certificate create',
    service: 'keyVault',
    method: 'POST',
    pathPattern: '^/certificates/[^/]+/create$',
  },
  pollCertificate: {
    name: 'vault GET certificate pending',
    service: 'keyVault',
    method: 'GET',
    pathPattern: '^/certificates/[^/]+/pending$',
  },
  readCertificate: {
    name: 'vault GET certificate',
    service: 'keyVault',
    method: 'GET',
    pathPattern: '^/certificates/[^/]+/(?!versions$|pending$)[^/]*$',
  },
  listCertificateVersions: {
    name: 'vault GET certificate versions',
    service: 'keyVault',
    method: 'GET',
    pathPattern: '^/certificates/[^/]+/versions$',
  },
  patchCertificate: {
    name: 'vault PATCH certificate version',
    service: 'keyVault',
    method: 'PATCH',
    pathPattern: '^/certificates/[^/]+/[^/]+$',
  },
  graphToken: {
    name: 'identity token for graph',
    service: 'identity',
    pathPattern: '/msi/token$',
    queryPattern: 'graph\\.microsoft\\.com',
  },
  vaultToken: {
    name: 'identity token for vault',
    service: 'identity',
    pathPattern: '/msi/token$',
    queryPattern: 'vault',
  },
} as const satisfies Record<string, Step>;

/**
 * The calls each operation makes (read off the emulators' request logs), tokens included. A revoke's vault steps
 * include the slot's restore (read the older version, write it again as the latest) when the newest is revoked.
 */
export const OPERATION_STEPS: Readonly<Record<Operation, readonly Step[]>> = {
  createApplication: [STEPS.createApp, STEPS.createSp, STEPS.putSecret, STEPS.graphToken, STEPS.vaultToken],
  addSecret: [STEPS.readApp, STEPS.addPassword, STEPS.putSecret, STEPS.graphToken, STEPS.vaultToken],
  revokeSecret: [
    STEPS.readApp,
    STEPS.readOwners,
    STEPS.removePassword,
    STEPS.listVersions,
    STEPS.patchVersion,
    STEPS.readSecret,
    STEPS.putSecret,
    STEPS.graphToken,
    STEPS.vaultToken,
  ],
  listSecrets: [STEPS.readApp, STEPS.readOwners, STEPS.listVersions, STEPS.graphToken, STEPS.vaultToken],
  addCertificate: [
    STEPS.readApp,
    STEPS.readOwners,
    STEPS.writeKeyCredentials,
    STEPS.createCertificate,
    STEPS.pollCertificate,
    STEPS.readCertificate,
    STEPS.graphToken,
    STEPS.vaultToken,
  ],
  revokeCertificate: [
    STEPS.readApp,
    STEPS.readOwners,
    STEPS.writeKeyCredentials,
    STEPS.listCertificateVersions,
    STEPS.patchCertificate,
    STEPS.graphToken,
    STEPS.vaultToken,
  ],
};

/** The operations of a run: the secret ones always, the certificate ones when asked for. */
export function operationsFor(certificates: boolean): Operation[] {
  const secrets: Operation[] = ['createApplication', 'addSecret', 'revokeSecret', 'listSecrets'];
  return certificates ? [...secrets, 'addCertificate', 'revokeCertificate'] : secrets;
}

/** Every fault kind the emulators inject (`POST /_emulator/faults`). */
export const FAULT_KINDS = [
  '500',
  '502',
  '503',
  '504',
  '429',
  '429 Retry-After',
  '400',
  '401',
  '403',
  'dropped',
  'past deadline',
] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

/**
 * How often the fault hits the step's calls: once, twice, every call (persistent), or every other call. A call held
 * past the deadline is held once or twice: a service holding every call past any budget cannot be finished by a
 * request at all — that is the expiry scan's work, from the ledger.
 */
export const PERSISTENCES = ['once', 'twice', 'persistent', 'every other'] as const;
export type Persistence = (typeof PERSISTENCES)[number];

/** One run of the suite. */
export interface PlannedRun {
  operation: Operation;
  step: Step;
  fault: FaultKind;
  persistence: Persistence;
  /** For `past deadline`: how far past the request's deadline the call is held. */
  extraDelayMs: number;
  /** For a revoke: the newest credential of the slot (its versionless reference must fall back) or the oldest. */
  revokeNewest: boolean;
}

/** A run's name, as failures and the summary print it: enough to reproduce it with the seed. */
export function describeRun(n: number, run: PlannedRun): string {
  const revoking = run.operation.startsWith('revoke') ? (run.revokeNewest ? ' (newest)' : ' (oldest)') : '';
  return `run #${n} ${run.operation}${revoking} × ${run.step.name} × ${run.fault} ${run.persistence}`;
}

/** The runs, drawn with fast-check from `seed`: each an operation, one of its steps, a fault kind and how often. */
export function planRuns(seed: number, runs: number, certificates: boolean): PlannedRun[] {
  const operations = operationsFor(certificates);
  const arbitrary = fc
    .record({
      operation: fc.constantFrom(...operations),
      stepIndex: fc.nat(),
      fault: fc.constantFrom(...FAULT_KINDS),
      persistence: fc.constantFrom(...PERSISTENCES),
      extraDelayMs: fc.integer({ min: 200, max: 800 }),
      revokeNewest: fc.boolean(),
    })
    .map(({ operation, stepIndex, fault, persistence, ...rest }) => {
      const steps = OPERATION_STEPS[operation];
      return {
        operation,
        step: steps[stepIndex % steps.length]!,
        fault,
        persistence:
          fault === 'past deadline'
            ? persistence === 'once' || persistence === 'every other'
              ? 'once'
              : 'twice'
            : persistence,
        ...rest,
      } satisfies PlannedRun;
    });
  return fc.sample(arbitrary, { seed, numRuns: runs });
}

/** The fault to post for a run: `deadlineMs` is the API's request deadline. */
export function faultBody(run: PlannedRun, appId: string | undefined, deadlineMs: number): Record<string, unknown> {
  const { step, fault, persistence } = run;
  const pathPattern = step.pathPattern.replace('{appId}', appId ?? "[^']+");
  const how =
    persistence === 'once'
      ? { count: 1 }
      : persistence === 'twice'
        ? { count: 2 }
        : persistence === 'persistent'
          ? { count: 1000 }
          : { count: 1000, every: 2 };
  const what =
    fault === 'past deadline'
      ? { delayMs: deadlineMs + run.extraDelayMs }
      : fault === 'dropped'
        ? { status: 0 }
        : fault === '429 Retry-After'
          ? { status: 429, retryAfterSeconds: 1 }
          : { status: Number(fault) };
  return {
    ...(step.method ? { method: step.method } : {}),
    pathPattern,
    ...('queryPattern' in step && step.queryPattern ? { queryPattern: step.queryPattern } : {}),
    ...how,
    ...what,
  };
}
