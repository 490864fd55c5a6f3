import { IncomingHttpHeaders, request as httpRequest } from 'node:http';

/** How a raw request's `Content-Length` relates to the bytes actually sent. */
export type DeclaredLength = 'exact' | 'none' | 'shorter' | 'longer';

/** One request as a hostile client may send it: any method token, any path bytes, any headers, a lying length. */
export interface RawRequest {
  method: string;
  /** Path and query as sent on the request line (already escaped, or not, as the case wants). */
  path: string;
  headers: Record<string, string>;
  body?: Buffer;
  /** Default `exact` when there is a body. `longer` half-closes the connection after the bytes it has. */
  declaredLength?: DeclaredLength;
}

/** What came back: an answer, a connection closed without one, or nothing within the time allowed. */
export type RawOutcome =
  | { kind: 'answer'; status: number; headers: IncomingHttpHeaders; text: string; ms: number }
  | { kind: 'dropped'; error: string; ms: number }
  | { kind: 'hung'; ms: number };

function lengthHeader(body: Buffer, declared: DeclaredLength): string | undefined {
  if (declared === 'none') return undefined;
  if (declared === 'shorter') return String(Math.max(0, body.length - 1 - Math.floor(body.length / 2)));
  if (declared === 'longer') return String(body.length + 17);
  return String(body.length);
}

/**
 * Sends `raw` over plain node:http on a fresh connection (no agent, no retries) to `baseUrl` and waits at most
 * `timeoutMs` for the whole answer. Node's client checks only what it must to speak HTTP/1.1 (a method token, no
 * control characters in the path or header values), so everything else reaches the server as written.
 */
export function sendRaw(baseUrl: string, raw: RawRequest, timeoutMs: number): Promise<RawOutcome> {
  const started = Date.now();
  const url = new URL(baseUrl);
  return new Promise((resolve) => {
    let settled = false;
    const settle = (outcome: RawOutcome): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      req.destroy();
      resolve(outcome);
    };
    const headers: Record<string, string> = { connection: 'close', ...raw.headers };
    const declared = raw.declaredLength ?? 'exact';
    if (raw.body !== undefined) {
      const length = lengthHeader(raw.body, declared);
      if (length === undefined) headers['transfer-encoding'] = 'chunked';
      else headers['content-length'] = length;
    }
    const req = httpRequest(
      { host: url.hostname, port: url.port, method: raw.method, path: raw.path, headers, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          settle({
            kind: 'answer',
            status: res.statusCode ?? 0,
            headers: res.headers,
            text: Buffer.concat(chunks).toString('utf8'),
            ms: Date.now() - started,
          }),
        );
        res.on('error', (error) => settle({ kind: 'dropped', error: error.message, ms: Date.now() - started }));
      },
    );
    const timer = setTimeout(() => settle({ kind: 'hung', ms: Date.now() - started }), timeoutMs);
    req.on('error', (error) => settle({ kind: 'dropped', error: error.message, ms: Date.now() - started }));
    if (raw.body === undefined) return void req.end();
    // A lying length: node would refuse to send more than it declared, so the socket takes the bytes directly.
    if (declared === 'shorter' || declared === 'longer') {
      req.flushHeaders();
      req.once('socket', (socket) => {
        const send = (): void => {
          socket.write(raw.body!);
          // Nothing more is coming: the server sees the end of the stream mid-body.
          if (declared === 'longer') socket.end();
        };
        if (socket.connecting) socket.once('connect', send);
        else send();
      });
      return;
    }
    req.end(raw.body);
  });
}

/** A JSON answer of the API as the chaos suites read it: `status` 0 when the connection dropped or hung. */
export interface JsonAnswer<T = Record<string, unknown>> {
  status: number;
  headers: IncomingHttpHeaders;
  /** The parsed body; for no answer, `{ dropped: true }` or `{ hung: true }`. */
  body: T;
  text: string;
}

/**
 * Calls the API (`apiBaseUrl`) with a bearer token and a JSON body, each request on a connection of its own (as a fleet
 * of clients does), with `idempotencyKey` when given; at most `timeoutMs` for the answer.
 */
export async function sendJson<T = Record<string, unknown>>(
  apiBaseUrl: string,
  request: { method: string; path: string; token: string; body?: unknown; idempotencyKey?: string },
  timeoutMs: number,
): Promise<JsonAnswer<T>> {
  const { method, path, token, body, idempotencyKey } = request;
  const outcome = await sendRaw(
    apiBaseUrl,
    {
      method,
      path: `${new URL(apiBaseUrl).pathname.replace(/\/$/, '')}${path}`,
      headers: {
        authorization: `Bearer ${token}`,
        ...(idempotencyKey === undefined ? {} : { 'idempotency-key': idempotencyKey }),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: Buffer.from(JSON.stringify(body)) }),
    },
    timeoutMs,
  );
  if (outcome.kind !== 'answer') return { status: 0, headers: {}, body: { [outcome.kind]: true } as T, text: '' };
  return {
    status: outcome.status,
    headers: outcome.headers,
    body: (outcome.text ? JSON.parse(outcome.text) : {}) as T,
    text: outcome.text,
  };
}
