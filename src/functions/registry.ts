import { app, HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { describeErrorForLog, errorToResponse } from '../http/problem';
import { RouteDefinition } from '../http/routes';
import { vendingServices, VendingServices } from '../index';

/** A route handler: parses, validates, calls a service, maps the result. Errors are thrown, not answered. */
export type RouteHandler = (
  request: HttpRequest,
  context: InvocationContext,
  services: VendingServices,
) => Promise<HttpResponseInit>;

/** What the host calls: request and context in, a response init out. */
export type HostHttpHandler = (request: HttpRequest, context: InvocationContext) => Promise<HttpResponseInit>;

/** A registered HTTP function: its route entry and the exact handler the host calls. */
export interface RegisteredHttpFunction {
  route: RouteDefinition;
  handler: HostHttpHandler;
}

/** Every HTTP function registered in this process, by name. The sandbox serves these same handlers. */
export const registeredHttpFunctions = new Map<string, RegisteredHttpFunction>();

/**
 * Wraps a route handler into the host's handler: services come from `getServices`, any error becomes
 * problem+json with the invocation id as correlation id, and only a sanitized description of it is logged.
 */
export function toHttpHandler(handler: RouteHandler, getServices: () => VendingServices): HostHttpHandler {
  return async (request, context) => {
    try {
      return await handler(request, context, getServices());
    } catch (error) {
      const response = errorToResponse(error, context.invocationId);
      const entry = { status: response.status, correlationId: context.invocationId, error: describeErrorForLog(error) };
      if ((response.status ?? 500) >= 500) context.error('request failed', JSON.stringify(entry));
      else context.warn('request refused', JSON.stringify(entry));
      return response;
    }
  };
}

/** Registers a route with the Functions host (a no-op outside it) and in {@link registeredHttpFunctions}. */
export function registerHttpFunction(route: RouteDefinition, handler: RouteHandler): void {
  const hostHandler = toHttpHandler(handler, vendingServices);
  registeredHttpFunctions.set(route.name, { route, handler: hostHandler });
  app.http(route.name, { methods: route.methods, route: route.route, authLevel: 'anonymous', handler: hostHandler });
}

// In the host, compose at start-up so a bad setting fails the start, listing every bad key, not the first request.
app.hook.appStart(() => {
  vendingServices();
});
