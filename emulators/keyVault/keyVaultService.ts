import { randomUUID } from 'node:crypto';
import { TokenIssuer } from '../entra/tokenIssuer';
import { EmulatedService, ServiceRequest, ServiceResponse } from '../host/serviceHost';
import { authenticate, authorize, Caller, challengeHeader, SecretAction } from './keyVaultAccess';
import {
  badParameter,
  bodyInvalid,
  deletedButRecoverable,
  deletedSecretNotFound,
  faultBody,
  invalidName,
  keyVaultError,
  methodNotAllowed,
  missingApiVersion,
  notFoundRoute,
  secretDisabled,
  secretNotFound,
  tagsInvalid,
  unknownApiVersion,
} from './keyVaultErrors';
import {
  latest,
  RECOVERABLE_DAYS,
  RECOVERY_LEVEL,
  SecretStore,
  SecretVersion,
  StoredSecret,
  VersionUpdate,
} from './secretStore';

/** api-versions the secrets data plane accepts (the SDK sends `2025-07-01` by default, `7.x` on request). */
export const SUPPORTED_API_VERSIONS = [
  '2015-06-01',
  '2016-10-01',
  '7.0',
  '7.1',
  '7.2',
  '7.3',
  '7.4',
  '7.5',
  '7.6',
  '2025-06-01',
  '2025-07-01',
] as const;
export const LATEST_API_VERSION = '2025-07-01';

/** Limits of the real service (about-secrets, about-keys-secrets-certificates). */
export const LIMITS = {
  namePattern: /^[0-9a-zA-Z-]{1,127}$/,
  valueBytes: 25 * 1024,
  contentTypeChars: 255,
  tags: 15,
  tagNameChars: 512,
  tagValueChars: 512,
  pageSize: 25,
} as const;

/** Metadata of one secret as `GET /_emulator/secrets` shows it: never a value. */
export interface SecretMetadata {
  name: string;
  versions: {
    version: string;
    enabled: boolean;
    contentType: string | null;
    tags: Record<string, string> | null;
    nbf: number | null;
    exp: number | null;
  }[];
  deleted: boolean;
}

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Parses a JSON object body; an empty body reads as `{}` (the value check then refuses it). */
function parseBody(request: ServiceRequest): { ok: true; body: Json } | { ok: false } {
  if (request.body.length === 0) return { ok: true, body: {} };
  try {
    const parsed: unknown = JSON.parse(request.body.toString('utf8'));
    return isObject(parsed) ? { ok: true, body: parsed } : { ok: false };
  } catch {
    return { ok: false };
  }
}

interface ParsedProperties {
  contentType?: string | undefined;
  tags?: Record<string, string> | undefined;
  update: VersionUpdate;
}

/** Validates `contentType`, `tags` and `attributes` shared by set and update. */
function parseProperties(body: Json): { ok: true; value: ParsedProperties } | { ok: false; response: ServiceResponse } {
  const { contentType, tags, attributes } = body;
  const update: VersionUpdate = {};
  if (contentType !== undefined && contentType !== null) {
    if (typeof contentType !== 'string' || contentType.length > LIMITS.contentTypeChars)
      return { ok: false, response: bodyInvalid() };
    update.contentType = contentType;
  }
  if (tags !== undefined && tags !== null) {
    if (!isObject(tags)) return { ok: false, response: tagsInvalid() };
    const entries = Object.entries(tags);
    if (entries.length > LIMITS.tags) return { ok: false, response: tagsInvalid() };
    for (const [name, value] of entries) {
      if (typeof value !== 'string' || name.length > LIMITS.tagNameChars || value.length > LIMITS.tagValueChars) {
        return { ok: false, response: tagsInvalid() };
      }
    }
    update.tags = tags as Record<string, string>;
  }
  if (attributes !== undefined && attributes !== null) {
    if (!isObject(attributes)) return { ok: false, response: bodyInvalid() };
    const { enabled, nbf, exp } = attributes;
    if (enabled !== undefined && enabled !== null) {
      if (typeof enabled !== 'boolean') return { ok: false, response: bodyInvalid() };
      update.enabled = enabled;
    }
    for (const [key, value] of [
      ['nbf', nbf],
      ['exp', exp],
    ] as const) {
      if (value === undefined) continue;
      if (value !== null && (typeof value !== 'number' || !Number.isFinite(value)))
        return { ok: false, response: bodyInvalid() };
      update[key] = value === null ? null : Math.floor(value);
    }
  }
  return { ok: true, value: { contentType: update.contentType, tags: update.tags, update } };
}

