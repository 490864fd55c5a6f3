import { ControlRoute } from './controlPlane';
import { EmulatorError } from './emulatorError';
import { RouteParams, RoutePattern, RouteTable } from './routeTable';
import { EmulatedService, ServiceRequest, ServiceResponse } from './serviceHost';

/** Everything an operation's handler gets: the request, its path parameters, the authenticated caller, the state. */
export interface Call<State, Caller> {
  readonly request: ServiceRequest;
  readonly params: RouteParams;
  readonly caller: Caller;
  readonly state: State;
}

/** One operation of a service: method, path template(s), the permission it needs, and its handler. */
export interface Route<State, Caller, Permission> extends RoutePattern {
  readonly permission: Permission;
  /** Answers the call, or throws an {@link EmulatorError}; never builds an error body itself. */
  readonly handler: (call: Call<State, Caller>) => ServiceResponse | Promise<ServiceResponse>;
}

/** Who calls and what they may do: the service's access rules. */
export interface ServiceAccess<Caller, Permission> {
  /** The caller of a request; throws the service's 401. */
  authenticate(request: ServiceRequest): Caller;
  /** Throws the service's 403 unless the caller holds the route's permission (`params` name the object, if any). */
  authorize(caller: Caller, permission: Permission, params: RouteParams): void;
  /** The caller's name in the request log. */
  principalOf(caller: Caller): string | undefined;
}

/** The service's wire shape for errors, and its answers where no route fits. */
export interface ServiceErrors {
  /** No template accepts the path; `segment` is the first unknown segment. */
  notFound(segment: string, request: ServiceRequest): EmulatorError;
  /** A template accepts the path, but not with this method. */
  methodNotAllowed(request: ServiceRequest, allowed: readonly string[]): EmulatorError;
  /** The error an injected fault of this status answers with (the host adds `Retry-After`). */
  fault(status: number): EmulatorError;
  /** The error as the service sends it: status, body, headers. */
  render(error: EmulatorError, request: ServiceRequest): ServiceResponse;
}

/** A service as data: its route table, state, access rules and error shape. {@link defineService} runs it. */
export interface ServiceDefinition<State, Caller, Permission> {
  readonly name: string;
  readonly state: State;
  readonly routes: readonly Route<State, Caller, Permission>[];
  /** Graph's segment names are case-insensitive; Key Vault's are not. */
  readonly caseInsensitivePaths?: boolean;
  readonly access: ServiceAccess<Caller, Permission>;
  readonly errors: ServiceErrors;
  /** Checks every request needs before anything else (Graph's version segment, Key Vault's api-version). */
  checkRequest?(request: ServiceRequest): void;
  /** Checks of path parameters every operation shares (Entra's tenant, Key Vault's object name), before access. */
  checkParams?(params: RouteParams): void;
  /** Headers every answer carries unless it sets them itself (request ids, content type). */
  headers?(request: ServiceRequest, response: ServiceResponse): Record<string, string>;
  readonly controlRoutes?: Readonly<Record<string, ControlRoute>>;
  /** Forget everything but the seed. */
  reset(): void;
}

/**
 * Runs a service definition for the host. Every request goes the same way: request checks → authentication (401) →
 * route match (the service's 404 or 405) → parameter checks → the route's permission (403) → the handler. Whatever
 * throws an {@link EmulatorError} on the way is rendered in the service's own shape.
 */
export function defineService<State, Caller, Permission>(
  definition: ServiceDefinition<State, Caller, Permission>,
): EmulatedService {
  const table = new RouteTable(definition.routes, { caseInsensitive: definition.caseInsensitivePaths ?? false });
  const { access, errors } = definition;

  function finish(request: ServiceRequest, response: ServiceResponse, principal: string | undefined): ServiceResponse {
    return {
      ...response,
      headers: { ...definition.headers?.(request, response), ...response.headers },
      principal: response.principal ?? principal,
    };
  }

  /** The caller's name when the request authenticates; errors and faults are logged with it too. */
  function principalOf(request: ServiceRequest): string | undefined {
    try {
      return access.principalOf(access.authenticate(request));
    } catch {
      return undefined;
    }
  }

  function errorResponse(error: EmulatorError, request: ServiceRequest): ServiceResponse {
    return finish(request, errors.render(error, request), principalOf(request));
  }

  async function handle(request: ServiceRequest): Promise<ServiceResponse> {
    let principal: string | undefined;
    try {
      definition.checkRequest?.(request);
      const caller = access.authenticate(request);
      principal = access.principalOf(caller);
      const match = table.match(request.method, request.rawPath);
      if (match.kind === 'notFound') throw errors.notFound(match.segment, request);
      if (match.kind === 'methodNotAllowed') throw errors.methodNotAllowed(request, match.allowed);
      definition.checkParams?.(match.params);
      access.authorize(caller, match.route.permission, match.params);
      const state = definition.state;
      return finish(request, await match.route.handler({ request, params: match.params, caller, state }), principal);
    } catch (error) {
      if (error instanceof EmulatorError) return finish(request, errors.render(error, request), principal);
      throw error;
    }
  }

  return {
    name: definition.name,
    handle,
    faultError: (status) => errors.fault(status),
    errorResponse,
    ...(definition.controlRoutes ? { controlRoutes: definition.controlRoutes } : {}),
    reset: () => definition.reset(),
  };
}

/** Routes anyone may call (Entra's endpoints authenticate clients inside the operation, not per route). */
export const ANONYMOUS: ServiceAccess<undefined, 'anonymous'> = {
  authenticate: () => undefined,
  authorize: () => undefined,
  principalOf: () => undefined,
};
