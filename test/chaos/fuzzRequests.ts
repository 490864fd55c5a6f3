import fc from 'fast-check';
import { CREDENTIAL_DISPLAY_NAME_PATTERN } from '../../src/vending/secretNaming';
import { DeclaredLength } from '../support/rawHttp';

/**
 * How a fuzzed request authenticates: a real token of a seeded caller (most runs, so requests reach the handlers),
 * that token damaged, or a header that was never a token. Described, not held, so a case can be printed safely.
 */
export type AuthCase =
  | { kind: 'token'; caller: string }
  | { kind: 'tampered'; caller: string; how: 'signature' | 'truncated' | 'payload' | 'scheme' | 'doubled' }
  | { kind: 'header'; value: string }
  | { kind: 'none' };

/** One generated request, before the token is filled in. */
export interface FuzzCase {
  method: string;
  /** The route template it aims at (`applications/{appId}/secrets`), or `junk`. */
  target: string;
  path: string;
  auth: AuthCase;
  headers: Record<string, string>;
  body?: string | number[];
  declaredLength: DeclaredLength;
  /** Valid in every part (route, ids, body, headers, a caller allowed to do it): the answer must be 2xx. */
  valid: boolean;
}

/** Apps and credentials made before the run, so many paths name things that exist. */
export interface KnownIds {
  appIds: readonly string[];
  keyIds: readonly string[];
}

const BIDI_AND_CONTROLS = ['\u202e', '\u202d', '\u2066', '\u200f', '\u0000', '\u0007', '\u001b', '\u007f', '\u0085'];
const SURROGATES = ['\ud800', '\udfff', '\udbff\udbff', 'a\ud83d', '\ude00b'];

/** Strings that go wrong in names: empty, blank, controls, bidi, lone surrogates, long, markup, odd Unicode. */
const hostileString: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom('', ' ', '   ', '\t\n', '..', '%00', '<script>', "'; drop", 'e\u0301', '\ufeffbom', 'Ａ', '𝔘nicode'),
  fc
    .constantFrom(...BIDI_AND_CONTROLS, ...SURROGATES)
    .chain((bad) =>
      fc.tuple(fc.string({ maxLength: 8 }), fc.string({ maxLength: 8 })).map(([a, b]) => `${a}${bad}${b}`),
    ),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.integer({ min: 60, max: 3000 }).map((n) => 'x'.repeat(n)),
);

/** A credential name the API accepts. */
export const slotName = fc.stringMatching(new RegExp(CREDENTIAL_DISPLAY_NAME_PATTERN));
const name = fc.oneof({ weight: 3, arbitrary: slotName }, { weight: 3, arbitrary: hostileString });

const DAY = 86_400_000;
/** ISO dates near now (valid-ish), far out (years 9999, 275760, before 1970) and broken strings. */
const dateString: fc.Arbitrary<string> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.integer({ min: -400, max: 4000 }).map((days) => new Date(Date.now() + days * DAY).toISOString()),
  },
  { weight: 2, arbitrary: fc.date({ noInvalidDate: true }).map((d) => d.toISOString()) },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      '9999-12-31T23:59:59Z',
      '9999-06-01T00:00:00.000Z',
      '+275760-09-13T00:00:00.000Z',
      '0000-01-01T00:00:00Z',
      '1601-01-01T00:00:00Z',
      '2025-02-30T00:00:00Z',
      '2025-13-01T00:00:00Z',
      '2025-01-01',
      '2025-01-01T24:00:00Z',
      '2025-01-01T00:00:00+14:00',
      '2030-01-01T00:00:00.123456789Z',
      'now',
      '',
    ),
  },
);

const wrongType: fc.Arbitrary<unknown> = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  fc.integer(),
  fc.double(),
  fc.array(fc.string({ maxLength: 5 }), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 5 }), fc.string({ maxLength: 5 }), { maxKeys: 3 }),
);

