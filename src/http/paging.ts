import { HttpRequest } from '@azure/functions';
import { InvalidRequestError } from '../vending/errors';
import { skipTokenPattern } from './schemas';

/** Page size when none is asked for, and the largest one (Graph's own limit). */
export const DEFAULT_PAGE_SIZE = 100;
export const MAX_PAGE_SIZE = 999;

const skipToken = new RegExp(skipTokenPattern);

/** Where a page starts and how big it is, from the `top` and `skipToken` query parameters; 400 if either is bad. */
export function readPageQuery(request: HttpRequest): { top: number; skipToken?: string } {
  const rawTop = request.query.get('top');
  const top = rawTop === null ? DEFAULT_PAGE_SIZE : Number(rawTop);
  if (rawTop !== null && (!/^\d+$/.test(rawTop) || top < 1 || top > MAX_PAGE_SIZE)) {
    throw new InvalidRequestError(`top must be a whole number from 1 to ${MAX_PAGE_SIZE}.`, [
      { pointer: '#/query/top', detail: `must be an integer from 1 to ${MAX_PAGE_SIZE}` },
    ]);
  }
  const token = request.query.get('skipToken');
  if (token === null) return { top };
  if (!skipToken.test(token)) {
    throw new InvalidRequestError('skipToken is not one this API gave out.', [
      { pointer: '#/query/skipToken', detail: 'is not a page token of this API' },
    ]);
  }
  return { top, skipToken: token };
}

/** The absolute URL of the next page of the same route, as the request was addressed. */
export function nextPageLink(request: HttpRequest, page: { top: number; skipToken: string }): string {
  const url = new URL(request.url);
  const next = new URL(url.pathname, url.origin);
  next.searchParams.set('top', String(page.top));
  next.searchParams.set('skipToken', page.skipToken);
  return next.toString();
}
