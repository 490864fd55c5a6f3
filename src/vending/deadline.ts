import { Clock } from './ports';

/**
 * How long one call (and its retries) may take: `signal` aborts a call in flight, and no retry starts that would end
 * after `endsAt`. Adapters hand the signal to every SDK call (Graph's fetch and its token request, Key Vault, Tables).
 */
export interface CallBudget {
  readonly signal: AbortSignal;
  /** Epoch milliseconds by the services' clock; `Infinity` for no limit. */
  readonly endsAt: number;
}

/**
 * The time of one request. Forward steps run within `forward`, which ends at the request's deadline; undo steps (a
 * rollback) and the steps that finish a change already made (a revocation once the credential is gone) run within
 * `compensation()`, which starts when first asked for and outlives the deadline, so a rollback is not cut short by the
 * very deadline that caused it.
 */
export interface RequestDeadline {
  readonly forward: CallBudget;
  compensation(): CallBudget;
  /** Stops the timers (the request is answered). */
  dispose(): void;
}

/** Request deadlines of this deployment: forward work, then compensation. */
export interface DeadlineSettings {
  deadlineMs: number;
  compensationMs: number;
}

/** Why a signal of a {@link RequestDeadline} aborted: `reason` of the signal. */
export class BudgetElapsed extends Error {
  constructor(readonly phase: 'deadline' | 'compensation') {
    super(`the request's ${phase} budget elapsed`);
    this.name = 'BudgetElapsed';
  }
}

const never = new AbortController().signal;

/** No limit: for work outside a request, and tests that do not exercise deadlines. */
export const UNLIMITED: CallBudget = Object.freeze({ signal: never, endsAt: Infinity });

/** A deadline that never comes (for callers outside a request, and unit tests). */
export const NO_DEADLINE: RequestDeadline = Object.freeze({
  forward: UNLIMITED,
  compensation: () => UNLIMITED,
  dispose: () => undefined,
});

/**
 * Starts a request's deadline now (by `clock`): its forward budget ends `deadlineMs` from now; its compensation budget,
 * once asked for, `compensationMs` after that moment. The timers are real `setTimeout`s (jest's fake timers drive them
 * in tests) and never keep the process alive.
 */
export function startDeadline(clock: Clock, settings: DeadlineSettings): RequestDeadline {
  const timers: ReturnType<typeof setTimeout>[] = [];
  const budget = (ms: number, phase: BudgetElapsed['phase']): CallBudget => {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(new BudgetElapsed(phase)), ms);
    timer.unref?.();
    timers.push(timer);
    return { signal: controller.signal, endsAt: clock().getTime() + ms };
  };
  const forward = budget(settings.deadlineMs, 'deadline');
  let compensation: CallBudget | undefined;
  return {
    forward,
    compensation: () => (compensation ??= budget(settings.compensationMs, 'compensation')),
    dispose: () => timers.forEach((t) => clearTimeout(t)),
  };
}

/** Milliseconds left in `budget` at `now` (never negative). */
export function remainingMs(budget: CallBudget, now: number): number {
  return Math.max(0, budget.endsAt - now);
}
