// Token and cost budgets for ingest-metrics: spend per period, burn rate, forecast of exhaustion, budget-burn alerts.
import { type Alert, makeAlert } from '../alert';
import { matchesLabels } from '../matchers';
import type { MetricPoint } from '../metrics/points';
import { legacySeriesKey, seriesKey } from '../metrics/points';
import type { Budget } from './config';
import { DERIVED_LABEL } from './signals';

const HOUR_MS = 3_600_000;
/** Series remembered for redelivery detection; a budget over more series forgets the oldest first. */
export const MAX_SEEN_SERIES = 500;
const MAX_DATE_MS = 8.64e15;

/** What one budget keeps between batches (one small item, typically well under 1 KB plus ~60 B per series). */
export interface BudgetState {
  v: 1;
  period: Budget['period'];
  /** Start (epoch ms, UTC) of the period `spent` belongs to. */
  periodStart: number;
  spent: number;
  /** Exponentially weighted burn rate (units per hour) as of `rateAt` (event time, epoch ms). */
  rate: number;
  rateAt: number | null;
  /** Newest point time counted, per series: points at or before it are redeliveries and are not counted again. */
  seen: Record<string, number>;
  /** ISO time the budget alert started firing; null while it is not firing. */
  firingSince: string | null;
}

export interface BudgetOutcome {
  state: BudgetState;
  /** Spent in the current period: USD (cost budgets) or tokens. */
  spent: number;
  burnRatePerHour: number;
  /** ISO time the budget runs out at the current burn rate; now when already spent; absent when nothing burns. */
  forecastExhaustAt?: string;
  /** Present only on a change: firing when exhaustion is forecast inside the period, resolved when it no longer is. */
  alert?: Alert;
  /** Points counted by this call (new, matching, inside the period). */
  counted: number;
}

export const BUDGET_ALERTNAMES = { cost: 'CostBudgetBurn', tokens: 'TokenBudgetBurn' } as const;

/**
 * Key under which a budget's state is stored (the series-state item of the Store port). It starts with `{`, which no
 * series key does unescaped (seriesKey), so no metric can share it.
 */
export function budgetStateKey(budget: Pick<Budget, 'name'>): string {
  return `{budget}${budget.name}`;
}

/** Where budget state was kept before: a dimensionless metric named `budget:<name>` could share it. Read once. */
export function legacyBudgetStateKey(budget: Pick<Budget, 'name'>): string {
  return `budget:${budget.name}`;
}

/** Whether a point feeds the budget: derived Cost points for cost budgets, raw token counts for token budgets. */
export function budgetCounts(budget: Pick<Budget, 'counts' | 'match'>, point: MetricPoint): boolean {
  const derived = point.dimensions[DERIVED_LABEL] === 'true';
  if (budget.counts === 'cost') {
    if (point.metric !== 'Cost' || !derived) return false;
  } else if ((point.metric !== 'InputTokenCount' && point.metric !== 'OutputTokenCount') || derived) {
    return false;
  }
  return matchesLabels(budget.match, { ...point.dimensions, metric: point.metric });
}

/** [start, end) of the UTC calendar day or month holding `ms`. */
export function periodBounds(period: Budget['period'], ms: number): { start: number; end: number } {
  const d = new Date(ms);
  const y = d.getUTCFullYear();
  const m = d.getUTCMonth();
  if (period === 'month') return { start: Date.UTC(y, m, 1), end: Date.UTC(y, m + 1, 1) };
  const day = d.getUTCDate();
  return { start: Date.UTC(y, m, day), end: Date.UTC(y, m, day + 1) };
}

