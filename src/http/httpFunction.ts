import { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { Services } from '../services';
import { describeErrorForLog, errorToResponse } from './problem';

/** A route handler: parses, validates, calls a service, maps the result. Errors are thrown, not answered. */
export type RouteHandler = (
  request: HttpRequest,
  context: InvocationContext,
  services: Services,
) => Promise<HttpResponseInit>;

/** What the host calls: request and context in, a response init out (an `HttpHandler` of `@azure/functions`). */
export type HostHttpHandler = (request: HttpRequest, context: InvocationContext) => Promise<HttpResponseInit>;

/**
 * Wraps a route handler into the handler the host calls: the services are bound once, any error becomes
 * problem+json with the invocation id as correlation id, and only a sanitized description of it is logged.
 */
export function toHttpHandler(handler: RouteHandler, services: Services): HostHttpHandler {
  return async (request, context) => {
    try {
      return await handler(request, context, services);
    } catch (error) {
      const response = errorToResponse(error, context.invocationId);
      const entry = { status: response.status, correlationId: context.invocationId, error: describeErrorForLog(error) };
      if ((response.status ?? 500) >= 500) context.error('request failed', JSON.stringify(entry));
      else context.warn('request refused', JSON.stringify(entry));
      return response;
    }
  };
}
