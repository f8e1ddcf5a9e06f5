// Metric kinds: the Bedrock runtime metrics as AWS documents them, derived signals, and app-described custom series.
import { describe, expect, it } from 'vitest';
import {
  BEDROCK_METRIC_NAMES,
  BEDROCK_METRICS,
  BEDROCK_MODEL_DIMENSION,
  BEDROCK_NAMESPACE,
  DERIVED_METRIC_NAMES,
  metricKind,
} from '../../../functions/core/genai/metric-kinds';

describe('Bedrock runtime metrics', () => {
  it('are the seven AWS/Bedrock runtime metrics by ModelId', () => {
    // Assess
    expect(BEDROCK_NAMESPACE).toBe('AWS/Bedrock');
    expect(BEDROCK_MODEL_DIMENSION).toBe('ModelId');
    expect([...BEDROCK_METRIC_NAMES].sort()).toEqual(
      [
        'Invocations',
        'InputTokenCount',
        'OutputTokenCount',
        'InvocationLatency',
        'InvocationThrottles',
        'InvocationClientErrors',
        'InvocationServerErrors',
      ].sort(),
    );
  });

  it.each([
    ['Invocations', 'Count', 'Sum', 'both'],
    ['InputTokenCount', 'Count', 'Sum', 'up'],
    ['OutputTokenCount', 'Count', 'Sum', 'up'],
    ['InvocationLatency', 'Milliseconds', 'Average', 'up'],
    ['InvocationThrottles', 'Count', 'Sum', 'up'],
    ['InvocationClientErrors', 'Count', 'Sum', 'up'],
    ['InvocationServerErrors', 'Count', 'Sum', 'up'],
  ] as const)('%s is %s, read as %s, bad when it goes %s', (name, unit, statistic, bad) => {
    // Act
    const kind = BEDROCK_METRICS[name];

    // Assess
    expect(kind).toMatchObject({ name, unit, statistic, bad, origin: 'bedrock' });
  });
});

describe('metricKind', () => {
  it('knows Bedrock and derived metrics by name', () => {
    // Act
    const kinds = [...BEDROCK_METRIC_NAMES, ...DERIVED_METRIC_NAMES].map((n) => metricKind(n));

    // Assess
    expect(kinds.every((k) => k !== undefined)).toBe(true);
    expect(metricKind('CostPerHour')).toMatchObject({ unit: 'USD/Hour', origin: 'derived', bad: 'up' });
  });

  it('describes an app series from its declaration, with defaults for what it leaves out', () => {
    // Act
    const ttft = metricKind('TimeToFirstToken', [{ name: 'TimeToFirstToken', unit: 'Milliseconds', bad: 'up' }]);
    const bare = metricKind('Satisfaction', [{ name: 'Satisfaction' }]);

    // Assess
    expect(ttft).toEqual({
      name: 'TimeToFirstToken',
      unit: 'Milliseconds',
      statistic: 'Average',
      bad: 'up',
      origin: 'custom',
      description: '',
    });
    expect(bare).toMatchObject({ unit: 'None', statistic: 'Average', bad: 'both' });
  });

  it('lets an app redefine a known name for itself and knows nothing of undeclared names', () => {
    // Assess
    expect(metricKind('Invocations', [{ name: 'Invocations', bad: 'down' }])?.bad).toBe('down');
    expect(metricKind('Unheard')).toBeUndefined();
    expect(metricKind('toString')).toBeUndefined();
  });
});