const lifetimeDays = fc.oneof(
  { weight: 4, arbitrary: fc.integer({ min: 1, max: 180 }) },
  { weight: 1, arbitrary: fc.constantFrom(0, -1, 181, 1e308, 2 ** 53 + 1, 1.5) },
  { weight: 1, arbitrary: wrongType },
);

const guid = fc.uuid();
const secretRequest = fc.record(
  {
    displayName: fc.oneof({ weight: 4, arbitrary: name }, { weight: 1, arbitrary: wrongType }),
    lifetimeDays,
    startDateTime: fc.oneof({ weight: 4, arbitrary: dateString }, { weight: 1, arbitrary: wrongType }),
    endDateTime: fc.oneof({ weight: 4, arbitrary: dateString }, { weight: 1, arbitrary: wrongType }),
  },
  { requiredKeys: [] },
);

const createRequest = fc.record(
  {
    displayName: fc.oneof({ weight: 5, arbitrary: name }, { weight: 1, arbitrary: wrongType }),
    description: fc.oneof(hostileString, wrongType, fc.string({ maxLength: 1100 })),
    createServicePrincipal: fc.oneof(fc.boolean(), wrongType),
    createSecret: fc.oneof(fc.boolean(), wrongType),
    secret: fc.oneof(fc.constant(false), fc.constant(true), secretRequest, wrongType),
    owners: fc.oneof(fc.array(fc.oneof(guid, hostileString), { maxLength: 22 }), wrongType),
    rotate: fc.oneof(fc.boolean(), wrongType),
  },
  { requiredKeys: [] },
);

const certificateRequest = fc.record(
  {
    displayName: name,
    lifetimeDays,
    exportable: fc.oneof(fc.boolean(), wrongType),
    keySize: fc.oneof(fc.constantFrom(2048, 3072, 4096, 1024, 0), wrongType),
    certificate: fc.oneof(
      hostileString,
      fc.base64String({ maxLength: 200 }),
      fc.constant('-----BEGIN CERTIFICATE-----'),
    ),
  },
  { requiredKeys: [] },
);

const ownersRequest = fc.record(
  { owners: fc.oneof(fc.array(fc.oneof(guid, hostileString), { maxLength: 22 }), wrongType) },
  { requiredKeys: [] },
);
const rotationRequest = fc.record(
  { slots: fc.oneof(fc.array(fc.oneof(fc.constant('*'), name), { maxLength: 12 }), wrongType) },
  { requiredKeys: [] },
);
const scanRequest = fc.record({ dryRun: fc.oneof(fc.constant(true), wrongType) }, { requiredKeys: [] });

/** Texts that are not the JSON they claim to be, or JSON that is hostile in shape. */
const hostileText: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    '',
    '{',
    'null',
    '[]',
    '"x"',
    '1e400',
    '{"displayName":"a","displayName":1}',
    '{"__proto__":{"admin":true},"displayName":"p"}',
    '{"constructor":{"prototype":{"admin":true}}}',
    '\ufeff{"displayName":"bom"}',
    '{"displayName":"a"} trailing',
    `${'['.repeat(5000)}${']'.repeat(5000)}`,
    `{"displayName":"${'\\u0000'.repeat(100)}"}`,
    '{"displayName":"\\ud800"}',
  ),
  fc.string({ unit: 'binary', maxLength: 200 }),
  fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v)),
);

/** Bytes that are not UTF-8 at all. */
const invalidUtf8 = fc.constantFrom<number[]>(
  [0xff, 0xfe, 0x7b],
  [0x7b, 0x22, 0xc3, 0x28, 0x22, 0x7d],
  [0xe0, 0xa4],
  [0xed, 0xa0, 0x80],
);

function jsonBody<T>(valid: fc.Arbitrary<T>): fc.Arbitrary<string | number[] | undefined> {
  return fc.oneof(
    { weight: 6, arbitrary: valid.map((v) => JSON.stringify(v)) },
    { weight: 2, arbitrary: hostileText },
    { weight: 1, arbitrary: invalidUtf8 },
    { weight: 1, arbitrary: fc.constant(undefined) },
  );
}

