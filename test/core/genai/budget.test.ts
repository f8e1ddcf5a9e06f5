// Budget burn: spend per UTC period, an exponentially weighted burn rate, the exhaustion forecast and its alert.
import { describe, expect, it } from 'vitest';
import {
  type BudgetState,
  budgetStateKey,
  legacyBudgetStateKey,
  MAX_SEEN_SERIES,
  periodBounds,
  updateBudget,
} from '../../../functions/core/genai/budget';
import { type Budget, parseGenaiConfig } from '../../../functions/core/genai/config';
import type { MetricPoint } from '../../../functions/core/metrics/points';
import { legacySeriesKey, seriesKey } from '../../../functions/core/metrics/points';

const HAIKU = 'anthropic.claude-3-haiku-20240307-v1:0';
const DAY = Date.parse('2026-11-27T00:00:00Z');
const MIN = 60_000;
const HOUR = 3_600_000;

function budget(overrides: Record<string, unknown> = {}): Budget {
  const config = parseGenaiConfig({
    budgets: [{ name: 'chat-daily', counts: 'cost', limit: 100, period: 'day', severity: 'critical', ...overrides }],
  });
  return config.budgets[0]!;
}

/** Derived Cost points, one a minute from `from`, `usd` each. */
function costs(
  minutes: number,
  usd: number,
  from = DAY,
  dims: Record<string, string> = { ModelId: HAIKU },
): MetricPoint[] {
  return Array.from({ length: minutes }, (_, i) => ({
    metric: 'Cost',
    dimensions: { ...dims, derived: 'true' },
    t: from + i * MIN,
    value: usd,
    unit: 'USD',
  }));
}

