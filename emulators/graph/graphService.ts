import { randomUUID } from 'node:crypto';
import { EmulatedService, ServiceRequest, ServiceResponse } from '../host/serviceHost';
import { GRAPH_RESOURCE, TokenIssuer } from '../entra/tokenIssuer';
import {
  applicationDefaults,
  applicationJson,
  ApplicationRecord,
  Directory,
  DirectoryObject,
  directoryObjectJson,
  PasswordCredentialRecord,
  passwordCredentialJson,
  READ_ONLY_APPLICATION_PROPERTIES,
  servicePrincipalJson,
  ServicePrincipalRecord,
  UserRecord,
} from './directory';
import {
  badRequest,
  correlation,
  errorResponse,
  faultFailure,
  GRAPH_JSON,
  GraphFailure,
  insufficientPrivileges,
  invalidObjectIdentifier,
  invalidPropertyValue,
  methodNotAllowed,
  notFound,
  segmentNotFound,
} from './errors';
import { applySelect, contextUrl, matchesFilter, paginate, parseFilter, parseSelect } from './odata';
import {
  checkCredentialDates,
  checkLifetime,
  DEFAULT_POLICY_ID,
  defaultEnd,
  generateSecretText,
  graphDate,
  parseIsoDuration,
  readDate,
} from './passwords';