function isState(value: unknown): value is BudgetState {
  const s = value as Partial<BudgetState> | null;
  return (
    typeof s === 'object' &&
    s !== null &&
    s.v === 1 &&
    (s.period === 'day' || s.period === 'month') &&
    Number.isFinite(s.periodStart) &&
    Number.isFinite(s.spent) &&
    Number.isFinite(s.rate) &&
    (s.rateAt === null || Number.isFinite(s.rateAt)) &&
    typeof s.seen === 'object' &&
    s.seen !== null &&
    Object.values(s.seen).every((t) => Number.isFinite(t)) &&
    (s.firingSince === null || typeof s.firingSince === 'string')
  );
}

function freshState(budget: Budget, periodStart: number, carry?: BudgetState): BudgetState {
  return {
    v: 1,
    period: budget.period,
    periodStart,
    spent: 0,
    // The burn rate describes usage, not the period: it carries over a rollover, so a heavy burn is seen at once.
    rate: carry?.rate ?? 0,
    rateAt: carry?.rateAt ?? null,
    seen: {},
    firingSince: carry?.firingSince ?? null,
  };
}

function decayed(rate: number, fromMs: number | null, toMs: number, tauMs: number): number {
  if (fromMs === null || toMs <= fromMs) return rate;
  return rate * Math.exp(-(toMs - fromMs) / tauMs);
}

/**
 * Adds a batch's points to a budget and decides its alert.
 * - Spend is the sum of matching points inside the current UTC period; a point whose series already had a point at
 *   or after its time is a redelivery and is skipped, so at-least-once delivery never counts twice.
 * - The burn rate is an exponentially weighted rate (time constant `burnWindow`) over the points' own times, decayed to
 *   `nowMs`; the forecast is `now + (limit − spent) / rate`.
 * - Fires when the budget is spent or the forecast falls before the period ends; resolves when the forecast is back
 *   past the period's end (a rollover resets the spend, so it usually resolves then).
 * Stored state that is not a budget state (corrupt, another version) is replaced by a fresh one.
 */
export function updateBudget(
  state: BudgetState | undefined,
  budget: Budget,
  points: readonly MetricPoint[],
  nowMs: number,
): BudgetOutcome {
  const { start, end } = periodBounds(budget.period, nowMs);
  const prior = isState(state) && state.period === budget.period ? state : undefined;
  const next: BudgetState =
    prior && prior.periodStart === start
      ? { ...prior, seen: { ...prior.seen } }
      : freshState(budget, start, prior && prior.periodStart < start ? prior : undefined);
  const priorSeen = { ...next.seen };

  const counted: { t: number; value: number }[] = [];
  for (const p of points) {
    if (!budgetCounts(budget, p) || p.t < start || p.t >= end || !Number.isFinite(p.value)) continue;
    const key = seriesKey(p.metric, p.dimensions);
    // Marks written before keys were escaped stay under the old key for the rest of their period.
    const last = priorSeen[key] ?? priorSeen[legacySeriesKey(p.metric, p.dimensions)];
    if (last !== undefined && p.t <= last) continue;
    counted.push({ t: p.t, value: p.value });
    next.seen[key] = Math.max(next.seen[key] ?? Number.NEGATIVE_INFINITY, p.t);
  }
  counted.sort((a, b) => a.t - b.t);

  const tauMs = budget.burnWindow;
  for (const { t, value } of counted) {
    next.spent += value;
    if (next.rateAt === null || t > next.rateAt) {
      next.rate = decayed(next.rate, next.rateAt, t, tauMs);
      next.rateAt = t;
    }
    next.rate += value / (tauMs / HOUR_MS);
  }
  pruneSeen(next.seen);

  const burnRatePerHour = decayed(next.rate, next.rateAt, nowMs, tauMs);
  const remaining = budget.limit - next.spent;
  let forecastMs: number | undefined;
  if (remaining <= 0) forecastMs = nowMs;
  else if (burnRatePerHour > 0) forecastMs = nowMs + (remaining / burnRatePerHour) * HOUR_MS;
  // A trickle of spend forecasts past the end of representable time (Date's ±8.64e15 ms): that is "never".
  if (forecastMs !== undefined && !(Math.abs(forecastMs) <= MAX_DATE_MS)) forecastMs = undefined;
  const firing = remaining <= 0 || (forecastMs !== undefined && forecastMs < end);

  const nowIso = new Date(nowMs).toISOString();
  const outcome: BudgetOutcome = { state: next, spent: next.spent, burnRatePerHour, counted: counted.length };
  if (forecastMs !== undefined) outcome.forecastExhaustAt = new Date(forecastMs).toISOString();

  const context = { budget, spent: next.spent, rate: burnRatePerHour, forecastMs, periodEnd: end };
  if (firing && next.firingSince === null) {
    next.firingSince = nowIso;
    outcome.alert = budgetAlert('firing', nowIso, undefined, context);
  } else if (!firing && next.firingSince !== null) {
    outcome.alert = budgetAlert('resolved', next.firingSince, nowIso, context);
    next.firingSince = null;
  }
  return outcome;
}

