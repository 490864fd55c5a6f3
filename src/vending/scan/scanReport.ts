import { Finding, FINDING_CLASSES, FindingClass } from './findings';
import { ScanActionSwitch } from './scanSettings';

/** What started a scan. */
export type ScanTrigger = 'timer' | 'api' | 'cli';

/** Calls made to one upstream, and how long its throttling made us wait. */
export interface UpstreamUsage {
  /** HTTP requests sent, retries included. */
  calls: number;
  /** Answers that asked us to slow down (429, 503). */
  throttled: number;
  /** Time spent waiting before retries, in ms (Retry-After honoured, or backoff). */
  waitMs: number;
}

/** The Graph and Key Vault usage of a scan. */
export interface ScanUsage {
  graph: UpstreamUsage;
  keyVault: UpstreamUsage;
}

/** The report of one scan run: kept in storage (the last one served by `GET /api/scans/latest`), never a secret. */
export interface ScanReport {
  runId: string;
  trigger: ScanTrigger;
  dryRun: boolean;
  startedAt: string;
  finishedAt: string;
  durationMs: number;
  /**
   * The owned applications read, their password credentials and key credentials, and the product's secrets and
   * certificates in the vault.
   */
  applications: number;
  credentials: number;
  keyCredentials: number;
  vaultSecrets: number;
  vaultCertificates: number;
  /** Credentials and versions per class (healthy included). */
  counts: Record<FindingClass, number>;
  /** Findings by outcome of their action. */
  outcomes: Record<string, number>;
  /** Every finding: each non-healthy credential or version, and each healthy one the scan acted on. */
  findings: Finding[];
  events: { published: number; failed: number };
  usage: ScanUsage;
  /** The switches this run had on (none in a dry run), grace and overlap. */
  settings: { actions: ScanActionSwitch[]; graceDays: number; rotationOverlapDays: number };
}

/** Zero for every class. */
export function emptyCounts(): Record<FindingClass, number> {
  return Object.fromEntries(FINDING_CLASSES.map((c) => [c, 0])) as Record<FindingClass, number>;
}

/** `after − before`, per upstream. */
export function usageBetween(before: ScanUsage, after: ScanUsage): ScanUsage {
  const minus = (a: UpstreamUsage, b: UpstreamUsage): UpstreamUsage => ({
    calls: a.calls - b.calls,
    throttled: a.throttled - b.throttled,
    waitMs: a.waitMs - b.waitMs,
  });
  return { graph: minus(after.graph, before.graph), keyVault: minus(after.keyVault, before.keyVault) };
}

/** A report without its findings: what a log line or a terminal summary shows. */
export function summarizeReport(report: ScanReport): Omit<ScanReport, 'findings'> & { findings: number } {
  return { ...report, findings: report.findings.length };
}