/** A path segment for {appId} or {keyId}: known ids, other GUIDs, and junk escaped well or badly. */
function idSegment(known: readonly string[]): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 6, arbitrary: fc.constantFrom(...known) },
    { weight: 2, arbitrary: guid },
    { weight: 1, arbitrary: fc.constantFrom(...known).map((id) => id.toUpperCase()) },
    {
      weight: 3,
      arbitrary: fc.constantFrom(
        '%zz',
        '%E0%A4',
        '%',
        '%%',
        '%2',
        '%ED%A0%80',
        '%C0%AF',
        '%00',
        '..',
        '.',
        '%2e%2e',
        '%2F',
        '..%2F..%2Fhealth',
        '%252e',
        '%u0041',
        '{appId}',
        "'",
        "x')/owners?$x=",
        '%20',
        '%EF%BB%BF',
      ),
    },
    { weight: 2, arbitrary: hostileString.map(escapeSegment) },
  );
}

/** Percent-escapes a string's UTF-16 units as UTF-8 would, lone surrogates included (as the bytes `ED A0 80` etc.). */
function escapeSegment(text: string): string {
  let out = '';
  for (const ch of text) {
    if (/^[A-Za-z0-9._~-]$/.test(ch)) {
      out += ch;
      continue;
    }
    const code = ch.codePointAt(0)!;
    const bytes =
      code >= 0xd800 && code <= 0xdfff
        ? [0xe0 | (code >> 12), 0x80 | ((code >> 6) & 0x3f), 0x80 | (code & 0x3f)]
        : [...Buffer.from(ch, 'utf8')];
    out += bytes.map((b) => `%${b.toString(16).toUpperCase().padStart(2, '0')}`).join('');
  }
  return out;
}

export const METHODS = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS'];
const methodFor = (usual: string): fc.Arbitrary<string> =>
  fc.oneof(
    { weight: 8, arbitrary: fc.constant(usual) },
    { weight: 2, arbitrary: fc.constantFrom(...METHODS) },
    { weight: 1, arbitrary: fc.constantFrom('PROPFIND', 'MKCOL', 'FOO', 'get', 'M-SEARCH', 'TRACE') },
  );

const queryJunk = fc.oneof(
  { weight: 6, arbitrary: fc.constant('') },
  {
    weight: 3,
    arbitrary: fc.constantFrom(
      '?top=0',
      '?top=1000',
      '?top=abc',
      '?top=1&top=2',
      '?top=1e3',
      '?skipToken=%zz',
      '?skipToken=' + 'a'.repeat(3000),
      '?skipToken=..%2F',
      '?limit=-1',
      '?continuationToken=%E0%A4',
      '?$filter=x',
      '?%zz=1',
    ),
  },
  { weight: 1, arbitrary: hostileString.map((s) => `?top=${escapeSegment(s)}&skipToken=${escapeSegment(s)}`) },
);