function decodeSegments(rawPath: string): string[] | undefined {
  try {
    return rawPath
      .replace(/^\/+/, '')
      .split('/')
      .map((s) => decodeURIComponent(s));
  } catch {
    return undefined;
  }
}

/** The Key Vault secrets data plane over an in-memory {@link SecretStore}. */
export class KeyVaultSecretsService implements EmulatedService {
  readonly name = 'keyVault';
  readonly store = new SecretStore();
  readonly controlRoutes: EmulatedService['controlRoutes'];

  constructor(private readonly issuer: TokenIssuer) {
    this.controlRoutes = {
      'GET secrets': () => ({ status: 200, body: this.metadata() }),
    };
  }

  reset(): void {
    this.store.clear();
  }

  /** Every secret's metadata, for tests of the API: no values, ever. */
  metadata(): SecretMetadata[] {
    return this.store.all().map((secret) => ({
      name: secret.name,
      versions: secret.versions.map((v) => ({
        version: v.version,
        enabled: v.enabled,
        contentType: v.contentType ?? null,
        tags: v.tags ?? null,
        nbf: v.nbf ?? null,
        exp: v.exp ?? null,
      })),
      deleted: secret.deleted !== undefined,
    }));
  }

  faultResponse(status: number, retryAfterSeconds: number | undefined): ServiceResponse {
    const headers: Record<string, string> = { 'x-ms-request-id': randomUUID() };
    if (retryAfterSeconds !== undefined) headers['retry-after'] = String(Math.ceil(retryAfterSeconds));
    if (status === 401) headers['www-authenticate'] = challengeHeader(this.issuer);
    return { status, headers, body: faultBody(status) };
  }

  handle(request: ServiceRequest): ServiceResponse {
    const response = this.route(request);
    return { ...response, headers: { 'x-ms-request-id': randomUUID(), ...response.headers } };
  }

  private route(request: ServiceRequest): ServiceResponse {
    const segments = decodeSegments(request.rawPath);
    if (!segments) return notFoundRoute();
    const [collection, name, third, ...rest] = segments;
    if (rest.length > 0 || (collection !== 'secrets' && collection !== 'deletedsecrets')) return notFoundRoute();

    const apiVersion = request.query.get('api-version');
    if (apiVersion === null || apiVersion === '') return missingApiVersion();
    if (!(SUPPORTED_API_VERSIONS as readonly string[]).includes(apiVersion))
      return unknownApiVersion(apiVersion, LATEST_API_VERSION);

    const auth = authenticate(this.issuer, request.headers.authorization);
    if (!auth.ok) return auth.response;
    const caller = auth.caller;
    const answer = this.dispatch(request, caller, collection, name ?? '', third, apiVersion);
    return { ...answer, principal: caller.principal };
  }

  private dispatch(
    request: ServiceRequest,
    caller: Caller,
    collection: 'secrets' | 'deletedsecrets',
    name: string,
    third: string | undefined,
    apiVersion: string,
  ): ServiceResponse {
    const method = request.method;
    // Collection listings: `/secrets`, `/secrets/`, `/deletedsecrets`.
    if (name === '' && third === undefined) {
      if (method !== 'GET') return methodNotAllowed(method);
      const denied = authorize(caller, SecretAction.readMetadata, undefined);
      if (denied) return denied;
      return collection === 'secrets' ? this.listSecrets(request, apiVersion) : this.listDeleted(request, apiVersion);
    }
    if (!LIMITS.namePattern.test(name)) return invalidName(name);

    if (collection === 'deletedsecrets') {
      if (third === undefined) {
        if (method === 'GET')
          return this.guard(caller, SecretAction.readMetadata, name) ?? this.getDeleted(request, name);
        if (method === 'DELETE') return this.guard(caller, SecretAction.purge, name) ?? this.purge(name);
        return methodNotAllowed(method);
      }
      if (third === 'recover') {
        if (method !== 'POST') return methodNotAllowed(method);
        return this.guard(caller, SecretAction.recover, name) ?? this.recover(request, name);
      }
      return notFoundRoute();
    }

    if (third === undefined) {
      switch (method) {
        case 'PUT':
          return this.guard(caller, SecretAction.setSecret, name) ?? this.setSecret(request, name);
        case 'GET':
          return this.guard(caller, SecretAction.getSecret, name) ?? this.getSecret(request, name, '');
        case 'PATCH':
          return this.guard(caller, SecretAction.update, name) ?? this.updateSecret(request, name, '');
        case 'DELETE':
          return this.guard(caller, SecretAction.delete, name) ?? this.deleteSecret(request, name);
        default:
          return methodNotAllowed(method);
      }
    }
    if (third === 'versions' && method === 'GET') {
      return this.guard(caller, SecretAction.readMetadata, name) ?? this.listVersions(request, name, apiVersion);
    }
    if (third === 'backup' || third === 'restore') {
      return keyVaultError(
        501,
        'NotImplemented',
        'The Key Vault emulator does not implement secret backup and restore.',
      );
    }
    if (method === 'GET')
      return this.guard(caller, SecretAction.getSecret, name) ?? this.getSecret(request, name, third);
    if (method === 'PATCH')
      return this.guard(caller, SecretAction.update, name) ?? this.updateSecret(request, name, third);
    return methodNotAllowed(method);
  }