function pruneSeen(seen: Record<string, number>): void {
  const keys = Object.keys(seen);
  if (keys.length <= MAX_SEEN_SERIES) return;
  keys.sort((a, b) => (seen[a] as number) - (seen[b] as number));
  for (const k of keys.slice(0, keys.length - MAX_SEEN_SERIES)) delete seen[k];
}

interface AlertContext {
  budget: Budget;
  spent: number;
  rate: number;
  forecastMs: number | undefined;
  periodEnd: number;
}

function amount(counts: Budget['counts'], n: number): string {
  if (counts === 'cost') return `$${n >= 100 ? n.toFixed(0) : n >= 1 ? n.toFixed(2) : n.toPrecision(3)}`;
  return `${Math.round(n).toLocaleString('en-US')} tokens`;
}

function budgetAlert(
  status: 'firing' | 'resolved',
  startsAt: string,
  endsAt: string | undefined,
  c: AlertContext,
): Alert {
  const { budget } = c;
  const what = budget.counts === 'cost' ? 'Cost' : 'Token';
  const periodEndIso = new Date(c.periodEnd).toISOString();
  const forecastIso = c.forecastMs === undefined ? 'never at the current rate' : new Date(c.forecastMs).toISOString();
  const spentText = `${amount(budget.counts, c.spent)} of ${amount(budget.counts, budget.limit)}`;
  const rateText = `${amount(budget.counts, c.rate)}/h`;
  const summary =
    status === 'resolved'
      ? `${what} budget ${budget.name} is back on track for this ${budget.period}`
      : c.spent >= budget.limit
        ? `${what} budget ${budget.name} is spent for this ${budget.period}`
        : `${what} budget ${budget.name} runs out before the ${budget.period} ends`;
  const description =
    status === 'resolved'
      ? `Spent ${spentText}; burning ${rateText}; forecast to run out ${c.forecastMs === undefined ? 'never at this rate' : `at ${forecastIso}`}, after the ${budget.period} ends (${periodEndIso}).`
      : `Spent ${spentText}; burning ${rateText}; forecast to run out at ${forecastIso}, before the ${budget.period} ends (${periodEndIso}).`;
  const draft = {
    status,
    severity: budget.severity,
    source: 'detector' as const,
    labels: {
      alertname: BUDGET_ALERTNAMES[budget.counts],
      budget: budget.name,
      period: budget.period,
    },
    annotations: {
      summary,
      description,
      spent: round(c.spent),
      limit: round(budget.limit),
      burn_rate_per_hour: round(c.rate),
      forecast_exhaust_at: c.forecastMs === undefined ? 'never' : new Date(c.forecastMs).toISOString(),
      period_end: periodEndIso,
      unit: budget.counts === 'cost' ? 'USD' : 'tokens',
    },
    startsAt,
  };
  return makeAlert(endsAt === undefined ? draft : { ...draft, endsAt });
}

function round(n: number): string {
  return String(Number(n.toPrecision(6)));
}
