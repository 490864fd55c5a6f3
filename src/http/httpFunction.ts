import { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { Services } from '../services';
import { Caller } from '../vending/ports';
import { authorize } from './callers';
import { describeErrorForLog, errorToResponse } from './problem';
import { RouteDefinition } from './routes';

/**
 * A route handler for a route that needs a caller: it gets the authenticated, authorized caller, then parses,
 * validates, calls a service and maps the result. Errors are thrown, not answered.
 */
export type RouteHandler = (
  request: HttpRequest,
  context: InvocationContext,
  services: Services,
  caller: Caller,
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

/**
 * Wraps an HTTP function into the handler the host calls: the services are bound once; unless the route is
 * anonymous, the caller is authenticated (`services.callers`) and checked against the route's roles before the
 * handler runs; any error becomes problem+json with the invocation id as correlation id, and only a sanitized
 * description of it is logged (for a refused token: why, and its kid, iss and aud — never the token).
 */
export function toHttpHandler(fn: HttpFunctionDefinition, services: Services): HostHttpHandler {
  return async (request, context) => {
    try {
      if (isAnonymous(fn)) return await fn.handler(request, context, services);
      const caller = await services.callers.authenticate(request);
      authorize(caller, fn.route.auth.roles);
      return await fn.handler(request, context, services, caller);
    } catch (error) {
      const response = errorToResponse(error, context.invocationId);
      const entry = { status: response.status, correlationId: context.invocationId, error: describeErrorForLog(error) };
      if ((response.status ?? 500) >= 500) context.error('request failed', JSON.stringify(entry));
      else context.warn('request refused', JSON.stringify(entry));
      return response;
    }
  };
}