describe('updateBudget', () => {
  it('stays quiet while the forecast ends after the period', () => {
    // Act: $0.01 a minute against $100 a day.
    const out = updateBudget(undefined, budget(), costs(60, 0.01), DAY + HOUR);

    // Assess
    expect(out.spent).toBeCloseTo(0.6, 10);
    expect(out.alert).toBeUndefined();
    expect(out.burnRatePerHour).toBeGreaterThan(0.3);
    expect(out.burnRatePerHour).toBeLessThan(0.6);
    expect(Date.parse(out.forecastExhaustAt!)).toBeGreaterThan(periodBounds('day', DAY).end);
    expect(out.counted).toBe(60);
  });

  it('fires when the forecast runs out before the period ends, saying spent, limit, rate and forecast', () => {
    // Prepare: $0.50 a minute → $30 an hour against $100 a day.
    const now = DAY + HOUR;

    // Act
    const out = updateBudget(undefined, budget(), costs(60, 0.5), now);

    // Assess
    const forecast = Date.parse(out.forecastExhaustAt!);
    expect(out.spent).toBeCloseTo(30, 10);
    expect(forecast).toBeGreaterThan(now);
    expect(forecast).toBeLessThan(periodBounds('day', now).end);
    expect(out.alert).toMatchObject({
      status: 'firing',
      severity: 'critical',
      source: 'detector',
      labels: { alertname: 'CostBudgetBurn', budget: 'chat-daily', period: 'day', source: 'detector' },
      annotations: {
        spent: '30',
        limit: '100',
        forecast_exhaust_at: out.forecastExhaustAt,
        period_end: '2026-11-28T00:00:00.000Z',
        unit: 'USD',
      },
      startsAt: new Date(now).toISOString(),
    });
    expect(Number(out.alert!.annotations['burn_rate_per_hour'])).toBeCloseTo(out.burnRatePerHour, 4);
    expect(out.alert!.annotations['summary']).toBe('Cost budget chat-daily runs out before the day ends');
    expect(out.state.firingSince).toBe(new Date(now).toISOString());
  });

  it('sends one firing alert per episode, not one per batch', () => {
    // Prepare
    const first = updateBudget(undefined, budget(), costs(60, 0.5), DAY + HOUR);

    // Act
    const second = updateBudget(first.state, budget(), costs(5, 0.5, DAY + HOUR), DAY + HOUR + 5 * MIN);

    // Assess
    expect(first.alert?.status).toBe('firing');
    expect(second.alert).toBeUndefined();
    expect(second.state.firingSince).toBe(first.state.firingSince);
  });

  it('resolves when spending stops and the forecast moves past the period end', () => {
    // Prepare
    const firing = updateBudget(undefined, budget(), costs(60, 0.5), DAY + HOUR);

    // Act: nothing more for six hours.
    const later = DAY + 7 * HOUR;
    const out = updateBudget(firing.state, budget(), [], later);

    // Assess
    expect(out.spent).toBeCloseTo(30, 10);
    expect(out.alert).toMatchObject({
      status: 'resolved',
      fingerprint: firing.alert!.fingerprint,
      startsAt: firing.alert!.startsAt,
      endsAt: new Date(later).toISOString(),
    });
    expect(out.state.firingSince).toBeNull();
  });

  it('fires at once when the budget is already spent', () => {
    // Act
    const out = updateBudget(undefined, budget({ limit: 5 }), costs(10, 1), DAY + 10 * MIN);

    // Assess
    expect(out.forecastExhaustAt).toBe(new Date(DAY + 10 * MIN).toISOString());
    expect(out.alert?.status).toBe('firing');
    expect(out.alert?.annotations['summary']).toBe('Cost budget chat-daily is spent for this day');
  });

  it('counts a redelivered batch once', () => {
    // Prepare
    const batch = costs(30, 0.2);
    const first = updateBudget(undefined, budget(), batch, DAY + 30 * MIN);

    // Act
    const again = updateBudget(first.state, budget(), batch, DAY + 31 * MIN);
    const overlapping = updateBudget(again.state, budget(), costs(40, 0.2), DAY + 41 * MIN);

    // Assess
    expect(again.counted).toBe(0);
    expect(again.spent).toBeCloseTo(6, 10);
    expect(overlapping.counted).toBe(10);
    expect(overlapping.spent).toBeCloseTo(8, 10);
  });

  it('counts a batch redelivered across the series-key change once (marks under the old key still hold)', () => {
    // Prepare: a series whose dimensions hold key delimiters, counted when marks were kept under unescaped keys.
    const dims = { ModelId: HAIKU, route: '/chat?a=1,b=2' };
    const batch = costs(30, 0.2, DAY, dims);
    const first = updateBudget(undefined, budget(), batch, DAY + 30 * MIN);
    const key = seriesKey('Cost', { ...dims, derived: 'true' });
    const legacy = legacySeriesKey('Cost', { ...dims, derived: 'true' });
    const asBefore = { ...first.state, seen: { [legacy]: first.state.seen[key] as number } };

    // Act
    const again = updateBudget(asBefore, budget(), batch, DAY + 31 * MIN);

    // Assess
    expect(legacy).not.toBe(key);
    expect(again.counted).toBe(0);
    expect(again.spent).toBeCloseTo(6, 10);
  });

  it('resets the spend at the period rollover and ignores points of the past period', () => {
    // Prepare: spent out on day one.
    const dayOne = updateBudget(undefined, budget({ limit: 10 }), costs(60, 0.5, DAY + 20 * HOUR), DAY + 21 * HOUR);
    const nextDay = DAY + 24 * HOUR + 6 * HOUR;

    // Act: a late point of day one and a small one of day two.
    const late = costs(1, 50, DAY + 23 * HOUR);
    const out = updateBudget(dayOne.state, budget({ limit: 10 }), [...late, ...costs(1, 0.1, nextDay - MIN)], nextDay);

    // Assess
    expect(dayOne.alert?.status).toBe('firing');
    expect(out.state.periodStart).toBe(DAY + 24 * HOUR);
    expect(out.spent).toBeCloseTo(0.1, 10);
    expect(out.alert?.status).toBe('resolved');
  });

  it('keeps a heavy burn across the rollover: a new period that will run out fires at once', () => {
    // Prepare: the last hour of a day burning $30/h against $100 a day.
    const dayOne = updateBudget(undefined, budget(), costs(60, 0.5, DAY + 23 * HOUR), DAY + 24 * HOUR - 1);

    // Act
    const out = updateBudget(dayOne.state, budget(), costs(5, 0.5, DAY + 24 * HOUR), DAY + 24 * HOUR + 5 * MIN);

    // Assess
    expect(dayOne.alert).toBeUndefined();
    expect(out.spent).toBeCloseTo(2.5, 10);
    expect(out.alert?.status).toBe('firing');
  });

  it('counts input and output tokens for token budgets, only where the matchers hold', () => {
    // Prepare
    const tokens = budget({ name: 'chat-tokens', counts: 'tokens', limit: 1_000_000, match: { service: 'chat-api' } });
    const t = DAY + HOUR;
    const points: MetricPoint[] = [
      { metric: 'InputTokenCount', dimensions: { ModelId: HAIKU, service: 'chat-api' }, t, value: 1000 },
      { metric: 'OutputTokenCount', dimensions: { ModelId: HAIKU, service: 'chat-api' }, t, value: 250 },
      { metric: 'OutputTokenCount', dimensions: { ModelId: HAIKU, service: 'search' }, t, value: 99_999 },
      { metric: 'Invocations', dimensions: { ModelId: HAIKU, service: 'chat-api' }, t, value: 7 },
      { metric: 'Cost', dimensions: { ModelId: HAIKU, service: 'chat-api', derived: 'true' }, t, value: 3 },
    ];

    // Act
    const out = updateBudget(undefined, tokens, points, t + MIN);

    // Assess
    expect(out.spent).toBe(1250);
    expect(out.counted).toBe(2);
  });

  it('raises TokenBudgetBurn for token budgets', () => {
    // Act
    const out = updateBudget(
      undefined,
      budget({ counts: 'tokens', limit: 1000 }),
      [{ metric: 'InputTokenCount', dimensions: { ModelId: HAIKU }, t: DAY, value: 5000 }],
      DAY + MIN,
    );

    // Assess
    expect(out.alert?.labels['alertname']).toBe('TokenBudgetBurn');
    expect(out.alert?.annotations['unit']).toBe('tokens');
    expect(out.alert?.annotations['description']).toContain('5,000 tokens of 1,000 tokens');
  });

  it('does not count an app-sent Cost series, only the derived one', () => {
    // Act
    const out = updateBudget(
      undefined,
      budget(),
      [{ metric: 'Cost', dimensions: { ModelId: HAIKU }, t: DAY, value: 1000 }],
      DAY + MIN,
    );

    // Assess
    expect(out.spent).toBe(0);
  });

  it('starts over from state that is not a budget state, or one of another period kind', () => {
    // Prepare
    const corrupt = { v: 1, spent: 'lots' } as unknown as BudgetState;
    const monthly = updateBudget(undefined, budget({ period: 'month' }), costs(1, 7), DAY + MIN).state;

    // Act
    const fromCorrupt = updateBudget(corrupt, budget(), costs(1, 1), DAY + MIN);
    const fromMonthly = updateBudget(monthly, budget(), costs(1, 1), DAY + MIN);

    // Assess
    expect(fromCorrupt.spent).toBe(1);
    expect(fromMonthly.spent).toBe(1);
  });

  it('keeps a compact state that survives a JSON round trip with the same result', () => {
    // Prepare
    const dims = Array.from({ length: 20 }, (_, i) => ({ ModelId: `model-${i}`, service: 'chat-api' }));
    const first = updateBudget(
      undefined,
      budget(),
      dims.flatMap((d) => costs(10, 0.01, DAY, d)),
      DAY + 10 * MIN,
    );
    const stored = JSON.stringify(first.state);
    const next = dims.flatMap((d) => costs(5, 0.01, DAY + 10 * MIN, d));

    // Act
    const direct = updateBudget(first.state, budget(), next, DAY + 15 * MIN);
    const revived = updateBudget(JSON.parse(stored) as BudgetState, budget(), next, DAY + 15 * MIN);

    // Assess
    expect(stored.length).toBeLessThan(4096);
    expect(revived).toEqual(direct);
  });

  it(`remembers at most ${MAX_SEEN_SERIES} series, forgetting the oldest`, () => {
    // Prepare
    const many = Array.from(
      { length: MAX_SEEN_SERIES + 10 },
      (_, i) => costs(1, 0.001, DAY + i, { ModelId: `m-${i}` })[0]!,
    );

    // Act
    const out = updateBudget(undefined, budget(), many, DAY + HOUR);

    // Assess
    expect(Object.keys(out.state.seen)).toHaveLength(MAX_SEEN_SERIES);
    expect(out.state.seen['Cost{ModelId=m-0,derived=true}']).toBeUndefined();
  });

  it('names its state item after the budget, apart from every series key', () => {
    expect(budgetStateKey(budget())).toBe('{budget}chat-daily');
    expect(legacyBudgetStateKey(budget())).toBe('budget:chat-daily');
    // A dimensionless metric named like the old key no longer shares the budget's item.
    expect(seriesKey('{budget}chat-daily', {})).not.toBe(budgetStateKey(budget()));
  });
});

describe('periodBounds', () => {
  it.each([
    ['day', '2026-11-27T13:45:00Z', '2026-11-27T00:00:00.000Z', '2026-11-28T00:00:00.000Z'],
    ['month', '2026-11-27T13:45:00Z', '2026-11-01T00:00:00.000Z', '2026-12-01T00:00:00.000Z'],
    ['month', '2026-12-31T23:59:59Z', '2026-12-01T00:00:00.000Z', '2027-01-01T00:00:00.000Z'],
    ['month', '2028-02-29T12:00:00Z', '2028-02-01T00:00:00.000Z', '2028-03-01T00:00:00.000Z'],
    ['day', '2026-12-31T23:59:59Z', '2026-12-31T00:00:00.000Z', '2027-01-01T00:00:00.000Z'],
  ] as const)('%s of %s is [%s, %s)', (period, at, start, end) => {
    // Act
    const bounds = periodBounds(period, Date.parse(at));

    // Assess
    expect(new Date(bounds.start).toISOString()).toBe(start);
    expect(new Date(bounds.end).toISOString()).toBe(end);
  });
});