/** The API's routes, each with its usual method, what fills its path, and the body it reads. */
function targets(ids: KnownIds): fc.Arbitrary<Pick<FuzzCase, 'method' | 'target' | 'path' | 'body'>> {
  const app = idSegment(ids.appIds);
  const key = idSegment(ids.keyIds);
  const route = (
    usual: string,
    template: string,
    segments: fc.Arbitrary<string[]>,
    body: fc.Arbitrary<string | number[] | undefined> = fc.constant(undefined),
  ) =>
    fc
      .record({ method: methodFor(usual), segments, query: queryJunk, body })
      .map(({ method, segments, query, body }) => {
        let i = 0;
        const path = template.replace(/\{\w+\}/g, () => segments[i++]!);
        return { method, target: template, path: `/api/${path}${query}`, body };
      });
  const one = fc.tuple(app);
  const two = fc.tuple(app, key);
  const none = fc.constant([] as string[]);
  return fc.oneof(
    { weight: 4, arbitrary: route('POST', 'applications', none, jsonBody(createRequest)) },
    { weight: 1, arbitrary: route('GET', 'applications', none) },
    { weight: 6, arbitrary: route('POST', 'applications/{appId}/secrets', one, jsonBody(secretRequest)) },
    { weight: 2, arbitrary: route('GET', 'applications/{appId}/secrets', one) },
    { weight: 2, arbitrary: route('DELETE', 'applications/{appId}/secrets/{keyId}', two) },
    { weight: 1, arbitrary: route('POST', 'applications/{appId}/certificates', one, jsonBody(certificateRequest)) },
    { weight: 1, arbitrary: route('GET', 'applications/{appId}/certificates', one) },
    { weight: 1, arbitrary: route('DELETE', 'applications/{appId}/certificates/{keyId}', two) },
    { weight: 1, arbitrary: route('GET', 'applications/{appId}/owners', one) },
    { weight: 1, arbitrary: route('PUT', 'applications/{appId}/owners', one, jsonBody(ownersRequest)) },
    { weight: 1, arbitrary: route('GET', 'applications/{appId}/rotation', one) },
    { weight: 1, arbitrary: route('PUT', 'applications/{appId}/rotation', one, jsonBody(rotationRequest)) },
    { weight: 1, arbitrary: route('POST', 'scans', none, jsonBody(scanRequest)) },
    { weight: 1, arbitrary: route('GET', 'audit', none) },
    { weight: 1, arbitrary: route('GET', 'health', none) },
    {
      weight: 2,
      arbitrary: fc
        .record({
          method: fc.constantFrom(...METHODS),
          path: fc.constantFrom(
            '/api/applications/%zz',
            '/api/applications/%E0%A4/secrets',
            '/api/%zz',
            '/api/../api/health',
            '/api/applications/./secrets',
            '/api/applications//secrets',
            '/api//applications',
            '/api/applications/x/secrets/y/z',
            '/api',
            '/',
            '/admin/functions/%zz',
            '/api/health/',
            '/API/HEALTH',
            '/api/applications%2Fsecrets',
            '//example.com/api/health',
          ),
          body: fc.option(hostileText, { nil: undefined }),
        })
        .map(({ method, path, body }) => ({ method, target: 'junk', path, body })),
    },
  );
}

const tamperHow = fc.constantFrom('signature', 'truncated', 'payload', 'scheme', 'doubled') satisfies fc.Arbitrary<
  Extract<AuthCase, { kind: 'tampered' }>['how']
>;

/** Real tokens most of the time (the portal, an Admin, a Secret.Create-only app, a user, a caller with no role). */
const authCase: fc.Arbitrary<AuthCase> = fc.oneof(
  {
    weight: 12,
    arbitrary: fc
      .constantFrom('portal', 'portal', 'portal', 'operator', 'logicApp', 'dana', 'noRoles')
      .map((caller) => ({ kind: 'token' as const, caller })),
  },
  {
    weight: 2,
    arbitrary: fc
      .record({ caller: fc.constantFrom('portal', 'operator'), how: tamperHow })
      .map(({ caller, how }) => ({ kind: 'tampered' as const, caller, how })),
  },
  {
    weight: 2,
    arbitrary: fc
      .oneof(
        fc.constantFrom(
          '',
          'Bearer',
          'Bearer ',
          'bearer x.y.z',
          'Basic dXNlcjpwYXNz',
          'Bearer eyJhbGciOiJub25lIn0.eyJyb2xlcyI6WyJBZG1pbiJdfQ.',
          'Bearer ' + 'a'.repeat(9000),
          'Bearer \u00e9\u00ff',
          'Negotiate abc',
        ),
        fc.string({ unit: 'binary-ascii', maxLength: 60 }).map((s) => s.replace(/[^\x20-\x7e]/g, '')),
      )
      .map((value) => ({ kind: 'header' as const, value })),
  },
  { weight: 1, arbitrary: fc.constant({ kind: 'none' as const }) },
);

