import { Call } from '../host/routedService';
import { ServiceResponse } from '../host/serviceHost';
import { applicationAt } from './addressing';
import { GraphCaller, requireChangeRight } from './graphAccess';
import { badRequest, invalidPropertyValue, readOnlyProperty } from './graphErrors';
import { applicationDefaults, GraphStore } from './graphStore';
import { readKeyCredentials } from './keyCredentials';
import { collectionBody, contextUrl, entityBody, readJsonBody } from './odata';
import { newPasswordCredential } from './passwords';
import { APPLICATIONS, applicationJson, passwordCredentialJson } from './representations';

type GraphCall = Call<GraphStore, GraphCaller>;

/** Properties Graph computes; a request body that sets them is refused. */
const READ_ONLY_PROPERTIES = new Set([
  'id',
  'appId',
  'createdDateTime',
  'deletedDateTime',
  'publisherDomain',
  'applicationTemplateId',
  'disabledByMicrosoftStatus',
  'certification',
  'verifiedPublisher',
  'defaultRedirectUri',
]);
/** Properties whose default is null but which hold booleans. */
const BOOLEAN_PROPERTIES = new Set(['isDeviceOnlyAuthSupported', 'isFallbackPublicClient']);
/** Properties whose default is null but which hold objects. */
const OBJECT_PROPERTIES = new Set(['optionalClaims']);

function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

/** Validates the writable application properties of a create or PATCH body (not displayName); returns them. */
function writableProperties(body: Record<string, unknown>): Record<string, unknown> {
  const defaults = applicationDefaults();
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(body)) {
    if (['displayName', 'passwordCredentials', 'keyCredentials'].includes(name) || name.startsWith('@odata.')) continue;
    if (READ_ONLY_PROPERTIES.has(name)) throw readOnlyProperty(name);
    if (!(name in defaults)) {
      throw badRequest(
        `The property '${name}' does not exist on type 'microsoft.graph.application'. Make sure to only use property names that are defined by the type or mark the type as open type.`,
        'BadRequest',
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

function readDisplayName(value: unknown): string {
  if (typeof value !== 'string' || value.trim() === '' || value.length > 256) {
    throw invalidPropertyValue('displayName', 'Application');
  }
  return value;
}

/** `GET /applications`: every visible application, to any reader (OwnedBy included). */
export function list({ request, state }: GraphCall): ServiceResponse {
  const body = collectionBody(request, APPLICATIONS, state.listApplications(), (a) =>
    applicationJson(a, state.tenantDomain),
  );
  return { status: 200, body };
}

/** `POST /applications`: the caller becomes the owner; inline `passwordCredentials` get secrets shown only here. */
export function create({ request, caller, state }: GraphCall): ServiceResponse {
  const body = readJsonBody(request);
  const displayName = readDisplayName(body.displayName);
  const props = { ...applicationDefaults(), ...writableProperties(body) };
  const inline = body.passwordCredentials ?? [];
  if (!Array.isArray(inline)) throw invalidPropertyValue('passwordCredentials', 'Application');
  const now = new Date(state.now());
  const passwords = inline.map((entry: unknown) => {
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry))
      throw invalidPropertyValue('passwordCredentials', 'Application');
    return newPasswordCredential(entry as Record<string, unknown>, state.policy, now);
  });
  const keys = body.keyCredentials === undefined ? [] : readKeyCredentials(body.keyCredentials, [], now);
  const app = state.addApplication({ displayName, props, owners: new Set([caller.objectId]) });
  app.passwordCredentials.push(...passwords.map((p) => p.record));
  app.keyCredentials.push(...keys);
  state.issuedSecretTexts.push(...passwords.map((p) => p.secretText));
  return {
    status: 201,
    body: {
      '@odata.context': contextUrl(request.origin, APPLICATIONS.name, undefined, true),
      ...applicationJson(app, state.tenantDomain),
      passwordCredentials: passwords.map((p) => passwordCredentialJson(p.record, p.secretText)),
    },
  };
}

/**
 * `GET /applications/{id}` or `(appId='…')`, with `$select`. Key credentials carry their `key` only when `$select`
 * names `keyCredentials`, as Graph does for a single object.
 */
export function get({ request, params, state }: GraphCall): ServiceResponse {
  const app = applicationAt(state, params);
  const withKeys = /(^|,)\s*keyCredentials\s*(,|$)/i.test(request.query.get('$select') ?? '');
  return { status: 200, body: entityBody(request, APPLICATIONS, applicationJson(app, state.tenantDomain, withKeys)) };
}

/**
 * `PATCH`: writable properties; `keyCredentials` replaces the whole collection (the existing credentials the caller
 * wants to keep must be sent back); passwords change through addPassword/removePassword.
 */
export function update({ request, params, caller, state }: GraphCall): ServiceResponse {
  const app = applicationAt(state, params);
  requireChangeRight(caller, app);
  const body = readJsonBody(request);
  if ('passwordCredentials' in body) {
    throw readOnlyProperty('passwordCredentials', ' Use the addPassword and removePassword actions.');
  }
  const displayName = 'displayName' in body ? readDisplayName(body.displayName) : undefined;
  const keys =
    'keyCredentials' in body
      ? readKeyCredentials(body.keyCredentials, app.keyCredentials, new Date(state.now()))
      : undefined;
  state.updateApplication(app, displayName, writableProperties(body));
  if (keys) app.keyCredentials = keys;
  return { status: 204 };
}

/** `DELETE`: the application and its service principal (no deleted-items). */
export function remove({ params, caller, state }: GraphCall): ServiceResponse {
  const app = applicationAt(state, params);
  requireChangeRight(caller, app);
  state.deleteApplication(app);
  return { status: 204 };
}
