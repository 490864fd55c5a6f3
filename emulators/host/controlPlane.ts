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
  /** Also matched against the raw query string, when given (e.g. one resource of the identity endpoint). */
  readonly queryPattern: RegExp | undefined;
  /** 0 drops the connection; undefined (with `delayMs`) serves the call normally, only late. */
  readonly status: number | undefined;
  /** Held this long before the answer (or the drop): a slow service. A write is still applied after the wait. */
  readonly delayMs: number;
  /** Fires on every n-th matching call (1: each one), so a share of calls can fail, e.g. one in ten. */
  readonly every: number;
  /** Matching calls seen so far (for `every`). */
  seen: number;
  remaining: number;
  /** `Retry-After` when the fault asked for one. */
  readonly headers: Readonly<Record<string, string>>;
}

/** Throws the 400 every control route answers bad input with. */
export function badControlRequest(message: string): EmulatorError {
  return new EmulatorError(400, 'BadControlRequest', message);
}

function positiveInteger(value: unknown, name: string): void {
  if (value !== undefined && (typeof value !== 'number' || !Number.isInteger(value) || value < 1)) {
    throw badControlRequest(`${name} must be a positive integer`);
  }
}

function parseFault(body: Record<string, unknown>): Fault {
  const { method, pathPattern, queryPattern, status, count, retryAfterSeconds, delayMs, every } = body;
  if (typeof pathPattern !== 'string') throw badControlRequest('pathPattern (a regular expression) is required');
  if (delayMs !== undefined && (typeof delayMs !== 'number' || delayMs < 0 || delayMs > 600_000)) {
    throw badControlRequest('delayMs must be 0-600000');
  }
  const statusOptional = delayMs !== undefined && status === undefined;
  if (
    !statusOptional &&
    (typeof status !== 'number' || !Number.isInteger(status) || (status !== 0 && (status < 400 || status > 599)))
  ) {
    throw badControlRequest(
      'status must be 0 (drop the connection) or an HTTP error status 400-599 (it may be left out with delayMs)',
    );
  }
  positiveInteger(count, 'count');
  positiveInteger(every, 'every');
  if (retryAfterSeconds !== undefined && (typeof retryAfterSeconds !== 'number' || retryAfterSeconds < 0)) {
    throw badControlRequest('retryAfterSeconds must be a non-negative number');
  }
  if (method !== undefined && typeof method !== 'string') throw badControlRequest('method must be a string');
  if (queryPattern !== undefined && typeof queryPattern !== 'string')
    throw badControlRequest('queryPattern must be a string');
  let pattern: RegExp;
  let query: RegExp | undefined;
  try {
    pattern = new RegExp(pathPattern);
    query = queryPattern === undefined ? undefined : new RegExp(queryPattern);
  } catch {
    throw badControlRequest('pathPattern or queryPattern is not a valid regular expression');
  }
  return {
    method: method?.toUpperCase(),
    pathPattern: pattern,
    queryPattern: query,
    status: status,
    delayMs: delayMs ?? 0,
    every: (every as number | undefined) ?? 1,
    seen: 0,
    remaining: (count as number | undefined) ?? 1,
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
          delayMs: f.delayMs,
          every: f.every,
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

  /**
   * The first pending fault that fires for this call, counted down (and forgotten once used up). A fault with `every`
   * n counts the matching calls it sees and fires on each n-th; the ones it lets pass may meet a later fault.
   */
  takeFault(method: string, path: string, query = ''): Fault | undefined {
    for (const fault of this.faults) {
      if ((fault.method && fault.method !== method) || !fault.pathPattern.test(path)) continue;
      if (fault.queryPattern && !fault.queryPattern.test(query)) continue;
      fault.seen += 1;
      if (fault.seen % fault.every !== 0) continue;
      fault.remaining -= 1;
      if (fault.remaining <= 0) this.faults = this.faults.filter((f) => f !== fault);
      return fault;
    }
    return undefined;
  }

  log(entry: RequestLogEntry): void {
    this.requestLog.push(entry);
  }
}
