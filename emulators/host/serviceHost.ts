import { createServer as createHttpServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { AddressInfo, Socket } from 'node:net';
import { TlsMaterial } from './tls';

/** A request as an emulated service sees it: path already split from the query and percent-decoded per segment. */
export interface ServiceRequest {
  method: string;
  /** The raw path as sent, without the query (still percent-encoded). */
  rawPath: string;
  /** Decoded query; keys are decoded too, so Key Vault's `api%2Dversion` arrives as `api-version`. */
  query: URLSearchParams;
  headers: IncomingMessage['headers'];
  body: Buffer;
  /** The absolute origin clients used (`https://127.0.0.1:port`), for building absolute links. */
  origin: string;
}

/** What a service answers; `principal` names the authenticated caller for the request log. */
export interface ServiceResponse {
  status: number;
  headers?: Record<string, string>;
  /** JSON-serialisable body; `undefined` means no body. */
  body?: unknown;
  principal?: string;
}

/** One service behind a host: its routes, its control extensions and its own error shape for injected faults. */
export interface EmulatedService {
  readonly name: string;
  handle(request: ServiceRequest): Promise<ServiceResponse> | ServiceResponse;
  /** Extra control routes under `/_emulator/`, keyed `"METHOD name"`, e.g. `"PUT replication-lag"`. */
  readonly controlRoutes?: Record<string, (body: unknown, request: ServiceRequest) => ServiceResponse>;
  /** The service's own error response for an injected fault with this status. */
  faultResponse(status: number, retryAfterSeconds: number | undefined, request: ServiceRequest): ServiceResponse;
  /** Forget everything but the seed. */
  reset(): void;
}

/** One entry of `GET /_emulator/requests`. Never holds bodies, so never a secret. */
export interface RequestLogEntry {
  method: string;
  path: string;
  status: number;
  durationMs: number;
  principal: string | null;
}

interface Fault {
  method: string | undefined;
  pathPattern: RegExp;
  status: number;
  remaining: number;
  retryAfterSeconds: number | undefined;
}

/** A running emulator: where it listens and how to stop it. */
export interface RunningService {
  readonly url: string;
  readonly port: number;
  readonly requestLog: readonly RequestLogEntry[];
  close(): Promise<void>;
}

export interface ServiceHostOptions {
  /** TLS material; omit for plain HTTP (the managed identity endpoint is plain HTTP, as in App Service). */
  tls?: TlsMaterial;
  host?: string;
  /** 0 picks a free port. */
  port: number;
}

const CONTROL_PREFIX = '/_emulator/';
const MAX_BODY_BYTES = 4 * 1024 * 1024;

class BadControlRequest extends Error {}

function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = body === undefined ? '' : JSON.stringify(body);
  res.writeHead(status, {
    ...(body === undefined ? {} : { 'content-type': 'application/json; charset=utf-8' }),
    'content-length': Buffer.byteLength(text).toString(),
    ...headers,
  });
  res.end(text);
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new Error('body too large'));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function parseControlBody(body: Buffer): Record<string, unknown> {
  if (body.length === 0) return {};
  const parsed: unknown = JSON.parse(body.toString('utf8'));
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new BadControlRequest('control body must be a JSON object');
  }
  return parsed as Record<string, unknown>;
}

function parseFault(body: Record<string, unknown>): Fault {
  const { method, pathPattern, status, count, retryAfterSeconds } = body;
  if (typeof pathPattern !== 'string') throw new BadControlRequest('pathPattern (a regular expression) is required');
  if (typeof status !== 'number' || !Number.isInteger(status) || (status !== 0 && (status < 400 || status > 599))) {
    throw new BadControlRequest('status must be 0 (drop the connection) or an HTTP error status 400-599');
  }
  if (count !== undefined && (typeof count !== 'number' || !Number.isInteger(count) || count < 1)) {
    throw new BadControlRequest('count must be a positive integer');
  }
  if (retryAfterSeconds !== undefined && (typeof retryAfterSeconds !== 'number' || retryAfterSeconds < 0)) {
    throw new BadControlRequest('retryAfterSeconds must be a non-negative number');
  }
  if (method !== undefined && typeof method !== 'string') throw new BadControlRequest('method must be a string');
  let pattern: RegExp;
  try {
    pattern = new RegExp(pathPattern);
  } catch {
    throw new BadControlRequest('pathPattern is not a valid regular expression');
  }
  return {
    method: method?.toUpperCase(),
    pathPattern: pattern,
    status,
    remaining: count ?? 1,
    retryAfterSeconds,
  };
}

/**
 * Serves one emulated service with the control plane every emulator shares:
 * `POST /_emulator/reset`, `PUT /_emulator/latency`, `POST|DELETE /_emulator/faults`, `GET|DELETE /_emulator/requests`,
 * plus the service's own control routes. Faults and latency apply to service calls only, never to the control plane.
 */
