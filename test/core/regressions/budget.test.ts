// Regression found by the ingest benchmark: a tiny burn rate forecast a date past the end of representable time.
import { describe, expect, it } from 'vitest';
import { updateBudget } from '../../../functions/core/genai/budget';
import { parseGenaiConfig } from '../../../functions/core/genai/config';

describe('fixed: budget forecast beyond the representable date range', () => {
  it('treats an astronomically distant forecast as no forecast instead of throwing', () => {
    const config = parseGenaiConfig({ budgets: [{ name: 'b', counts: 'tokens', limit: 1e300, period: 'month' }] });
    const budget = config.budgets[0]!;
    const now = Date.parse('2026-11-27T12:00:00Z');
    const points = [{ metric: 'InputTokenCount', dimensions: {}, t: now - 60_000, value: 1 }];
    const out = updateBudget(undefined, budget, points, now);
    expect(out.forecastExhaustAt).toBeUndefined();
    expect(out.alert).toBeUndefined();
  });
});