/** Header values node will send (no control characters); odd but legal on the wire. */
const headerText = fc.string({ unit: 'binary-ascii', maxLength: 80 }).map((s) => s.replace(/[^\t\x20-\x7e]/g, ''));

const extraHeaders: fc.Arbitrary<Record<string, string>> = fc.record(
  {
    'content-type': fc.oneof(
      { weight: 6, arbitrary: fc.constant('application/json') },
      {
        weight: 3,
        arbitrary: fc.constantFrom(
          'application/json; charset=utf-8',
          'application/json; charset=latin1',
          'APPLICATION/JSON',
          'application/merge-patch+json',
          'application/problem+json',
          'text/plain',
          'application/x-www-form-urlencoded',
          'multipart/form-data; boundary=x',
          '',
          'application/json;',
          '*/*',
          'application',
        ),
      },
      { weight: 1, arbitrary: headerText },
    ),
    'idempotency-key': fc.oneof(
      fc.uuid(),
      fc.constantFrom('', ' ', 'a'.repeat(2000), 'k\u00e9y', '"quoted"', '../../etc', '%zz', '0', 'null'),
      headerText,
    ),
    accept: fc.constantFrom('application/xml', '*/*', 'text/html', ''),
    // Never trusted: identity headers a proxy would inject, sent by anyone.
    'x-ms-client-principal': fc.constantFrom('eyJyb2xlcyI6WyJBZG1pbiJdfQ==', 'garbage', ''),
    'x-ms-client-principal-id': fc.uuid(),
    'x-ms-workflow-run-id': headerText,
    'x-forwarded-host': fc.constantFrom('evil.example', '%zz'),
  },
  { requiredKeys: [] },
);

const declaredLength = fc.oneof(
  { weight: 12, arbitrary: fc.constant<DeclaredLength>('exact') },
  { weight: 1, arbitrary: fc.constantFrom<DeclaredLength>('none', 'shorter', 'longer') },
);

