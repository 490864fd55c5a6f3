import { randomUUID } from 'node:crypto';
import { createServer as createHttpServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { AddressInfo, Socket } from 'node:net';
import { ControlPlane, ControlRoute, RequestLogEntry } from './controlPlane';
import { EmulatorError } from './emulatorError';
import { readJsonObject } from './jsonBody';
import { TlsMaterial } from './tls';

export type { ControlRoute, RequestLogEntry } from './controlPlane';

/** A request as an emulated service sees it: path already split from the query. */
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
  /** A fresh GUID per request: Graph's `request-id`, Key Vault's `x-ms-request-id`, Entra's `trace_id`. */
  requestId: string;
}

/** What a service answers; `principal` names the authenticated caller for the request log. */
export interface ServiceResponse {
  status: number;
  headers?: Record<string, string>;
  /** JSON-serialisable body; `undefined` means no body. */
  body?: unknown;
  principal?: string | undefined;
}

/** One service behind a host (see `defineService` in `routedService.ts`, which builds every one of them). */
export interface EmulatedService {
  readonly name: string;
  handle(request: ServiceRequest): Promise<ServiceResponse> | ServiceResponse;
  /** Extra control routes under `/_emulator/`, keyed `"METHOD name"`, e.g. `"PUT replication-lag"`. */
  readonly controlRoutes?: Readonly<Record<string, ControlRoute>>;
  /** The error this service answers an injected fault of `status` with. */
  faultError(status: number): EmulatorError;
  /** An error in the service's wire shape, logged with the caller's name when the request names one. */
  errorResponse(error: EmulatorError, request: ServiceRequest): ServiceResponse;
  /** Forget everything but the seed. */
  reset(): void;
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

/**
 * Serves one emulated service with the control plane every emulator shares (`controlPlane.ts`). Faults and latency
 * apply to service calls only, never to the control plane.
 */
export async function startService(service: EmulatedService, options: ServiceHostOptions): Promise<RunningService> {
  const controlPlane = new ControlPlane(service);
  const sockets = new Set<Socket>();
  const scheme = options.tls ? 'https' : 'http';
  const host = options.host ?? '127.0.0.1';
  let origin = '';

  function control(name: string, request: ServiceRequest, res: ServerResponse): void {
    const key = `${request.method} ${name}`;
    const route = controlPlane.routes[key];
    if (!route) return json(res, 404, { error: `no control route ${key}` });
    try {
      const body = readJsonObject(request.body);
      if (!body) throw new EmulatorError(400, 'BadControlRequest', 'control body must be a JSON object');
      const answer = route(body, request);
      return json(res, answer.status, answer.body, answer.headers);
    } catch (error) {
      if (error instanceof EmulatorError) return json(res, error.status, { error: error.message });
      throw error;
    }
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
    const request: ServiceRequest = {
      method,
      rawPath,
      query,
      headers: req.headers,
      body,
      origin,
      requestId: randomUUID(),
    };

    if (rawPath.startsWith(CONTROL_PREFIX)) return control(rawPath.slice(CONTROL_PREFIX.length), request, res);

    let status = 0;
    let principal: string | null = null;
    try {
      if (controlPlane.latencyMs > 0) await new Promise((r) => setTimeout(r, controlPlane.latencyMs));
      const fault = controlPlane.takeFault(method, rawPath, queryAt === -1 ? '' : rawUrl.slice(queryAt + 1));
      // A slow call: held, then answered (a write is applied even if the client stopped waiting, as a service does).
      if (fault && fault.delayMs > 0) await new Promise((r) => setTimeout(r, fault.delayMs));
      if (fault && fault.status === 0) {
        req.socket.destroy();
        return;
      }
      const answer =
        fault && fault.status !== undefined
          ? service.errorResponse(service.faultError(fault.status).withHeaders(fault.headers), request)
          : await service.handle(request);
      status = answer.status;
      principal = answer.principal ?? null;
      json(res, answer.status, answer.body, answer.headers);
    } catch (error) {
      status = 500;
      // An emulator bug: say so plainly instead of imitating the service.
      json(res, 500, { error: { code: 'EmulatorInternalError', message: (error as Error).message } });
    } finally {
      controlPlane.log({
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
    requestLog: controlPlane.requestLog,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
