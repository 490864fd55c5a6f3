import { randomUUID } from 'node:crypto';
import { badControlRequest, ControlRoute } from '../host/controlPlane';
import { EmulatorError } from '../host/emulatorError';
import { applicationDefaults, GraphStore, PasswordCredentialRecord } from './graphStore';
import { DEFAULT_POLICY_ID, graphDate, parseIsoDuration } from './passwords';

function readMs(body: Record<string, unknown>, name: string, min: number, max: number): number {
  const value = body[name];
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max)
    throw badControlRequest(`${name} must be ${min}-${max}`);
  return value;
}

/** Most applications one bulk seeding call creates. */
export const MAX_BULK_APPLICATIONS = 10_000;

/** A planted password credential's fields (`displayName`?, `startDateTime`, `endDateTime`, `hint`?): any dates. */
function credentialTemplate({
  displayName,
  startDateTime,
  endDateTime,
  hint,
}: Record<string, unknown>): Omit<PasswordCredentialRecord, 'keyId'> {
  if (typeof startDateTime !== 'string' || typeof endDateTime !== 'string')
    throw badControlRequest('startDateTime and endDateTime are required');
  const start = new Date(startDateTime);
  const end = new Date(endDateTime);
  if (Number.isNaN(start.getTime()) || Number.isNaN(end.getTime()))
    throw badControlRequest('startDateTime/endDateTime must be dates');
  if (displayName !== undefined && displayName !== null && typeof displayName !== 'string')
    throw badControlRequest('displayName must be a string');
  if (hint !== undefined && hint !== null && (typeof hint !== 'string' || hint.length > 3))
    throw badControlRequest('hint must be at most 3 characters');
  return {
    displayName: displayName ?? null,
    hint: hint ?? null,
    startDateTime: graphDate(start),
    endDateTime: graphDate(end),
  };
}

function policyBody(store: GraphStore): Record<string, unknown> {
  return store.policy ? { passwordMaxLifetime: store.policy.passwordMaxLifetime, policyId: store.policy.policyId } : {};
}

/** Graph's own control routes under `/_emulator/` (besides the shared reset, latency, faults and request log). */
export function graphControlRoutes(store: GraphStore): Record<string, ControlRoute> {
  return {
    /** New objects answer 404 for this long after creation. */
    'PUT replication-lag': (body) => {
      store.lagMs = readMs(body, 'ms', 0, 600_000);
      return { status: 200, body: { ms: store.lagMs } };
    },
    'GET replication-lag': () => ({ status: 200, body: { ms: store.lagMs } }),
    /** Moves the emulator's clock forward, so objects age past the lag without a test sleeping. */
    'POST clock': (body) => {
      store.clockOffsetMs += readMs(body, 'advanceMs', 0, 365 * 24 * 3600 * 1000);
      return { status: 200, body: { offsetMs: store.clockOffsetMs } };
    },
    'GET clock': () => ({ status: 200, body: { offsetMs: store.clockOffsetMs } }),
    /** The tenant's app-management policy: `{"passwordMaxLifetime": "P30D", "policyId"?}`; `{}` clears it. */
    'PUT policy': ({ passwordMaxLifetime, policyId }) => {
      if (passwordMaxLifetime === undefined || passwordMaxLifetime === null) {
        store.policy = undefined;
        return { status: 200, body: {} };
      }
      const maxLifetimeMs = typeof passwordMaxLifetime === 'string' ? parseIsoDuration(passwordMaxLifetime) : undefined;
      if (maxLifetimeMs === undefined || maxLifetimeMs <= 0)
        throw badControlRequest('passwordMaxLifetime must be an ISO-8601 duration such as P30D');
      if (policyId !== undefined && typeof policyId !== 'string') throw badControlRequest('policyId must be a string');
      store.policy = {
        passwordMaxLifetime: passwordMaxLifetime as string,
        maxLifetimeMs,
        policyId: policyId ?? DEFAULT_POLICY_ID,
      };
      return { status: 200, body: policyBody(store) };
    },
    'GET policy': () => ({ status: 200, body: policyBody(store) }),
    /** Plants a password credential with any dates (past ones too) and no secret. */
    'POST credentials': (body) => {
      const { appId } = body;
      if (typeof appId !== 'string') throw badControlRequest('appId is required');
      const app = store.findApplication({ appId });
      if (!app) throw new EmulatorError(404, 'NotFound', `no application with appId ${appId}`);
      const keyId = randomUUID();
      app.passwordCredentials.push({ keyId, ...credentialTemplate(body) });
      return { status: 201, body: { keyId } };
    },
    /**
     * Creates `count` applications at once, each owned by the seeded principal `owner` (default the function
     * identity), with the same `tags` and planted `passwordCredentials` (no secrets): tenants at scale for tests and
     * benchmarks. Answers each app's `id`, `appId` and its credentials' `keyIds`, in the templates' order.
     */
    'POST applications': ({ count, owner, displayNamePrefix, tags, passwordCredentials }) => {
      if (typeof count !== 'number' || !Number.isInteger(count) || count < 1 || count > MAX_BULK_APPLICATIONS)
        throw badControlRequest(`count must be an integer 1-${MAX_BULK_APPLICATIONS}`);
      const ownerId = store.principalObjectId(typeof owner === 'string' ? owner : 'functionIdentity');
      if (!ownerId) throw badControlRequest('owner must name a seeded principal');
      if (tags !== undefined && (!Array.isArray(tags) || tags.some((t) => typeof t !== 'string' || t.length > 256)))
        throw badControlRequest('tags must be strings of at most 256 characters');
      const templates = passwordCredentials ?? [];
      if (!Array.isArray(templates) || templates.some((t) => typeof t !== 'object' || t === null))
        throw badControlRequest('passwordCredentials must be an array of credentials');
      const credentials = templates.map((t) => credentialTemplate(t as Record<string, unknown>));
      const prefix = typeof displayNamePrefix === 'string' ? displayNamePrefix : 'bulk';
      const applications = Array.from({ length: count }, (_, i) => {
        const app = store.addApplication({
          displayName: `${prefix}-${i}`,
          props: { ...applicationDefaults(), signInAudience: 'AzureADMyOrg', tags: [...((tags as string[]) ?? [])] },
          owners: new Set([ownerId]),
        });
        app.passwordCredentials.push(...credentials.map((c) => ({ ...c, keyId: randomUUID() })));
        return { id: app.id, appId: app.appId, keyIds: app.passwordCredentials.map((c) => c.keyId) };
      });
      return { status: 201, body: { applications } };
    },
  };
}