/** Requests valid in every part, by the portal on apps it owns: each must succeed. */
function validCases(ids: KnownIds): fc.Arbitrary<FuzzCase> {
  const app = fc.constantFrom(...ids.appIds);
  const validSecret = fc.record(
    { displayName: slotName, lifetimeDays: fc.integer({ min: 1, max: 180 }) },
    { requiredKeys: [] },
  );
  const validCreate = fc.record(
    {
      displayName: fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9 ._-]{0,40}$/),
      createSecret: fc.boolean(),
      createServicePrincipal: fc.boolean(),
      rotate: fc.boolean(),
    },
    { requiredKeys: ['displayName'] },
  );
  const request: fc.Arbitrary<[string, string, unknown]> = fc.oneof(
    {
      weight: 5,
      arbitrary: fc.tuple(
        fc.constant('POST'),
        app.map((a) => `applications/${a}/secrets`),
        validSecret,
      ),
    },
    { weight: 2, arbitrary: fc.tuple(fc.constant('POST'), fc.constant('applications'), validCreate) },
    {
      weight: 1,
      arbitrary: fc.tuple(
        fc.constant('GET'),
        app.map((a) => `applications/${a}/secrets`),
        fc.constant(undefined),
      ),
    },
    {
      weight: 1,
      arbitrary: fc.tuple(
        fc.constant('GET'),
        app.map((a) => `applications/${a}/owners`),
        fc.constant(undefined),
      ),
    },
    { weight: 1, arbitrary: fc.tuple(fc.constant('GET'), fc.constant('applications?top=5'), fc.constant(undefined)) },
  );
  return fc
    .record({ request, idempotencyKey: fc.option(fc.uuid(), { nil: undefined }) })
    .map(({ request: [method, path, body], idempotencyKey }) => ({
      method,
      target: `valid ${method} ${path.replace(/[0-9a-f-]{36}/, '{appId}')}`,
      path: `/api/${path}`,
      auth: { kind: 'token', caller: 'portal' },
      headers: {
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...(idempotencyKey === undefined ? {} : { 'idempotency-key': idempotencyKey }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      declaredLength: 'exact',
      valid: true,
    }));
}

/**
 * Every request the fuzzer sends: 30 % valid in every part (they must succeed, and they keep the stack busy with real
 * work), 30 % valid but for the body's fields, the rest a route (or junk), a method, a body, headers and a way to
 * authenticate, each hostile or not.
 */
export function fuzzCases(ids: KnownIds): fc.Arbitrary<FuzzCase> {
  const hostile = fc
    .record({ target: targets(ids), auth: authCase, headers: extraHeaders, declaredLength })
    .map(({ target, auth, headers, declaredLength }) => ({ ...target, auth, headers, declaredLength, valid: false }));
  return fc.oneof(
    { weight: 3, arbitrary: validCases(ids) },
    { weight: 3, arbitrary: hostileBodies(ids) },
    { weight: 4, arbitrary: hostile },
  );
}

/**
 * Requests right in every part but the body's fields (the portal, JSON, an app it owns): they reach the handlers and
 * the policy behind them, where a name or a date that slips through becomes Graph's or Key Vault's problem.
 */
function hostileBodies(ids: KnownIds): fc.Arbitrary<FuzzCase> {
  const app = fc.constantFrom(...ids.appIds);
  const request: fc.Arbitrary<[string, string, string, unknown]> = fc.oneof(
    {
      weight: 3,
      arbitrary: fc.tuple(fc.constant('POST'), fc.constant('applications'), fc.constant('applications'), createRequest),
    },
    {
      weight: 4,
      arbitrary: fc.tuple(
        fc.constant('POST'),
        fc.constant('applications/{appId}/secrets'),
        app.map((a) => `applications/${a}/secrets`),
        secretRequest,
      ),
    },
    {
      weight: 1,
      arbitrary: fc.tuple(
        fc.constant('PUT'),
        fc.constant('applications/{appId}/rotation'),
        app.map((a) => `applications/${a}/rotation`),
        rotationRequest,
      ),
    },
  );
  return request.map(([method, target, path, body]) => ({
    method,
    target: `body of ${target}`,
    path: `/api/${path}`,
    auth: { kind: 'token', caller: 'portal' },
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
    declaredLength: 'exact',
    valid: false,
  }));
}

/** Damages a real token the way `how` says: a caller holding such a header must get a 401, nothing else. */
export function tamper(token: string, how: Extract<AuthCase, { kind: 'tampered' }>['how']): string {
  const [header, payload, signature] = token.split('.') as [string, string, string];
  switch (how) {
    case 'signature':
      return `Bearer ${header}.${payload}.${signature.slice(0, -4)}${signature.endsWith('AAAA') ? 'BBBB' : 'AAAA'}`;
    case 'truncated':
      return `Bearer ${token.slice(0, Math.floor(token.length / 2))}`;
    case 'payload': {
      const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
      const raised = Buffer.from(JSON.stringify({ ...claims, roles: ['Admin'] })).toString('base64url');
      return `Bearer ${header}.${raised}.${signature}`;
    }
    case 'scheme':
      return `Token ${token}`;
    case 'doubled':
      return `Bearer ${token}, Bearer ${token}`;
  }
}

/** A case as printable text: what was sent, with the token described and never shown. */
export function describeCase(c: FuzzCase): string {
  const auth = c.auth.kind === 'token' || c.auth.kind === 'tampered' ? `${c.auth.kind}:${c.auth.caller}` : c.auth.kind;
  const body =
    c.body === undefined
      ? ''
      : typeof c.body === 'string'
        ? JSON.stringify(c.body.slice(0, 160))
        : `bytes ${JSON.stringify(c.body)}`;
  const headers = JSON.stringify({
    ...c.headers,
    ...(c.auth.kind === 'header' ? { authorization: c.auth.value.slice(0, 60) } : {}),
  });
  return `${c.method} ${c.path.slice(0, 200)} auth=${auth} length=${c.declaredLength} headers=${headers.slice(0, 300)} body=${body}`;
}
