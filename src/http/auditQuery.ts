import { HttpRequest } from '@azure/functions';
import { FieldProblem, InvalidRequestError } from '../vending/errors';
import { AuditQuery } from '../vending/ports';
import { isGuid } from '../vending/units';

/** Page size of `GET /api/audit` when `top` is not given, and its largest (a table query's page limit). */
export const AUDIT_PAGE_SIZE = { default: 100, max: 1000 } as const;

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/i;
/** Longest continuation token accepted (the ledger's own are far shorter). */
export const AUDIT_CONTINUATION_TOKEN_MAX_CHARS = 4096;

/**
 * Reads the query of `GET /api/audit`: `appId` and/or a time range `from` (inclusive) … `to` (exclusive; without it,
 * everything since `from`), `top`, `continuationToken`. Every bad parameter is named in one 400.
 */
export function auditQueryFrom(request: HttpRequest): AuditQuery {
  const problems: FieldProblem[] = [];
  const param = (name: string): string | undefined => request.query.get(name) ?? undefined;
  const instant = (name: string): Date | undefined => {
    const value = param(name);
    if (value === undefined) return undefined;
    const parsed = new Date(value);
    if (!RFC3339.test(value) || Number.isNaN(parsed.getTime())) {
      problems.push({ pointer: `#/query/${name}`, detail: 'must be an RFC 3339 date-time with a time zone' });
      return undefined;
    }
    return parsed;
  };
  const appId = param('appId');
  if (appId !== undefined && !isGuid(appId)) problems.push({ pointer: '#/query/appId', detail: 'must be a GUID' });
  const from = instant('from');
  const to = instant('to');
  if (to !== undefined && param('from') === undefined) {
    problems.push({ pointer: '#/query/from', detail: 'is required with to' });
  }
  if (appId === undefined && param('from') === undefined && param('to') === undefined) {
    problems.push({ pointer: '#/query', detail: 'give appId, or from (and optionally to)' });
  }
  if (from && to && from.getTime() >= to.getTime()) {
    problems.push({ pointer: '#/query/to', detail: 'must be after from' });
  }
  const top = param('top');
  let pageSize: number = AUDIT_PAGE_SIZE.default;
  if (top !== undefined) {
    pageSize = Number(top);
    if (!/^\d+$/.test(top) || pageSize < 1 || pageSize > AUDIT_PAGE_SIZE.max) {
      problems.push({ pointer: '#/query/top', detail: `must be an integer from 1 to ${AUDIT_PAGE_SIZE.max}` });
    }
  }
  const continuationToken = param('continuationToken');
  if (
    continuationToken !== undefined &&
    (continuationToken === '' || continuationToken.length > AUDIT_CONTINUATION_TOKEN_MAX_CHARS)
  ) {
    problems.push({ pointer: '#/query/continuationToken', detail: 'is not a continuation token' });
  }
  if (problems.length > 0) {
    throw new InvalidRequestError(
      `The query is invalid: ${problems.map((p) => `${p.pointer} ${p.detail}`).join('; ')}.`,
      problems,
    );
  }
  return {
    pageSize,
    ...(appId !== undefined ? { appId: appId.toLowerCase() } : {}),
    ...(from ? { from } : {}),
    ...(to ? { to } : {}),
    ...(continuationToken !== undefined ? { continuationToken } : {}),
  };
}
