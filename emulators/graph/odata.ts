import { readJsonObject } from '../host/jsonBody';
import { ServiceRequest } from '../host/serviceHost';
import { badRequest } from './graphErrors';
import { EntitySet } from './representations';

/** Graph's page sizes for directory collections. */
export const DEFAULT_PAGE_SIZE = 100;
export const MAX_PAGE_SIZE = 999;

/** Parses `$select` into canonical property names; an unknown name fails as Graph does. */
export function parseSelect(query: URLSearchParams, known: readonly string[], typeName: string): string[] | undefined {
  const raw = query.get('$select');
  if (raw === null || raw.trim() === '') return undefined;
  const byLower = new Map(known.map((k) => [k.toLowerCase(), k]));
  const selected: string[] = [];
  for (const part of raw.split(',')) {
    const name = part.trim();
    if (name === '') continue;
    const canonical = byLower.get(name.toLowerCase());
    if (!canonical) throw badRequest(`Could not find a property named '${name}' on type '${typeName}'.`, 'BadRequest');
    if (!selected.includes(canonical)) selected.push(canonical);
  }
  return selected.length > 0 ? selected : undefined;
}

/** Keeps only the selected properties (and `@odata.type`, which collections of directory objects always carry). */
export function applySelect(resource: Record<string, unknown>, select: string[] | undefined): Record<string, unknown> {
  if (!select) return resource;
  const out: Record<string, unknown> = {};
  if ('@odata.type' in resource) out['@odata.type'] = resource['@odata.type'];
  for (const name of select) if (name in resource) out[name] = resource[name];
  return out;
}

/** `…/$metadata#applications(id,appId)` — the context URL, with the selection when there is one. */
export function contextUrl(origin: string, entitySet: string, select: string[] | undefined, entity: boolean): string {
  const selection = select ? `(${select.join(',')})` : '';
  return `${origin}/v1.0/$metadata#${entitySet}${selection}${entity ? '/$entity' : ''}`;
}

/** One clause of a supported `$filter`. */
export interface FilterClause {
  property: string;
  /** `any`: a string collection holds an element equal to the value (`tags/any(t:t eq 'x')`). */
  operator: 'eq' | 'startswith' | 'any';
  value: string;
}

function splitOnAnd(filter: string): string[] {
  const parts: string[] = [];
  let current = '';
  let inQuote = false;
  for (let i = 0; i < filter.length; i += 1) {
    const ch = filter[i]!;
    if (ch === "'") {
      if (inQuote && filter[i + 1] === "'") {
        current += "''";
        i += 1;
        continue;
      }
      inQuote = !inQuote;
    }
    if (!inQuote && /^\s+and\s+/i.test(filter.slice(i))) {
      const m = /^\s+and\s+/i.exec(filter.slice(i))!;
      parts.push(current);
      current = '';
      i += m[0].length - 1;
      continue;
    }
    current += ch;
  }
  if (inQuote) throw badRequest(`Invalid filter clause: unterminated string literal in '${filter}'.`, 'BadRequest');
  parts.push(current);
  return parts;
}

/**
 * Parses the small `$filter` subset the emulator understands: `prop eq 'x'`, `startswith(prop,'x')` and, on a string
 * collection, `prop/any(t:t eq 'x')`, joined by `and`. Properties outside `filterable` fail with Graph's
 * Request_UnsupportedQuery.
 */
export function parseFilter(
  query: URLSearchParams,
  filterable: readonly string[],
  resourceName: string,
): FilterClause[] {
  const raw = query.get('$filter');
  if (raw === null || raw.trim() === '') return [];
  const byLower = new Map(filterable.map((k) => [k.toLowerCase(), k]));
  return splitOnAnd(raw.trim()).map((clause) => {
    const eq = /^\s*([A-Za-z]+)\s+eq\s+'((?:[^']|'')*)'\s*$/i.exec(clause);
    const sw = /^\s*startswith\(\s*([A-Za-z]+)\s*,\s*'((?:[^']|'')*)'\s*\)\s*$/i.exec(clause);
    const any = /^\s*([A-Za-z]+)\/any\(\s*(\w+)\s*:\s*\2\s+eq\s+'((?:[^']|'')*)'\s*\)\s*$/i.exec(clause);
    const match = eq ?? sw ?? (any ? [any[0], any[1], any[3]] : null);
    if (!match) {
      throw badRequest(`Invalid filter clause: syntax error in '${clause.trim()}'.`, 'BadRequest');
    }
    const property = byLower.get(match[1]!.toLowerCase());
    if (!property) {
      throw badRequest(
        `Unsupported or invalid query filter clause specified for property '${match[1]}' of resource '${resourceName}'.`,
        'Request_UnsupportedQuery',
      );
    }
    return { property, operator: eq ? 'eq' : sw ? 'startswith' : 'any', value: match[2]!.replace(/''/g, "'") };
  });
}