/** The Graph emulator; `issuedSecretTexts` is in-process only (leak tests), never served over HTTP. */
export interface GraphEmulator extends EmulatedService {
  /** Every `secretText` this emulator has issued since it started, oldest first. */
  readonly issuedSecretTexts: readonly string[];
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** What the caller's Graph application permissions allow. */
type Access = 'readWriteAll' | 'ownedBy' | 'readAll' | 'none';

interface Caller {
  objectId: string;
  principal: string;
  access: Access;
}

function accessFrom(roles: readonly string[]): Access {
  if (roles.includes('Application.ReadWrite.All') || roles.includes('Directory.ReadWrite.All')) return 'readWriteAll';
  if (roles.includes('Application.ReadWrite.OwnedBy')) return 'ownedBy';
  if (roles.includes('Application.Read.All') || roles.includes('Directory.Read.All')) return 'readAll';
  return 'none';
}

/** An entity addressed by object id (`/applications/{id}`) or by alternate key (`/applications(appId='…')`). */
interface EntityKey {
  id?: string;
  appId?: string;
}

function keyText(key: EntityKey): string {
  return key.id ?? key.appId ?? '';
}

function checkKey(key: EntityKey): void {
  const value = keyText(key);
  if (!GUID.test(value)) throw invalidObjectIdentifier(value);
}

type EntitySet = 'applications' | 'servicePrincipals';

/** Splits `applications(appId='…')` into the set and the alternate key. */
function parseEntitySegment(segment: string): { set: EntitySet; key?: EntityKey } | undefined {
  const match = /^(applications|servicePrincipals)(?:\(\s*appId\s*=\s*'([^']*)'\s*\))?$/i.exec(segment);
  if (!match) return undefined;
  const set: EntitySet = match[1]!.toLowerCase() === 'applications' ? 'applications' : 'servicePrincipals';
  return match[2] === undefined ? { set } : { set, key: { appId: match[2] } };
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

function readJsonBody(request: ServiceRequest): Record<string, unknown> {
  const text = request.body.toString('utf8').trim();
  if (text === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw badRequest(
      'Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format.',
      'BadRequest',
    );
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw badRequest(
      'Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format.',
      'BadRequest',
    );
  }
  return parsed as Record<string, unknown>;
}

function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

/** Properties whose default is null but which hold booleans. */
const BOOLEAN_PROPERTIES = new Set(['isDeviceOnlyAuthSupported', 'isFallbackPublicClient']);
/** Properties whose default is null but which hold objects. */
const OBJECT_PROPERTIES = new Set(['optionalClaims']);

/** Validates the writable application properties of a create or PATCH body; returns them. */
function writableApplicationProperties(body: Record<string, unknown>): Record<string, unknown> {
  const defaults = applicationDefaults();
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(body)) {
    if (name === 'displayName' || name === 'passwordCredentials' || name.startsWith('@odata.')) continue;
    if (READ_ONLY_APPLICATION_PROPERTIES.includes(name)) {
      throw badRequest(`Property '${name}' is read-only and cannot be set.`);
    }
    if (!(name in defaults)) {
      throw new GraphFailure(
        400,
        'BadRequest',
        `The property '${name}' does not exist on type 'microsoft.graph.application'. Make sure to only use property names that are defined by the type or mark the type as open type.`,
      );
    }
    const expected = kindOf(defaults[name]);
    const actual = kindOf(value);
    const ok =
      actual === expected ||
      (expected === 'null' &&
        (actual === 'null' ||
          actual === (BOOLEAN_PROPERTIES.has(name) ? 'boolean' : OBJECT_PROPERTIES.has(name) ? 'object' : 'string'))) ||
      (expected === 'object' && actual === 'null' && name !== 'api' && name !== 'web');
    if (!ok) throw invalidPropertyValue(name, 'Application');
    out[name] = value;
  }
  return out;
}

function readDisplayName(value: unknown, resource: string): string {
  if (typeof value !== 'string' || value.trim() === '') throw invalidPropertyValue('displayName', resource);
  if (value.length > 256) throw invalidPropertyValue('displayName', resource);
  return value;
}

const APPLICATION_PROPERTIES = Object.keys(
  applicationJson(
    {
      kind: 'application',
      seq: 0,
      createdAt: 0,
      id: '',
      appId: '',
      displayName: '',
      createdDateTime: '',
      owners: new Set(),
      passwordCredentials: [],
      props: applicationDefaults(),
    },
    { tenantDomain: '' } as Directory,
  ),
);
const SERVICE_PRINCIPAL_PROPERTIES = Object.keys(
  servicePrincipalJson({
    kind: 'servicePrincipal',
    seq: 0,
    createdAt: 0,
    id: '',
    appId: '',
    displayName: '',
    createdDateTime: '',
    owners: new Set(),
    passwordCredentials: [],
    servicePrincipalType: 'Application',
    appDisplayName: null,
    appOwnerOrganizationId: null,
    accountEnabled: true,
    servicePrincipalNames: [],
    appRoles: [],
    alternativeNames: [],
    tags: [],
  }),
);
/** `$select` on a directoryObject collection may name properties of any member type. */
const DIRECTORY_OBJECT_PROPERTIES = [
  ...new Set([...APPLICATION_PROPERTIES, ...SERVICE_PRINCIPAL_PROPERTIES, 'userPrincipalName', 'mail']),
];

/** Microsoft Graph v1.0 (applications, service principals, owners, passwords) over the shared emulator host. */
export function createGraphService(issuer: TokenIssuer): GraphEmulator {
  const issuedSecretTexts: string[] = [];
  const directory = new Directory(issuer.seed);

  function ok(request: ServiceRequest, caller: Caller, status: number, body?: unknown): ServiceResponse {
    const { requestId, clientRequestId } = correlation(request);
    return {
      status,
      headers: {
        ...(body === undefined ? {} : { 'content-type': GRAPH_JSON }),
        'request-id': requestId,
        'client-request-id': clientRequestId,
      },
      ...(body === undefined ? {} : { body }),
      principal: caller.principal,
    };
  }

  function authenticate(request: ServiceRequest): Caller {
    const header = request.headers.authorization;
    const unauthorized = (message: string): GraphFailure =>
      new GraphFailure(401, 'InvalidAuthenticationToken', message, {
        headers: {
          'www-authenticate': `Bearer realm="", authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize", client_id="00000003-0000-0000-c000-000000000000"`,
        },
      });
    if (!header || /^\s*(Bearer\s*)?$/i.test(header)) throw unauthorized('Access token is empty.');
    const check = issuer.check(header, GRAPH_RESOURCE);
    if (!check.valid) {
      if (check.reason.startsWith('invalid audience'))
        throw unauthorized('Access token validation failure. Invalid audience.');
      if (check.reason === 'token expired' || check.reason === 'token not yet valid') {
        throw unauthorized('Access token has expired or is not yet valid.');
      }
      if (check.reason === 'not a bearer JWT' || check.reason === 'token is not valid JSON') {
        throw unauthorized('CompactToken parsing failed with error code: 80049217');
      }
      throw unauthorized('Access token validation failure.');
    }
    return {
      objectId: check.claims.oid.toLowerCase(),
      principal: check.principalName ?? check.claims.appid ?? check.claims.oid,
      access: accessFrom(check.claims.roles ?? []),
    };
  }

  function requireRead(caller: Caller): void {
    if (caller.access === 'none') throw insufficientPrivileges();
  }

  function requireWrite(caller: Caller): void {
    if (caller.access !== 'readWriteAll' && caller.access !== 'ownedBy') throw insufficientPrivileges();
  }

  /** OwnedBy may write only objects it owns. */
  function requireOwnership(caller: Caller, record: DirectoryObject): void {
    requireWrite(caller);
    if (caller.access === 'ownedBy' && !record.owners.has(caller.objectId)) throw insufficientPrivileges();
  }

  function getApplication(key: EntityKey): ApplicationRecord {
    checkKey(key);
    const app = directory.findApplication(key);
    if (!app || !directory.isVisible(app)) throw notFound(keyText(key));
    return app;
  }

  function getServicePrincipal(key: EntityKey): ServicePrincipalRecord {
    checkKey(key);
    const sp = directory.findServicePrincipal(key);
    if (!sp || !directory.isVisible(sp)) throw notFound(keyText(key));
    return sp;
  }

  /** Builds a password credential from a request's `passwordCredential` shape, checking dates and the tenant policy. */
  function newPassword(input: Record<string, unknown>): { record: PasswordCredentialRecord; secretText: string } {
    for (const name of ['keyId', 'secretText', 'hint', 'customKeyIdentifier']) {
      if (input[name] !== undefined && input[name] !== null)
        throw badRequest(`Property '${name}' is read-only and cannot be set.`);
    }
    const displayName = input.displayName;
    if (displayName !== undefined && displayName !== null && typeof displayName !== 'string') {
      throw invalidPropertyValue('displayName', 'PasswordCredential');
    }
    const start = readDate(input.startDateTime, 'startDateTime') ?? new Date();
    const end = readDate(input.endDateTime, 'endDateTime') ?? defaultEnd(start);
    checkCredentialDates(start, end);
    checkLifetime(directory.policy, start, end);
    const secretText = generateSecretText();
    return {
      record: {
        keyId: randomUUID(),
        displayName: displayName ?? null,
        hint: secretText.slice(0, 3),
        startDateTime: graphDate(start),
        endDateTime: graphDate(end),
      },
      secretText,
    };
  }

  // ---- applications ----

  function listApplications(request: ServiceRequest, caller: Caller): ServiceResponse {
    requireRead(caller);
    const select = parseSelect(request.query, APPLICATION_PROPERTIES, 'microsoft.graph.application');
    const filter = parseFilter(request.query, ['appId', 'displayName', 'id'], 'Application');
    const matching = directory
      .listApplications()
      .filter((a) => matchesFilter({ id: a.id, appId: a.appId, displayName: a.displayName }, filter));
    const { page, nextLink } = paginate(matching, request);
    return ok(request, caller, 200, {
      '@odata.context': contextUrl(request.origin, 'applications', select, false),
      value: page.map((a) => applySelect(applicationJson(a, directory), select)),
      ...(nextLink ? { '@odata.nextLink': nextLink } : {}),
    });
  }

  function createApplication(request: ServiceRequest, caller: Caller): ServiceResponse {
    requireWrite(caller);
    const body = readJsonBody(request);
    const displayName = readDisplayName(body.displayName, 'Application');
    const props = { ...applicationDefaults(), ...writableApplicationProperties(body) };
    const inline = body.passwordCredentials;
    if (inline !== undefined && inline !== null && !Array.isArray(inline))
      throw invalidPropertyValue('passwordCredentials', 'Application');
    const passwords = ((inline as unknown[] | null | undefined) ?? []).map((entry) => {
      if (typeof entry !== 'object' || entry === null || Array.isArray(entry))
        throw invalidPropertyValue('passwordCredentials', 'Application');
      return newPassword(entry as Record<string, unknown>);
    });
    const app = directory.addApplication({ displayName, props, owners: new Set([caller.objectId]) });
    app.passwordCredentials.push(...passwords.map((p) => p.record));
    for (const p of passwords) issuedSecretTexts.push(p.secretText);
    const json = applicationJson(app, directory);
    json.passwordCredentials = passwords.map((p) => passwordCredentialJson(p.record, p.secretText));
    return ok(request, caller, 201, {
      '@odata.context': contextUrl(request.origin, 'applications', undefined, true),
      ...json,
    });
  }

  function getApplicationResponse(request: ServiceRequest, caller: Caller, key: EntityKey): ServiceResponse {
    requireRead(caller);
    const select = parseSelect(request.query, APPLICATION_PROPERTIES, 'microsoft.graph.application');
    const app = getApplication(key);
    return ok(request, caller, 200, {
      '@odata.context': contextUrl(request.origin, 'applications', select, true),
      ...applySelect(applicationJson(app, directory), select),
    });
  }

  function patchApplication(request: ServiceRequest, caller: Caller, key: EntityKey): ServiceResponse {
    requireWrite(caller);
    const app = getApplication(key);
    requireOwnership(caller, app);
    const body = readJsonBody(request);
    if ('passwordCredentials' in body) {
      throw badRequest(
        "Property 'passwordCredentials' is read-only and cannot be set. Use the addPassword and removePassword actions.",
      );
    }
    const displayName = 'displayName' in body ? readDisplayName(body.displayName, 'Application') : undefined;
    const props = writableApplicationProperties(body);
    if (displayName !== undefined) app.displayName = displayName;
    Object.assign(app.props, props);
    // The service principal mirrors the application's name and roles.
    for (const sp of directory.servicePrincipals.values()) {
      if (sp.appId !== app.appId) continue;
      if (displayName !== undefined) sp.appDisplayName = displayName;
      if (props.appRoles) sp.appRoles = props.appRoles as unknown[];
    }
    return ok(request, caller, 204);
  }

  function deleteApplication(request: ServiceRequest, caller: Caller, key: EntityKey): ServiceResponse {
    requireWrite(caller);
    const app = getApplication(key);
    requireOwnership(caller, app);
    directory.deleteApplication(app);
    return ok(request, caller, 204);
  }

  function addPassword(request: ServiceRequest, caller: Caller, key: EntityKey): ServiceResponse {
    requireWrite(caller);
    const app = getApplication(key);
    requireOwnership(caller, app);
    const body = readJsonBody(request);
    const input = body.passwordCredential;
    if (input !== undefined && input !== null && (typeof input !== 'object' || Array.isArray(input))) {
      throw invalidPropertyValue('passwordCredential', 'Application');
    }
    const { record, secretText } = newPassword((input as Record<string, unknown> | null | undefined) ?? {});
    app.passwordCredentials.push(record);
    issuedSecretTexts.push(secretText);
    return ok(request, caller, 200, {
      '@odata.context': `${request.origin}/v1.0/$metadata#microsoft.graph.passwordCredential`,
      ...passwordCredentialJson(record, secretText),
    });
  }

  function removePassword(request: ServiceRequest, caller: Caller, key: EntityKey): ServiceResponse {
    requireWrite(caller);
    const app = getApplication(key);
    requireOwnership(caller, app);
    const body = readJsonBody(request);
    const keyId = body.keyId;
    if (typeof keyId !== 'string' || !GUID.test(keyId)) throw invalidPropertyValue('keyId', 'PasswordCredential');
    const index = app.passwordCredentials.findIndex((c) => c.keyId.toLowerCase() === keyId.toLowerCase());
    if (index === -1) {
      throw new GraphFailure(404, 'Request_ResourceNotFound', `No password credential found with keyId '${keyId}'.`);
    }
    app.passwordCredentials.splice(index, 1);
    return ok(request, caller, 204);
  }

  // ---- directoryObject collections (owners, ownedObjects) ----

  function directoryObjectCollection(
    request: ServiceRequest,
    caller: Caller,
    members: (DirectoryObject | UserRecord)[],
    cast: 'application' | 'servicePrincipal' | undefined,
  ): ServiceResponse {
    const typeName = cast ? `microsoft.graph.${cast}` : 'microsoft.graph.directoryObject';
    const known =
      cast === 'application'
        ? APPLICATION_PROPERTIES
        : cast === 'servicePrincipal'
          ? SERVICE_PRINCIPAL_PROPERTIES
          : DIRECTORY_OBJECT_PROPERTIES;
    const select = parseSelect(request.query, known, typeName);
    const filtered = members.filter((m) => !cast || m.kind === cast);
    const sequenced = filtered.map((m, i) => ({ seq: 'seq' in m ? m.seq : i + 1, member: m }));
    const { page, nextLink } = paginate(sequenced, request);
    const entitySet =
      cast === 'application' ? 'applications' : cast === 'servicePrincipal' ? 'servicePrincipals' : 'directoryObjects';
    return ok(request, caller, 200, {
      '@odata.context': contextUrl(request.origin, entitySet, select, false),
      value: page.map((p) => applySelect(directoryObjectJson(p.member, directory), select)),
      ...(nextLink ? { '@odata.nextLink': nextLink } : {}),
    });
  }

  // ---- service principals ----

  function listServicePrincipals(request: ServiceRequest, caller: Caller): ServiceResponse {
    requireRead(caller);
    const select = parseSelect(request.query, SERVICE_PRINCIPAL_PROPERTIES, 'microsoft.graph.servicePrincipal');
    const filter = parseFilter(
      request.query,
      ['appId', 'displayName', 'id', 'servicePrincipalType'],
      'ServicePrincipal',
    );
    const matching = directory
      .listServicePrincipals()
      .filter((s) =>
        matchesFilter(
          { id: s.id, appId: s.appId, displayName: s.displayName, servicePrincipalType: s.servicePrincipalType },
          filter,
        ),
      );
    const { page, nextLink } = paginate(matching, request);
    return ok(request, caller, 200, {
      '@odata.context': contextUrl(request.origin, 'servicePrincipals', select, false),
      value: page.map((s) => applySelect(servicePrincipalJson(s), select)),
      ...(nextLink ? { '@odata.nextLink': nextLink } : {}),
    });
  }

  function createServicePrincipal(request: ServiceRequest, caller: Caller): ServiceResponse {
    requireWrite(caller);
    const body = readJsonBody(request);
    const appId = body.appId;
    if (typeof appId !== 'string' || appId.trim() === '') throw invalidPropertyValue('appId', 'ServicePrincipal');
    const existing = directory.findServicePrincipal({ appId });
    if (existing) {
      throw new GraphFailure(
        409,
        'Request_MultipleObjectsWithSameKeyValue',
        `The service principal cannot be created, updated, or restored because the service principal name ${appId} is already in use.`,
      );
    }
    const app = GUID.test(appId) ? directory.findApplication({ appId }) : undefined;
    if (!app || !directory.isVisible(app)) {
      const message = `The appId '${appId}' of the service principal does not reference a valid application object.`;
      throw new GraphFailure(400, 'Request_BadRequest', message, {
        details: [{ code: 'NoBackingApplicationObject', message, target: 'appId' }],
      });
    }
    requireOwnership(caller, app);
    if ('accountEnabled' in body && typeof body.accountEnabled !== 'boolean')
      throw invalidPropertyValue('accountEnabled', 'ServicePrincipal');
    const sp = directory.addServicePrincipal({
      appId: app.appId,
      displayName: app.displayName,
      servicePrincipalType: 'Application',
      appOwnerOrganizationId: directory.tenantId,
      servicePrincipalNames: [app.appId, ...((app.props.identifierUris as string[] | undefined) ?? [])],
      appRoles: (app.props.appRoles as unknown[] | undefined) ?? [],
      owners: new Set([caller.objectId]),
    });
    if (body.accountEnabled === false) sp.accountEnabled = false;
    return ok(request, caller, 201, {
      '@odata.context': contextUrl(request.origin, 'servicePrincipals', undefined, true),
      ...servicePrincipalJson(sp),
    });
  }

  function getServicePrincipalResponse(request: ServiceRequest, caller: Caller, key: EntityKey): ServiceResponse {
    requireRead(caller);
    const select = parseSelect(request.query, SERVICE_PRINCIPAL_PROPERTIES, 'microsoft.graph.servicePrincipal');
    const sp = getServicePrincipal(key);
    return ok(request, caller, 200, {
      '@odata.context': contextUrl(request.origin, 'servicePrincipals', select, true),
      ...applySelect(servicePrincipalJson(sp), select),
    });
  }

  function deleteServicePrincipal(request: ServiceRequest, caller: Caller, key: EntityKey): ServiceResponse {
    requireWrite(caller);
    const sp = getServicePrincipal(key);
    requireOwnership(caller, sp);
    directory.deleteServicePrincipal(sp);
    return ok(request, caller, 204);
  }

  // ---- routing ----

  function route(request: ServiceRequest, caller: Caller): ServiceResponse {
    const path = request.rawPath.replace(/\/+$/, '');
    if (!path.startsWith('/v1.0/')) {
      const version = path.split('/')[1] ?? '';
      throw new GraphFailure(400, 'BadRequest', `Invalid version: ${version}`);
    }
    const segments = path.slice('/v1.0/'.length).split('/').map(decodeSegment);
    const head = parseEntitySegment(segments[0] ?? '');
    if (!head) throw segmentNotFound(segments[0] ?? '');
    const method = request.method;
    let key = head.key;
    let rest = segments.slice(1);
    if (!key && rest.length > 0) {
      key = { id: rest[0]! };
      rest = rest.slice(1);
    }
    if (!key) {
      if (rest.length > 0) throw segmentNotFound(rest[0]!);
      if (head.set === 'applications') {
        if (method === 'GET') return listApplications(request, caller);
        if (method === 'POST') return createApplication(request, caller);
      } else {
        if (method === 'GET') return listServicePrincipals(request, caller);
        if (method === 'POST') return createServicePrincipal(request, caller);
      }
      throw methodNotAllowed();
    }
    const action = rest[0]?.replace(/^microsoft\.graph\./i, '').toLowerCase();
    if (head.set === 'applications') {
      if (rest.length === 0) {
        if (method === 'GET') return getApplicationResponse(request, caller, key);
        if (method === 'PATCH') return patchApplication(request, caller, key);
        if (method === 'DELETE') return deleteApplication(request, caller, key);
        throw methodNotAllowed();
      }
      if (rest.length === 1 && action === 'addpassword') {
        if (method !== 'POST') throw methodNotAllowed();
        return addPassword(request, caller, key);
      }
      if (rest.length === 1 && action === 'removepassword') {
        if (method !== 'POST') throw methodNotAllowed();
        return removePassword(request, caller, key);
      }
      if (rest.length === 1 && action === 'owners') {
        if (method !== 'GET') throw methodNotAllowed();
        requireRead(caller);
        return directoryObjectCollection(request, caller, directory.ownersOf(getApplication(key)), undefined);
      }
      throw segmentNotFound(rest[0]!);
    }
    if (rest.length === 0) {
      if (method === 'GET') return getServicePrincipalResponse(request, caller, key);
      if (method === 'DELETE') return deleteServicePrincipal(request, caller, key);
      throw methodNotAllowed();
    }
    if (action === 'ownedobjects' && rest.length <= 2) {
      let cast: 'application' | 'servicePrincipal' | undefined;
      if (rest.length === 2) {
        const castName = rest[1]!.toLowerCase();
        if (castName === 'microsoft.graph.application') cast = 'application';
        else if (castName === 'microsoft.graph.serviceprincipal') cast = 'servicePrincipal';
        else throw segmentNotFound(rest[1]!);
      }
      if (method !== 'GET') throw methodNotAllowed();
      requireRead(caller);
      return directoryObjectCollection(request, caller, directory.ownedBy(getServicePrincipal(key).id), cast);
    }
    if (action === 'owners' && rest.length === 1) {
      if (method !== 'GET') throw methodNotAllowed();
      requireRead(caller);
      return directoryObjectCollection(request, caller, directory.ownersOf(getServicePrincipal(key)), undefined);
    }
    throw segmentNotFound(rest[0]!);
  }

  // ---- control plane ----

  function controlError(message: string, status = 400): ServiceResponse {
    return { status, body: { error: message } };
  }

  const controlRoutes: Record<string, (body: unknown, request: ServiceRequest) => ServiceResponse> = {
    'PUT replication-lag': (body) => {
      const ms = (body as { ms?: unknown }).ms;
      if (typeof ms !== 'number' || !Number.isFinite(ms) || ms < 0 || ms > 600_000)
        return controlError('ms must be 0-600000');
      directory.lagMs = ms;
      return { status: 200, body: { ms } };
    },
    'GET replication-lag': () => ({ status: 200, body: { ms: directory.lagMs } }),
    'PUT policy': (body) => {
      const { passwordMaxLifetime, policyId } = body as { passwordMaxLifetime?: unknown; policyId?: unknown };
      if (passwordMaxLifetime === undefined || passwordMaxLifetime === null) {
        directory.policy = undefined;
        return { status: 200, body: {} };
      }
      if (typeof passwordMaxLifetime !== 'string')
        return controlError('passwordMaxLifetime must be an ISO-8601 duration such as P30D');
      const maxLifetimeMs = parseIsoDuration(passwordMaxLifetime);
      if (maxLifetimeMs === undefined || maxLifetimeMs <= 0)
        return controlError('passwordMaxLifetime must be an ISO-8601 duration such as P30D');
      if (policyId !== undefined && typeof policyId !== 'string') return controlError('policyId must be a string');
      directory.policy = { passwordMaxLifetime, maxLifetimeMs, policyId: policyId ?? DEFAULT_POLICY_ID };
      return { status: 200, body: { passwordMaxLifetime, policyId: directory.policy.policyId } };
    },
    'GET policy': () => ({
      status: 200,
      body: directory.policy
        ? { passwordMaxLifetime: directory.policy.passwordMaxLifetime, policyId: directory.policy.policyId }
        : {},
    }),
    'POST credentials': (body) => {
      const { appId, displayName, startDateTime, endDateTime, hint } = body as Record<string, unknown>;
      if (typeof appId !== 'string') return controlError('appId is required');
      const app = directory.findApplication({ appId });
      if (!app) return controlError(`no application with appId ${appId}`, 404);
      if (typeof startDateTime !== 'string' || typeof endDateTime !== 'string')
        return controlError('startDateTime and endDateTime are required');
      const start = new Date(startDateTime);
      const end = new Date(endDateTime);
      if (Number.isNaN(start.getTime()) || Number.isNaN(end.getTime()))
        return controlError('startDateTime/endDateTime must be dates');
      if (displayName !== undefined && displayName !== null && typeof displayName !== 'string')
        return controlError('displayName must be a string');
      if (hint !== undefined && hint !== null && (typeof hint !== 'string' || hint.length > 3))
        return controlError('hint must be at most 3 characters');
      const keyId = randomUUID();
      app.passwordCredentials.push({
        keyId,
        displayName: displayName ?? null,
        hint: hint ?? null,
        startDateTime: graphDate(start),
        endDateTime: graphDate(end),
      });
      return { status: 201, body: { keyId } };
    },
  };

  return {
    name: 'graph',
    issuedSecretTexts,
    handle(request: ServiceRequest): ServiceResponse {
      let caller: Caller | undefined;
      try {
        caller = authenticate(request);
        return route(request, caller);
      } catch (error) {
        if (error instanceof GraphFailure) return errorResponse(request, error, caller?.principal);
        throw error;
      }
    },
    controlRoutes,
    faultResponse(status: number, retryAfterSeconds: number | undefined, request: ServiceRequest): ServiceResponse {
      let principal: string | undefined;
      try {
        principal = authenticate(request).principal;
      } catch {
        // An injected fault answers anonymous callers too.
      }
      return errorResponse(request, faultFailure(status, retryAfterSeconds), principal);
    },
    reset() {
      directory.reset();
    },
  };
}
