import { randomUUID } from 'node:crypto';
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';
import { HttpRequest, HttpRequestInit, HttpResponse, InvocationContext, LogHandler } from '@azure/functions';
import { problemResponse } from '../src/http/problem';
import { RecordingHost } from './recordingHost';

/** Splits a Functions route template (`applications/{appId}/secrets`) and matches a request path against it. */
function matchRoute(template: string, path: string): Record<string, string> | undefined {
  const templateParts = template.split('/').filter(Boolean);
  const pathParts = path.split('/').filter(Boolean);
  if (templateParts.length !== pathParts.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < templateParts.length; i++) {
    const t = templateParts[i]!;
    const p = pathParts[i]!;
    const parameter = /^\{(\w+)\}$/.exec(t);
    if (parameter) params[parameter[1]!] = decodeURIComponent(p);
    else if (t.toLowerCase() !== p.toLowerCase()) return undefined;
  }
  return params;
}

/**
 * The request body as a web stream that reads from the socket only as fast as the handler reads it, as the host's
 * streaming path hands it over: a handler that stops early (a body past its limit) leaves the rest unread. Cancelling
 * pauses the request instead of destroying it, so the answer can still be written on the same socket.
 */
function bodyStream(req: IncomingMessage): ReadableStream<Uint8Array> {
  let open = true;
  return new ReadableStream<Uint8Array>({
    start(controller) {
      req.pause();
      req.on('data', (chunk: Buffer) => {
        if (!open) return;
        controller.enqueue(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
        if ((controller.desiredSize ?? 0) <= 0) req.pause();
      });
      req.once('end', () => {
        if (open) controller.close();
        open = false;
      });
      req.once('error', (error) => {
        if (open) controller.error(error);
        open = false;
      });
    },
    pull() {
      req.resume();
    },
    cancel() {
      open = false;
      req.pause();
    },
  });
}

async function writeResponse(res: ServerResponse, response: HttpResponse): Promise<void> {
  const body = Buffer.from(await response.arrayBuffer());
  const headers: Record<string, string> = {};
  response.headers.forEach((value, key) => {
    headers[key] = value;
  });
  res.writeHead(response.status, { ...headers, 'content-length': String(body.length) });
  res.end(body);
  // What the handler left unread (a body refused for its size) is read and dropped, never kept: the client gets its
  // answer before any reset, and the connection stays usable once the client stops sending.
  if (!res.req.complete) {
    res.req.removeAllListeners('data');
    res.req.resume();
  }
}

export interface FunctionsHttpHost {
  url: string;
  close(): Promise<void>;
}

/**
 * Serves registered functions the way the Functions host does: HTTP functions under `/api` (each request becomes an
 * `@azure/functions` HttpRequest, the registered handler is called with a fresh InvocationContext, and its
 * HttpResponseInit is written back), and other functions on demand through the host's admin route
 * `POST /admin/functions/{name}` (202 once started, as the host answers).
 */
export async function startFunctionsHttpHost(
  functions: RecordingHost,
  options: { port: number; host?: string; logHandler: LogHandler },
): Promise<FunctionsHttpHost> {
  const registered = [...functions.httpFunctions].map(([name, f]) => ({
    name,
    route: f.route ?? name,
    methods: (f.methods ?? ['GET', 'POST']).map((m) => m.toUpperCase()),
    handler: f.handler,
  }));
  let baseUrl = '';

  const contextFor = (functionName: string): InvocationContext =>
    new InvocationContext({ invocationId: randomUUID(), functionName, logHandler: options.logHandler });

  /** The host's way to run a non-HTTP function now: the timer handler gets a timer that is not past due. */
  async function runAdmin(name: string, res: ServerResponse): Promise<void> {
    const timer = functions.timerFunctions.get(name);
    if (!timer) {
      return writeResponse(res, new HttpResponse(problemResponse(404, 'FunctionNotFound', `No function ${name}.`)));
    }
    const now = new Date().toISOString();
    const run = timer.handler(
      {
        isPastDue: false,
        schedule: { adjustForDST: true },
        scheduleStatus: { last: now, next: now, lastUpdated: now },
      },
      contextFor(name),
    );
    Promise.resolve(run).catch((error: unknown) => options.logHandler('error', `${name} failed`, String(error)));
    return writeResponse(res, new HttpResponse({ status: 202 }));
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', baseUrl);
    const method = (req.method ?? 'GET').toUpperCase();
    const admin = /^\/admin\/functions\/([^/]+)$/.exec(url.pathname);
    if (admin && method === 'POST') return runAdmin(decodeURIComponent(admin[1]!), res);
    const path = url.pathname.startsWith('/api/') ? url.pathname.slice('/api/'.length) : undefined;
    const matches =
      path === undefined
        ? []
        : registered.map((f) => ({ f, params: matchRoute(f.route, path) })).filter((m) => m.params);
    if (matches.length === 0) {
      return writeResponse(res, new HttpResponse(problemResponse(404, 'RouteNotFound', `No route ${url.pathname}.`)));
    }
    const match = matches.find((m) => m.f.methods.includes(method));
    if (!match) {
      const allowed = [...new Set(matches.flatMap((m) => m.f.methods))].join(', ');
      return writeResponse(
        res,
        new HttpResponse(
          problemResponse(405, 'MethodNotAllowed', `${method} is not allowed here.`, {}, { allow: allowed }),
        ),
      );
    }
    const headers: Record<string, string> = {};
    for (const [key, value] of Object.entries(req.headers)) if (typeof value === 'string') headers[key] = value;
    // As @azure/functions builds a request in its streaming mode: a fetch Request around the body stream (the public
    // init of HttpRequest takes only a buffered body).
    const nativeRequest = new Request(url.toString(), {
      method,
      headers,
      ...(method === 'GET' || method === 'HEAD' ? {} : { body: bodyStream(req), duplex: 'half' }),
    });
    const request = new HttpRequest({ nativeRequest, params: match.params! } as unknown as HttpRequestInit);
    const init = await match.f.handler(request, contextFor(match.f.name));
    await writeResponse(res, new HttpResponse(init instanceof HttpResponse ? init : (init ?? {})));
  }

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      // A malformed %-escape in the path (decodeURIComponent refuses it): a bad request, answered as the host would,
      // before any handler runs.
      if (error instanceof URIError && !res.headersSent) {
        const problem = new HttpResponse(
          problemResponse(400, 'InvalidRequest', 'The path holds a malformed percent-escape.'),
        );
        return void writeResponse(res, problem).catch(() => res.destroy());
      }
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/problem+json' });
      res.end(
        JSON.stringify({
          type: 'urn:entra-app-vending:problem:InternalError',
          title: 'Internal Server Error',
          status: 500,
        }),
      );
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host ?? '127.0.0.1', () => resolve());
  });
  baseUrl = `http://${options.host ?? '127.0.0.1'}:${(server.address() as AddressInfo).port}`;
  return {
    url: baseUrl,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