  private guard(caller: Caller, action: Parameters<typeof authorize>[1], name: string): ServiceResponse | undefined {
    return authorize(caller, action, name);
  }

  // ---- representations -------------------------------------------------------------------------------------------

  private attributes(v: SecretVersion): Json {
    return {
      enabled: v.enabled,
      ...(v.nbf !== undefined ? { nbf: v.nbf } : {}),
      ...(v.exp !== undefined ? { exp: v.exp } : {}),
      created: v.created,
      updated: v.updated,
      recoverableDays: RECOVERABLE_DAYS,
      recoveryLevel: RECOVERY_LEVEL,
    };
  }

  /** SecretBundle; `withValue` only for set and get. */
  private bundle(origin: string, secret: StoredSecret, v: SecretVersion, withValue: boolean): Json {
    return {
      ...(withValue ? { value: v.value } : {}),
      ...(v.contentType !== undefined ? { contentType: v.contentType } : {}),
      id: `${origin}/secrets/${secret.name}/${v.version}`,
      attributes: this.attributes(v),
      ...(v.tags !== undefined ? { tags: v.tags } : {}),
    };
  }

  /** SecretItem: `versioned` ids in the versions list, versionless in the secrets list. */
  private item(origin: string, secret: StoredSecret, v: SecretVersion, versioned: boolean): Json {
    return {
      id: versioned ? `${origin}/secrets/${secret.name}/${v.version}` : `${origin}/secrets/${secret.name}`,
      attributes: this.attributes(v),
      ...(v.tags !== undefined ? { tags: v.tags } : {}),
      ...(v.contentType !== undefined ? { contentType: v.contentType } : {}),
    };
  }

  private deletedInfo(origin: string, secret: StoredSecret): Json {
    return {
      recoveryId: `${origin}/deletedsecrets/${secret.name}`,
      deletedDate: secret.deleted?.deletedDate,
      scheduledPurgeDate: secret.deleted?.scheduledPurgeDate,
    };
  }

  // ---- operations ------------------------------------------------------------------------------------------------

  private setSecret(request: ServiceRequest, name: string): ServiceResponse {
    const parsed = parseBody(request);
    if (!parsed.ok) return bodyInvalid();
    const { value } = parsed.body;
    if (typeof value !== 'string' || Buffer.byteLength(value, 'utf8') > LIMITS.valueBytes) return bodyInvalid();
    const props = parseProperties(parsed.body);
    if (!props.ok) return props.response;
    const { update } = props.value;
    const result = this.store.set(name, {
      value,
      contentType: update.contentType,
      tags: update.tags,
      enabled: update.enabled,
      nbf: update.nbf ?? undefined,
      exp: update.exp ?? undefined,
    });
    if (!result.ok) {
      const existing = this.store.deleted(name);
      return deletedButRecoverable(existing?.name ?? name);
    }
    return { status: 200, body: this.bundle(request.origin, result.value.secret, result.value.version, true) };
  }

  private getSecret(request: ServiceRequest, name: string, version: string): ServiceResponse {
    const found = this.store.live(name);
    if (!found.ok) return secretNotFound(version ? `${name}/${version}` : name);
    const v = this.store.version(found.value, version);
    if (!v) return secretNotFound(`${name}/${version}`);
    if (!v.enabled) return secretDisabled();
    return { status: 200, body: this.bundle(request.origin, found.value, v, true) };
  }