export async function startService(service: EmulatedService, options: ServiceHostOptions): Promise<RunningService> {
  const requestLog: RequestLogEntry[] = [];
  let faults: Fault[] = [];
  let latencyMs = 0;
  const sockets = new Set<Socket>();
  const scheme = options.tls ? 'https' : 'http';
  const host = options.host ?? '127.0.0.1';
  let origin = '';

  function control(name: string, req: IncomingMessage, request: ServiceRequest, res: ServerResponse): void {
    const method = (req.method ?? 'GET').toUpperCase();
    const key = `${method} ${name}`;
    try {
      switch (key) {
        case 'POST reset':
          faults = [];
          latencyMs = 0;
          requestLog.length = 0;
          service.reset();
          return json(res, 204, undefined);
        case 'PUT latency': {
          const { ms } = parseControlBody(request.body);
          if (typeof ms !== 'number' || ms < 0 || ms > 60_000) throw new BadControlRequest('ms must be 0-60000');
          latencyMs = ms;
          return json(res, 200, { ms });
        }
        case 'GET latency':
          return json(res, 200, { ms: latencyMs });
        case 'POST faults': {
          const fault = parseFault(parseControlBody(request.body));
          faults.push(fault);
          return json(res, 201, { pending: faults.length });
        }
        case 'DELETE faults':
          faults = [];
          return json(res, 204, undefined);
        case 'GET faults':
          return json(
            res,
            200,
            faults.map((f) => ({
              method: f.method,
              pathPattern: f.pathPattern.source,
              status: f.status,
              remaining: f.remaining,
            })),
          );
        case 'GET requests':
          return json(res, 200, requestLog);
        case 'DELETE requests':
          requestLog.length = 0;
          return json(res, 204, undefined);
        default: {
          const route = service.controlRoutes?.[key];
          if (!route) return json(res, 404, { error: `no control route ${key}` });
          const answer = route(parseControlBody(request.body), request);
          return json(res, answer.status, answer.body, answer.headers);
        }
      }
    } catch (error) {
      if (error instanceof BadControlRequest || error instanceof SyntaxError) {
        return json(res, 400, { error: error.message });
      }
      throw error;
    }
  }

  function takeFault(method: string, path: string): Fault | undefined {
    const fault = faults.find((f) => (!f.method || f.method === method) && f.pathPattern.test(path));
    if (!fault) return undefined;
    fault.remaining -= 1;
    if (fault.remaining <= 0) faults = faults.filter((f) => f !== fault);
    return fault;
  }

  async function onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = performance.now();
    const rawUrl = req.url ?? '/';
    const queryAt = rawUrl.indexOf('?');
    const rawPath = queryAt === -1 ? rawUrl : rawUrl.slice(0, queryAt);
    const query = new URLSearchParams(queryAt === -1 ? '' : rawUrl.slice(queryAt + 1));
    const method = (req.method ?? 'GET').toUpperCase();
    let body: Buffer;
    try {
      body = await readBody(req);
    } catch {
      return json(res, 413, { error: 'request body too large' });
    }
    const request: ServiceRequest = { method, rawPath, query, headers: req.headers, body, origin };

    if (rawPath.startsWith(CONTROL_PREFIX)) {
      return control(rawPath.slice(CONTROL_PREFIX.length), req, request, res);
    }

    let status = 0;
    let principal: string | null = null;
    try {
      if (latencyMs > 0) await new Promise((r) => setTimeout(r, latencyMs));
      const fault = takeFault(method, rawPath);
      if (fault && fault.status === 0) {
        req.socket.destroy();
        return;
      }
      const answer = fault
        ? service.faultResponse(fault.status, fault.retryAfterSeconds, request)
        : await service.handle(request);
      status = answer.status;
      principal = answer.principal ?? null;
      json(res, answer.status, answer.body, answer.headers);
    } catch (error) {
      status = 500;
      // An emulator bug: say so plainly instead of imitating the service.
      json(res, 500, { error: { code: 'EmulatorInternalError', message: (error as Error).message } });
    } finally {
      requestLog.push({
        method,
        path: rawPath,
        status,
        durationMs: Math.round(performance.now() - started),
        principal,
      });
    }
  }

  const listener = (req: IncomingMessage, res: ServerResponse): void => {
    onRequest(req, res).catch((error: unknown) => {
      if (!res.headersSent) json(res, 500, { error: { code: 'EmulatorInternalError', message: String(error) } });
    });
  };
  const server: Server = options.tls
    ? createHttpsServer({ cert: options.tls.serverCertPem, key: options.tls.serverKeyPem }, listener)
    : createHttpServer(listener);
  server.keepAliveTimeout = 5_000;
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  origin = `${scheme}://${host}:${port}`;

  return {
    url: origin,
    port,
    requestLog,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
