import { ServiceRequest, ServiceResponse } from '../host/serviceHost';
import { badParameter } from './keyVaultErrors';

/** Key Vault's page size: `maxresults` 1-25, default 25. */
export const MAX_PAGE_SIZE = 25;

function pageSize(request: ServiceRequest): number {
  const raw = request.query.get('maxresults');
  if (raw === null || raw === '') return MAX_PAGE_SIZE;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > MAX_PAGE_SIZE) {
    // Wording unverified; the limit (1-25) and the code are the service's.
    throw badParameter(`Invalid value for maxresults: ${raw}. The value must be between 1 and ${MAX_PAGE_SIZE}.`);
  }
  return n;
}

function offset(request: ServiceRequest): number {
  const token = request.query.get('$skiptoken');
  if (!token) return 0;
  try {
    const decoded = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { NextMarker?: unknown };
    const marker = decoded.NextMarker;
    if (typeof marker === 'number' && Number.isInteger(marker) && marker >= 0) return marker;
  } catch {
    // Not base64url JSON: refused below.
  }
  throw badParameter('The provided $skiptoken is invalid.');
}

/**
 * One page of `items` per `maxresults` and `$skiptoken`, with an absolute `nextLink` (null on the last page) that
 * keeps the api-version. `path` is the listing's path as the nextLink names it. Only the page's items are rendered
 * (`toJson`), so a large vault pages in time proportional to the page.
 */
export function vaultPage<T>(
  request: ServiceRequest,
  path: string,
  items: readonly T[],
  toJson: (item: T) => unknown = (item) => item,
): ServiceResponse {
  const size = pageSize(request);
  const start = offset(request);
  const next = start + size;
  let nextLink: string | null = null;
  if (next < items.length) {
    const skiptoken = Buffer.from(JSON.stringify({ NextMarker: next })).toString('base64url');
    const apiVersion = encodeURIComponent(request.query.get('api-version') ?? '');
    nextLink = `${request.origin}${path}?api-version=${apiVersion}&$skiptoken=${skiptoken}&maxresults=${size}`;
  }
  return { status: 200, body: { value: items.slice(start, next).map(toJson), nextLink } };
}