  private updateSecret(request: ServiceRequest, name: string, version: string): ServiceResponse {
    const parsed = parseBody(request);
    if (!parsed.ok) return bodyInvalid();
    const props = parseProperties(parsed.body);
    if (!props.ok) return props.response;
    const found = this.store.live(name);
    if (!found.ok) return secretNotFound(version ? `${name}/${version}` : name);
    const v = this.store.version(found.value, version);
    if (!v) return secretNotFound(`${name}/${version}`);
    this.store.update(v, props.value.update);
    return { status: 200, body: this.bundle(request.origin, found.value, v, false) };
  }

  private deleteSecret(request: ServiceRequest, name: string): ServiceResponse {
    const result = this.store.softDelete(name);
    if (!result.ok) return secretNotFound(name);
    const secret = result.value;
    return {
      status: 200,
      body: {
        ...this.deletedInfo(request.origin, secret),
        ...this.bundle(request.origin, secret, latest(secret), false),
      },
    };
  }

  private getDeleted(request: ServiceRequest, name: string): ServiceResponse {
    const secret = this.store.deleted(name);
    if (!secret) return deletedSecretNotFound(name);
    return {
      status: 200,
      body: {
        ...this.deletedInfo(request.origin, secret),
        ...this.bundle(request.origin, secret, latest(secret), false),
      },
    };
  }

  private recover(request: ServiceRequest, name: string): ServiceResponse {
    const result = this.store.recover(name);
    if (!result.ok) return deletedSecretNotFound(name);
    return { status: 200, body: this.bundle(request.origin, result.value, latest(result.value), false) };
  }

  private purge(name: string): ServiceResponse {
    if (!this.store.purge(name)) return deletedSecretNotFound(name);
    return { status: 204 };
  }

  private listSecrets(request: ServiceRequest, apiVersion: string): ServiceResponse {
    const items = this.store.listLive().map((s) => this.item(request.origin, s, latest(s), false));
    return this.page(request, '/secrets', apiVersion, items);
  }

  private listDeleted(request: ServiceRequest, apiVersion: string): ServiceResponse {
    const items = this.store
      .listDeleted()
      .map((s) => ({ ...this.deletedInfo(request.origin, s), ...this.item(request.origin, s, latest(s), false) }));
    return this.page(request, '/deletedsecrets', apiVersion, items);
  }

  private listVersions(request: ServiceRequest, name: string, apiVersion: string): ServiceResponse {
    const found = this.store.live(name);
    // The service answers an empty list for an unknown name rather than 404.
    const items = found.ok ? found.value.versions.map((v) => this.item(request.origin, found.value, v, true)) : [];
    return this.page(request, `/secrets/${found.ok ? found.value.name : name}/versions`, apiVersion, items);
  }

  /** One page of `items` per `maxresults` (1-25, default 25) and `$skiptoken`, with an absolute `nextLink`. */
  private page(request: ServiceRequest, path: string, apiVersion: string, items: Json[]): ServiceResponse {
    const rawMax = request.query.get('maxresults');
    let pageSize: number = LIMITS.pageSize;
    if (rawMax !== null && rawMax !== '') {
      const n = Number(rawMax);
      if (!Number.isInteger(n) || n < 1 || n > LIMITS.pageSize) {
        // Wording unverified; the limit (1-25) and the code are the service's.
        return badParameter(
          `Invalid value for maxresults: ${rawMax}. The value must be between 1 and ${LIMITS.pageSize}.`,
        );
      }
      pageSize = n;
    }
    let offset = 0;
    const token = request.query.get('$skiptoken');
    if (token) {
      try {
        const decoded = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { NextMarker?: unknown };
        if (typeof decoded.NextMarker !== 'number' || !Number.isInteger(decoded.NextMarker) || decoded.NextMarker < 0)
          throw new Error();
        offset = decoded.NextMarker;
      } catch {
        return badParameter('The provided $skiptoken is invalid.');
      }
    }
    const value = items.slice(offset, offset + pageSize);
    const next = offset + pageSize;
    let nextLink: string | null = null;
    if (next < items.length) {
      const skiptoken = Buffer.from(JSON.stringify({ NextMarker: next })).toString('base64url');
      nextLink = `${request.origin}${path}?api-version=${encodeURIComponent(apiVersion)}&$skiptoken=${skiptoken}&maxresults=${pageSize}`;
    }
    return { status: 200, body: { value, nextLink } };
  }
}

/** The Key Vault emulator for the host (the name `emulators/index.ts` imports). */
export function createKeyVaultService(issuer: TokenIssuer): KeyVaultSecretsService {
  return new KeyVaultSecretsService(issuer);
}
