import { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { Services } from '../services';
import {
  AuditFacts,
  AuditTarget,
  RequestContext,
  RequestTrace,
  StoredAnswer,
  UNIDENTIFIED_CALLER,
} from '../vending/ports';
import { authorize, callerOnRecord } from './callers';
import {
  answerOnce,
  canonicalBody,
  deriveIdempotencyKey,
  logicAppsRunOf,
  REPLAYED_HEADER,
  requestFingerprint,
} from './idempotency';
import { describeErrorForLog, errorToResponse, PROBLEM_CONTENT_TYPE } from './problem';
import { readBodyBytes } from './requestBody';
import { RouteDefinition } from './routes';

/**
 * One request as a handler sees it beyond the HTTP message: the authenticated, authorized caller it acts for and the
 * request's trace (`context`), and what it concerns (`target`, for the audit record).
 */
export interface Call {
  readonly context: RequestContext;
  /** What the request concerns, as its audit record names it; handlers fill it in as soon as they know. */
  target: AuditTarget;
}

/**
 * A route handler for a route that needs a caller: it gets the authenticated, authorized caller (`call.context.caller`),
 * then parses, validates, calls a service and maps the result. Errors are thrown, not answered.
 */
export type RouteHandler = (
  request: HttpRequest,
  context: InvocationContext,
  services: Services,
  call: Call,
) => Promise<HttpResponseInit>;

/** A handler of an anonymous route (liveness, the API description): it gets no caller. */
export type AnonymousRouteHandler = (
  request: HttpRequest,
  context: InvocationContext,
  services: Services,
) => Promise<HttpResponseInit>;

/** An HTTP function: a route of the table and its handler, whose kind matches the route's `auth`. */
export type HttpFunctionDefinition =
  | { kind: 'http'; route: RouteDefinition & { auth: 'anonymous' }; handler: AnonymousRouteHandler }
  | {
      kind: 'http';
      route: RouteDefinition & { auth: Exclude<RouteDefinition['auth'], 'anonymous'> };
      handler: RouteHandler;
    };

/** What the host calls: request and context in, a response init out (an `HttpHandler` of `@azure/functions`). */
export type HostHttpHandler = (request: HttpRequest, context: InvocationContext) => Promise<HttpResponseInit>;

function isAnonymous(
  fn: HttpFunctionDefinition,
): fn is Extract<HttpFunctionDefinition, { handler: AnonymousRouteHandler }> {
  return fn.route.auth === 'anonymous';
}

/** Any error → problem+json, logged as a sanitized description only (for a refused token: why, never the token). */
function problemFor(error: unknown, context: InvocationContext): HttpResponseInit {
  const response = errorToResponse(error, context.invocationId);
  const entry = { status: response.status, correlationId: context.invocationId, error: describeErrorForLog(error) };
  if ((response.status ?? 500) >= 500) context.error('request failed', JSON.stringify(entry));
  else context.warn('request refused', JSON.stringify(entry));
  return response;
}

/** The answer in the form it is kept for replays: status, headers, body text. */
function toStoredAnswer(response: HttpResponseInit, target: AuditTarget): StoredAnswer {
  const headers: Record<string, string> = {};
  new Headers(response.headers).forEach((value, name) => {
    headers[name] = value;
  });
  let body = typeof response.body === 'string' ? response.body : '';
  if (response.jsonBody !== undefined) {
    body = JSON.stringify(response.jsonBody);
    headers['content-type'] ??= 'application/json';
  }
  return { status: response.status ?? 200, headers, body, ...(Object.keys(target).length > 0 ? { target } : {}) };
}

function fromStoredAnswer(answer: StoredAnswer, replayed: boolean): HttpResponseInit {
  return {
    status: answer.status,
    headers: { ...answer.headers, ...(replayed ? { [REPLAYED_HEADER]: 'true' } : {}) },
    ...(answer.body !== '' ? { body: answer.body } : {}),
  };
}

/** The problem code of an error answer, from its `type` URN. */
function problemTypeOf(response: HttpResponseInit): string | undefined {
  const headers = new Headers(response.headers);
  if (headers.get('content-type') !== PROBLEM_CONTENT_TYPE || typeof response.body !== 'string') return undefined;
  try {
    const type = (JSON.parse(response.body) as { type?: unknown }).type;
    return typeof type === 'string' ? type.split(':').pop() : undefined;
  } catch {
    return undefined;
  }
}

/** The same request with its body already read: what a handler reads after the edge has read the body once. */
function withBody(request: HttpRequest, bytes: Buffer): HttpRequest {
  return new HttpRequest({
    method: request.method,
    url: request.url,
    headers: Object.fromEntries(request.headers),
    params: { ...request.params },
    ...(bytes.length > 0 ? { body: { bytes } } : {}),
  });
}

/** POSTs create things, so each may carry an idempotency key. */
function acceptsIdempotencyKey(route: RouteDefinition): boolean {
  return route.methods.includes('POST');
}

/**
 * Wraps an HTTP function into the handler the host calls; the services are bound once. An anonymous route's handler
 * just runs (liveness and the description documents touch nothing and are not recorded). Every other request goes
 * through, in order: the caller is authenticated (`services.callers`) and checked against the route's roles; a POST
 * with an idempotency key (scoped to the caller's object id) is claimed in the ledger or replayed; the handler runs;
 * any error becomes problem+json with the invocation id as correlation id; and the request is recorded in the audit
 * ledger — refusals included, a 401 as caller `unidentified`. A ledger that cannot take the audit record does not
 * change the answer (the operation's own write-ahead record was taken before anything changed); it is logged as an
 * error with the correlation id. Only a sanitized description of an error is logged, never a token.
 */
export function toHttpHandler(fn: HttpFunctionDefinition, services: Services): HostHttpHandler {
  if (isAnonymous(fn)) {
    return async (request, context) => {
      try {
        return await fn.handler(request, context, services);
      } catch (error) {
        return problemFor(error, context);
      }
    };
  }
  const { route, handler } = fn;
  return async (request, context) => {
    const trace: RequestTrace = {
      caller: UNIDENTIFIED_CALLER,
      correlationId: context.invocationId,
      receivedAt: services.vending.clock(),
    };
    const audit: AuditFacts = {};
    let keeping: Promise<void> = Promise.resolve();
    let response: HttpResponseInit;
    // From now on the request has its deadline: every Graph, Key Vault and identity call it makes gets its signal.
    const deadline = services.startDeadline();
    try {
      const identified = await services.callers.identify(request);
      trace.caller = callerOnRecord(identified, route.auth.roles);
      authorize(identified.caller, route.auth.roles);
      const call: Call = { context: { caller: identified.caller, trace, deadline }, target: {} };
      let forHandler = request;
      let body = '';
      if (acceptsIdempotencyKey(route)) {
        // Read once, under the handler's own cap (413 past it, the stream cancelled), and handed on as bytes.
        const bytes = await readBodyBytes(request);
        forHandler = withBody(request, bytes);
        body = canonicalBody(bytes.toString('utf8'));
      }
      const run = async (): Promise<HttpResponseInit> => {
        try {
          return await handler(forHandler, context, services, call);
        } catch (error) {
          return problemFor(error, context);
        }
      };
      const key = acceptsIdempotencyKey(route) ? deriveIdempotencyKey(request.headers, body) : undefined;
      if (key) {
        const path = new URL(request.url).pathname;
        const { answer, replayed, settled } = await answerOnce(
          services.idempotency,
          {
            // Keys are the caller's own: another caller's same key is another key.
            scope: identified.caller.id,
            key: key.key,
            fingerprint: requestFingerprint(request.method, path, body),
            correlationId: context.invocationId,
          },
          async () => toStoredAnswer(await run(), call.target),
        );
        Object.assign(audit, replayed ? answer.target : call.target, { idempotencyKey: key.key, replayed });
        keeping = settled;
        response = fromStoredAnswer(answer, replayed);
      } else {
        response = await run();
        Object.assign(audit, call.target);
      }
    } catch (error) {
      response = problemFor(error, context);
    }
    deadline.dispose();
    await Promise.all([keeping, recordAudit(services, route, trace, audit, response, request, context)]);
    return response;
  };
}

/** Records the request on the audit trail; a lost record is logged (with the correlation id), not answered. */
async function recordAudit(
  services: Services,
  route: RouteDefinition,
  trace: RequestTrace,
  facts: AuditFacts,
  response: HttpResponseInit,
  request: HttpRequest,
  context: InvocationContext,
): Promise<void> {
  const status = response.status ?? 200;
  const problemType = problemTypeOf(response);
  const logicApps = logicAppsRunOf(request.headers);
  try {
    await services.vending.ledger.recordRequest({
      operation: route.name,
      context: trace,
      status,
      ...(problemType ? { problemType } : {}),
      ...facts,
      ...(logicApps ? { logicApps } : {}),
    });
  } catch (error) {
    context.error(
      'audit record lost',
      JSON.stringify({
        correlationId: context.invocationId,
        operation: route.name,
        status,
        error: describeErrorForLog(error),
      }),
    );
  }
}