/** Directory string comparisons are case-insensitive. */
export function matchesFilter(resource: Record<string, unknown>, clauses: FilterClause[]): boolean {
  return clauses.every((c) => {
    const actual = resource[c.property];
    if (c.operator === 'any') {
      return (
        Array.isArray(actual) && actual.some((e) => typeof e === 'string' && e.toLowerCase() === c.value.toLowerCase())
      );
    }
    if (typeof actual !== 'string') return false;
    const a = actual.toLowerCase();
    const v = c.value.toLowerCase();
    return c.operator === 'eq' ? a === v : a.startsWith(v);
  });
}

/** Reads `$top`: 1–999, default 100. */
export function parseTop(query: URLSearchParams): number {
  const raw = query.get('$top');
  if (raw === null) return DEFAULT_PAGE_SIZE;
  const top = Number(raw);
  if (!/^\d+$/.test(raw.trim()) || top < 1 || top > MAX_PAGE_SIZE) {
    throw badRequest(`Invalid page size specified: '${raw}'. Must be between 1 and ${MAX_PAGE_SIZE} inclusive.`);
  }
  return top;
}

const SKIPTOKEN_PREFIX = 'RFNwdAIAAQAAA';

function encodeSkiptoken(afterSeq: number): string {
  return SKIPTOKEN_PREFIX + Buffer.from(JSON.stringify({ a: afterSeq })).toString('base64url');
}

function decodeSkiptoken(token: string): number {
  try {
    if (!token.startsWith(SKIPTOKEN_PREFIX)) throw new Error('foreign');
    const parsed = JSON.parse(Buffer.from(token.slice(SKIPTOKEN_PREFIX.length), 'base64url').toString('utf8')) as {
      a?: unknown;
    };
    if (typeof parsed.a !== 'number') throw new Error('shape');
    return parsed.a;
  } catch {
    throw badRequest(
      'The specified page token value has expired and can no longer be included in your request.',
      'Directory_ExpiredPageToken',
    );
  }
}

/**
 * Pages items ordered by creation sequence. The token remembers the last sequence served, so deletes between pages
 * neither skip nor repeat items. `@odata.nextLink` is absolute (https origin) and keeps `$select`/`$filter`/`$top`.
 */
export function paginate<T extends { seq: number }>(
  items: T[],
  request: { query: URLSearchParams; origin: string; rawPath: string },
): { page: T[]; nextLink?: string } {
  const top = parseTop(request.query);
  const token = request.query.get('$skiptoken');
  const after = token === null ? 0 : decodeSkiptoken(token);
  const remaining = items.filter((i) => i.seq > after);
  const page = remaining.slice(0, top);
  if (remaining.length <= top) return { page };
  const params: string[] = [];
  for (const name of ['$select', '$filter', '$top']) {
    const value = request.query.get(name);
    if (value !== null) params.push(`${name}=${encodeURIComponent(value)}`);
  }
  params.push(`$skiptoken=${encodeSkiptoken(page[page.length - 1]!.seq)}`);
  return { page, nextLink: `${request.origin}${request.rawPath}?${params.join('&')}` };
}

/** The JSON object body of a request; an empty body reads as `{}`. */
export function readJsonBody(request: ServiceRequest): Record<string, unknown> {
  const body = readJsonObject(request.body);
  if (!body) {
    throw badRequest(
      'Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format.',
      'BadRequest',
    );
  }
  return body;
}

/** One entity: `@odata.context` (`…#applications(id,appId)/$entity`) and the properties `$select` keeps. */
export function entityBody(
  request: ServiceRequest,
  set: EntitySet,
  json: Record<string, unknown>,
): Record<string, unknown> {
  const select = parseSelect(request.query, set.properties, set.typeName);
  return { '@odata.context': contextUrl(request.origin, set.name, select, true), ...applySelect(json, select) };
}

/**
 * One page of a collection, in creation order: `$select`, `$filter` (when the set declares filterable properties),
 * `$top` and `$skiptoken`, with `@odata.nextLink` while more remain.
 */
export function collectionBody<T extends { seq: number }>(
  request: ServiceRequest,
  set: EntitySet,
  items: T[],
  toJson: (item: T) => Record<string, unknown>,
): Record<string, unknown> {
  const select = parseSelect(request.query, set.properties, set.typeName);
  const filter = set.filter ? parseFilter(request.query, set.filter.properties, set.filter.resourceName) : [];
  const matching = filter.length === 0 ? items : items.filter((item) => matchesFilter(toJson(item), filter));
  const { page, nextLink } = paginate(matching, request);
  return {
    '@odata.context': contextUrl(request.origin, set.name, select, false),
    value: page.map((item) => applySelect(toJson(item), select)),
    ...(nextLink ? { '@odata.nextLink': nextLink } : {}),
  };
}
