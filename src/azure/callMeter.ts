import type { PipelinePolicy } from '@azure/core-rest-pipeline';
import type { Context, Middleware } from '@microsoft/microsoft-graph-client';
import { ScanUsage, UpstreamUsage } from '../vending/scan/scanReport';
import { UsageMeter } from '../vending/scan/scanPorts';
import { parseRetryAfter } from './retryPolicy';

/** Statuses that mean "slow down": throttled, or the service is busy. */
const THROTTLED = new Set([429, 503]);

/**
 * Counts what the scan's own Graph client and SecretClient send (every attempt, retries included) and how long their
 * throttling made them wait: a Graph middleware, a Key Vault pipeline policy (per retry), and a sleep wrapper for the
 * Graph retry policy. Only the scan's clients carry it, so the API's traffic is not counted.
 */
export class CallMeter implements UsageMeter {
  private readonly graph: UpstreamUsage = { calls: 0, throttled: 0, waitMs: 0 };
  private readonly keyVault: UpstreamUsage = { calls: 0, throttled: 0, waitMs: 0 };

  read(): ScanUsage {
    return { graph: { ...this.graph }, keyVault: { ...this.keyVault } };
  }

  /** A Graph middleware that counts each request and each throttled answer; place it before the HTTP handler. */
  graphMiddleware(): Middleware {
    const usage = this.graph;
    let next: Middleware | undefined;
    return {
      setNext(middleware) {
        next = middleware;
      },
      async execute(context: Context) {
        usage.calls++;
        await next?.execute(context);
        if (context.response && THROTTLED.has(context.response.status)) usage.throttled++;
      },
    };
  }

  /** Wraps the Graph retry policy's sleep: each wait before a retry is added up. */
  graphSleep(
    sleep: (ms: number, signal?: AbortSignal) => Promise<void>,
  ): (ms: number, signal?: AbortSignal) => Promise<void> {
    return (ms, signal) => {
      this.graph.waitMs += ms;
      return sleep(ms, signal);
    };
  }

  /** A Key Vault pipeline policy (per retry) that counts each attempt; a throttled answer adds its Retry-After. */
  keyVaultPolicy(): PipelinePolicy {
    const usage = this.keyVault;
    return {
      name: 'scanCallMeter',
      async sendRequest(request, next) {
        usage.calls++;
        const response = await next(request);
        if (THROTTLED.has(response.status)) {
          usage.throttled++;
          const ms = Number(response.headers.get('retry-after-ms') ?? Number.NaN);
          usage.waitMs += Number.isFinite(ms) ? ms : (parseRetryAfter(response.headers.get('retry-after')) ?? 0);
        }
        return response;
      },
    };
  }
}
