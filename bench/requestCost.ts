/**
 * What one request costs upstream and what the API adds on top: the round trips of each operation as the emulators'
 * request logs count them (and the ledger's calls to Azurite, seen in-process), and the request overhead against a
 * fixed injected latency on every Graph and Key Vault call.
 */
import type { RunningSandbox } from '../sandbox/sandbox';
import { median, percentile } from './measure';
import { busyMs, sequentialSteps, UpstreamCall, UpstreamCallRecorder } from './upstreamCalls';

/** How the bench reaches the API and the emulators. */
export interface BenchTarget {
  api: string;
  /** Headers of a JSON request with the portal's token. */
  json: Record<string, string>;
  sandbox: RunningSandbox;
  recorder: UpstreamCallRecorder;
}

/** Calls per operation: Graph and Key Vault from the emulators' request logs, the ledger's from this process. */
export interface RoundTrips {
  graph: number;
  keyVault: number;
  /** Table calls to Azurite (ledger, idempotency, audit) made before the answer. */
  ledger: number;
  /** Table calls made after the answer was sent (not on the request's path). */
  ledgerAfterAnswer: number;
}

/** An operation of the API: one request, its answer checked. */
export type Operation = () => Promise<Response>;

const control = { 'content-type': 'application/json' };

/** Sets the latency every Graph and Key Vault call gets (0 for none). */
export async function setUpstreamLatency(sandbox: RunningSandbox, ms: number): Promise<void> {
  for (const url of [sandbox.endpoints.graph.control, sandbox.endpoints.keyVault.control]) {
    const response = await fetch(`${url}/latency`, { method: 'PUT', headers: control, body: JSON.stringify({ ms }) });
    if (!response.ok) throw new Error(`latency on ${url}: ${response.status}`);
  }
}

async function send(operation: Operation): Promise<unknown> {
  const response = await operation();
  const text = await response.text();
  if (response.status >= 300) throw new Error(`unexpected ${response.status}: ${text}`);
  return text ? (JSON.parse(text) as unknown) : undefined;
}

/** Sends one operation and counts its calls; anything the API still does after answering gets 300 ms to show up. */
export async function countRoundTrips(target: BenchTarget, operation: Operation): Promise<RoundTrips> {
  const { graph, keyVault } = target.sandbox.emulators.services;
  const graphFrom = graph.requestLog.length;
  const keyVaultFrom = keyVault.requestLog.length;
  const started = performance.now();
  await send(operation);
  const answered = performance.now();
  await new Promise((r) => setTimeout(r, 300));
  const ledger = target.recorder.since(started).filter((call) => call.target === 'ledger');
  return {
    graph: graph.requestLog.length - graphFrom,
    keyVault: keyVault.requestLog.length - keyVaultFrom,
    ledger: ledger.filter((call) => call.started < answered).length,
    ledgerAfterAnswer: ledger.filter((call) => call.started >= answered).length,
  };
}

/** End-to-end latency against the injected upstream latency, for one operation sent one at a time. */
export interface Overhead {
  p50Ms: number;
  p95Ms: number;
  /** Graph and Key Vault calls per request, and how many of them were waited for one after another. */
  upstreamCalls: number;
  sequentialCalls: number;
  /** sequentialCalls × the injected latency: what the request cannot be faster than. */
  dependencyMs: number;
  p50Ratio: number;
  p95Ratio: number;
  /**
   * Azurite table calls per request (ledger, idempotency, audit), the time they took (their union, ms) and how many
   * steps one after another Graph, Key Vault and table calls make together. No latency is injected into Azurite, so
   * these are left out of dependencyMs: their time is part of what the ratio calls overhead.
   */
  ledgerCalls: number;
  ledgerMs: number;
  sequentialCallsWithLedger: number;
}

/**
 * Sends `count` requests one after another with `latencyMs` on every Graph and Key Vault call (set by the caller) and
 * relates each one's latency to the Graph and Key Vault calls it waited for in sequence (calls made side by side
 * count once), timed in-process.
 */
export async function measureOverhead(
  target: BenchTarget,
  operation: Operation,
  count: number,
  latencyMs: number,
): Promise<Overhead> {
  const latencies: number[] = [];
  const upstream: number[] = [];
  const sequential: number[] = [];
  const ledgerCalls: number[] = [];
  const ledgerMs: number[] = [];
  const withLedger: number[] = [];
  const { graph, keyVault } = target.sandbox.emulators.services;
  for (let i = 0; i < count; i++) {
    const logged = graph.requestLog.length + keyVault.requestLog.length;
    const started = performance.now();
    await send(operation);
    const ended = performance.now();
    latencies.push(ended - started);
    const calls = target.recorder.since(started).filter((call: UpstreamCall) => call.started < ended);
    const dependencies = calls.filter((call) => call.target === 'graph' || call.target === 'keyVault');
    const ledger = calls.filter((call) => call.target === 'ledger');
    // The emulators' logs are the count; the in-process record only says which of those calls overlapped.
    const counted = graph.requestLog.length + keyVault.requestLog.length - logged;
    if (counted !== dependencies.length)
      console.warn(`  (request ${i}: the emulators logged ${counted} calls, this process saw ${dependencies.length})`);
    upstream.push(counted);
    sequential.push(sequentialSteps(dependencies));
    ledgerCalls.push(ledger.length);
    ledgerMs.push(busyMs(ledger));
    withLedger.push(sequentialSteps([...dependencies, ...ledger]));
    target.recorder.clear();
  }
  latencies.sort((a, b) => a - b);
  const sequentialCalls = median(sequential);
  const dependencyMs = sequentialCalls * latencyMs;
  const p50Ms = percentile(latencies, 50);
  const p95Ms = percentile(latencies, 95);
  return {
    p50Ms,
    p95Ms,
    upstreamCalls: median(upstream),
    sequentialCalls,
    dependencyMs,
    p50Ratio: p50Ms / dependencyMs,
    p95Ratio: p95Ms / dependencyMs,
    ledgerCalls: median(ledgerCalls),
    ledgerMs: median(ledgerMs),
    sequentialCallsWithLedger: median(withLedger),
  };
}
