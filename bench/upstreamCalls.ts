import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import type { ClientRequest } from 'node:http';

/** One outgoing call of this process, timed from the request's start to its answer. */
export interface UpstreamCall {
  /** The dependency it went to, by its origin (`other` for anything not named). */
  target: string;
  method: string;
  started: number;
  ended: number;
}

interface UndiciRequest {
  origin: string | URL;
  method: string;
}

/**
 * Records every outgoing HTTP call this process makes (the SDKs' node:https requests through `http.client.*`, the
 * Graph client's global fetch through `undici:request:*`), named by origin. The API runs in the bench's process, so
 * this sees its calls to Graph, Key Vault and Azurite — the emulators' request logs count the first two, this also
 * times them (so calls made side by side can be told from calls made one after another) and sees the ledger's.
 */
export class UpstreamCallRecorder {
  readonly calls: UpstreamCall[] = [];
  private readonly open = new WeakMap<object, UpstreamCall>();
  private readonly targets: [string, string][];
  private readonly handlers: [string, (message: unknown) => void][];

  /** `origins` maps a name to a URL on that dependency (only its origin is used). */
  constructor(origins: Record<string, string>) {
    this.targets = Object.entries(origins).map(([name, url]) => [new URL(url).host, name]);
    const start = (key: object, host: string, method: string): void => {
      const call = { target: this.nameOf(host), method, started: performance.now(), ended: Number.NaN };
      this.open.set(key, call);
      this.calls.push(call);
    };
    const end = (key: object): void => {
      const call = this.open.get(key);
      if (call && Number.isNaN(call.ended)) call.ended = performance.now();
    };
    this.handlers = [
      [
        'http.client.request.start',
        (m) => {
          const request = (m as { request: ClientRequest }).request;
          start(request, String(request.getHeader('host') ?? request.host), request.method);
        },
      ],
      ['http.client.response.finish', (m) => end((m as { request: object }).request)],
      [
        'undici:request:create',
        (m) => {
          const request = (m as { request: UndiciRequest }).request;
          start(request, new URL(String(request.origin)).host, request.method);
        },
      ],
      ['undici:request:trailers', (m) => end((m as { request: object }).request)],
      ['undici:request:error', (m) => end((m as { request: object }).request)],
    ];
    for (const [channel, handler] of this.handlers) subscribe(channel, handler);
  }

  private nameOf(host: string): string {
    return this.targets.find(([known]) => known === host)?.[1] ?? 'other';
  }

  /** The calls started from `since` on (a `performance.now()` reading). */
  since(since: number): UpstreamCall[] {
    return this.calls.filter((call) => call.started >= since);
  }

  clear(): void {
    this.calls.length = 0;
  }

  close(): void {
    for (const [channel, handler] of this.handlers) unsubscribe(channel, handler);
  }
}

/**
 * How many of these calls were waited for one after another: calls whose times overlap were made side by side and
 * count once (each group of overlapping calls is one step).
 */
export function sequentialSteps(calls: readonly UpstreamCall[]): number {
  const sorted = [...calls].sort((a, b) => a.started - b.started);
  let steps = 0;
  let groupEnd = -Infinity;
  for (const call of sorted) {
    if (call.started >= groupEnd) steps++;
    groupEnd = Math.max(groupEnd, Number.isNaN(call.ended) ? Infinity : call.ended);
  }
  return steps;
}

/** The time spent in these calls that no other of them overlapped with (ms): their union's length. */
export function busyMs(calls: readonly UpstreamCall[]): number {
  const sorted = [...calls].sort((a, b) => a.started - b.started);
  let total = 0;
  let from = Number.NaN;
  let to = -Infinity;
  for (const call of sorted) {
    if (call.started > to) {
      if (to > -Infinity) total += to - from;
      from = call.started;
    }
    to = Math.max(to, call.ended);
  }
  return to > -Infinity ? total + (to - from) : 0;
}
