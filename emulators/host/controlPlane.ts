import { EmulatorError } from './emulatorError';
import type { ServiceRequest, ServiceResponse } from './serviceHost';

/** A control route: the parsed JSON object body in, an answer out; bad input throws an {@link EmulatorError}. */
export type ControlRoute = (body: Record<string, unknown>, request: ServiceRequest) => ServiceResponse;

/** One entry of `GET /_emulator/requests`. Never holds bodies, so never a secret. */
export interface RequestLogEntry {
  method: string;
  path: string;
  status: number;
  durationMs: number;
  principal: string | null;
}

/** A pending injected fault. */
export interface Fault {
  readonly method: string | undefined;
  readonly pathPattern: RegExp;
  /** 0 drops the connection. */
  readonly status: number;
  remaining: number;
  /** `Retry-After` when the fault asked for one. */
  readonly headers: Readonly<Record<string, string>>;
}

/** Throws the 400 every control route answers bad input with. */
export function badControlRequest(message: string): EmulatorError {
  return new EmulatorError(400, 'BadControlRequest', message);
}

function parseFault(body: Record<string, unknown>): Fault {
  const { method, pathPattern, status, count, retryAfterSeconds } = body;
  if (typeof pathPattern !== 'string') throw badControlRequest('pathPattern (a regular expression) is required');
  if (typeof status !== 'number' || !Number.isInteger(status) || (status !== 0 && (status < 400 || status > 599))) {
    throw badControlRequest('status must be 0 (drop the connection) or an HTTP error status 400-599');
  }
  if (count !== undefined && (typeof count !== 'number' || !Number.isInteger(count) || count < 1)) {
    throw badControlRequest('count must be a positive integer');
  }
  if (retryAfterSeconds !== undefined && (typeof retryAfterSeconds !== 'number' || retryAfterSeconds < 0)) {
    throw badControlRequest('retryAfterSeconds must be a non-negative number');
  }
  if (method !== undefined && typeof method !== 'string') throw badControlRequest('method must be a string');
  let pattern: RegExp;
  try {
    pattern = new RegExp(pathPattern);
  } catch {
    throw badControlRequest('pathPattern is not a valid regular expression');
  }
  return {
    method: method?.toUpperCase(),
    pathPattern: pattern,
    status,
    remaining: count ?? 1,
    headers: retryAfterSeconds === undefined ? {} : { 'retry-after': String(retryAfterSeconds) },
  };
}

/**
 * What every emulator shares under `/_emulator/`: `POST reset`, `PUT|GET latency`, `POST|GET|DELETE faults`,
 * `GET|DELETE requests`, plus the service's own control routes. Holds the faults, the latency and the request log.
 */
export class ControlPlane {
  readonly requestLog: RequestLogEntry[] = [];
  latencyMs = 0;
  private faults: Fault[] = [];
  readonly routes: Readonly<Record<string, ControlRoute>>;

  constructor(service: { reset(): void; readonly controlRoutes?: Readonly<Record<string, ControlRoute>> }) {
    this.routes = {
      ...service.controlRoutes,
      'POST reset': () => {
        this.faults = [];
        this.latencyMs = 0;
        this.requestLog.length = 0;
        service.reset();
        return { status: 204 };
      },
      'PUT latency': ({ ms }) => {
        if (typeof ms !== 'number' || ms < 0 || ms > 60_000) throw badControlRequest('ms must be 0-60000');
        this.latencyMs = ms;
        return { status: 200, body: { ms } };
      },
      'GET latency': () => ({ status: 200, body: { ms: this.latencyMs } }),
      'POST faults': (body) => {
        this.faults.push(parseFault(body));
        return { status: 201, body: { pending: this.faults.length } };
      },
      'DELETE faults': () => {
        this.faults = [];
        return { status: 204 };
      },
      'GET faults': () => ({
        status: 200,
        body: this.faults.map((f) => ({
          method: f.method,
          pathPattern: f.pathPattern.source,
          status: f.status,
          remaining: f.remaining,
        })),
      }),
      'GET requests': () => ({ status: 200, body: this.requestLog }),
      'DELETE requests': () => {
        this.requestLog.length = 0;
        return { status: 204 };
      },
    };
  }

  /** The first pending fault for this call, counted down (and forgotten once used up). */
  takeFault(method: string, path: string): Fault | undefined {
    const fault = this.faults.find((f) => (!f.method || f.method === method) && f.pathPattern.test(path));
    if (!fault) return undefined;
    fault.remaining -= 1;
    if (fault.remaining <= 0) this.faults = this.faults.filter((f) => f !== fault);
    return fault;
  }

  log(entry: RequestLogEntry): void {
    this.requestLog.push(entry);
  }
}
