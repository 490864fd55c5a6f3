import { randomUUID } from 'node:crypto';
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';
import { HttpRequest, HttpResponse, InvocationContext, LogHandler } from '@azure/functions';
import { problemResponse } from '../src/http/problem';
import { RegisteredHttpFunction } from '../src/functions/registry';

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

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
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
}

export interface FunctionsHttpHost {
  url: string;
  close(): Promise<void>;
}

/**
 * Serves registered HTTP functions under `/api` the way the Functions host does: each request becomes an
 * `@azure/functions` HttpRequest, the registered handler is called with a fresh InvocationContext, and its
 * HttpResponseInit is written back.
 */
export async function startFunctionsHttpHost(
  functions: Iterable<RegisteredHttpFunction>,
  options: { port: number; host?: string; logHandler: LogHandler },
): Promise<FunctionsHttpHost> {
  const registered = [...functions];
  let baseUrl = '';

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', baseUrl);
    const method = (req.method ?? 'GET').toUpperCase();
    const path = url.pathname.startsWith('/api/') ? url.pathname.slice('/api/'.length) : undefined;
    const matches =
      path === undefined
        ? []
        : registered.map((f) => ({ f, params: matchRoute(f.route.route, path) })).filter((m) => m.params);
    if (matches.length === 0) {
      return writeResponse(res, new HttpResponse(problemResponse(404, 'RouteNotFound', `No route ${url.pathname}.`)));
    }
    const match = matches.find((m) => (m.f.route.methods as string[]).includes(method));
    if (!match) {
      const allowed = [...new Set(matches.flatMap((m) => m.f.route.methods))].join(', ');
      return writeResponse(
        res,
        new HttpResponse(
          problemResponse(405, 'MethodNotAllowed', `${method} is not allowed here.`, {}, { allow: allowed }),
        ),
      );
    }
    const body = await readBody(req);
    const headers: Record<string, string> = {};
    for (const [key, value] of Object.entries(req.headers)) if (typeof value === 'string') headers[key] = value;
    const request = new HttpRequest({
      method,
      url: url.toString(),
      headers,
      params: match.params!,
      ...(body.length > 0 ? { body: { bytes: body } } : {}),
    });
    const context = new InvocationContext({
      invocationId: randomUUID(),
      functionName: match.f.route.name,
      logHandler: options.logHandler,
    });
    const init = await match.f.handler(request, context);
    await writeResponse(res, new HttpResponse(init));
  }

  const server: Server = createServer((req, res) => {
    handle(req, res).catch(() => {
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
