import { describe, expect, it } from 'vitest';
import { groupBySeries, type MetricPoint, parsePointBatch, seriesKey } from '../../../functions/core/metrics/points';
import { validationIssues } from '../../helpers/errors';

const GOOD = { metric: 'InputTokens', dimensions: { model: 'claude', region: 'us-east-1' }, value: 1200 };

describe('parsePointBatch', () => {
  it('accepts ISO-8601 times with a zone and epoch milliseconds', () => {
    // Act
    const { points, rejected } = parsePointBatch({
      points: [
        { ...GOOD, timestamp: '2026-11-27T10:00:00Z' },
        { ...GOOD, timestamp: '2026-11-27T12:00:00.250+02:00' },
        { ...GOOD, timestamp: 1_795_773_600_000, unit: 'Count' },
      ],
    });

    // Assess
    expect(rejected).toEqual([]);
    expect(points.map((p) => p.t)).toEqual([
      Date.parse('2026-11-27T10:00:00Z'),
      Date.parse('2026-11-27T10:00:00.250Z'),
      1_795_773_600_000,
    ]);
    expect(points[2]).toEqual({
      metric: 'InputTokens',
      dimensions: { model: 'claude', region: 'us-east-1' },
      t: 1_795_773_600_000,
      value: 1200,
      unit: 'Count',
    });
    expect(points[0]).not.toHaveProperty('unit');
  });

  it('defaults dimensions to none', () => {
    const { points } = parsePointBatch({ points: [{ metric: 'Invocations', timestamp: 1_795_773_600_000, value: 1 }] });

    expect(points[0]?.dimensions).toEqual({});
  });

  it.each([
    ['a value that is a string', { value: '12' }, 'points[1].value', 'must be a number'],
    ['a missing value', { value: undefined }, 'points[1].value', 'must be a number'],
    ['an empty metric name', { metric: '' }, 'points[1].metric', 'must not be empty'],
    ['a time without a zone', { timestamp: '2026-11-27T10:00:00' }, 'points[1].timestamp', /ISO-8601 time with a zone/],
    ['a time that is not a time', { timestamp: 'yesterday' }, 'points[1].timestamp', /ISO-8601/],
    ['a negative epoch', { timestamp: -5 }, 'points[1].timestamp', /./],
    ['a fractional epoch', { timestamp: 1.5 }, 'points[1].timestamp', /./],
    ['a bad dimension name', { dimensions: { 'model name': 'x' } }, 'points[1].dimensions.model name', /./],
    ['a dimension value that is not a string', { dimensions: { model: 3 } }, 'points[1].dimensions.model', /./],
    ['an unknown field', { extra: true }, 'points[1]', /extra/],
  ])('rejects %s, naming %s', (_name, change, path, message) => {
    // Prepare
    const bad = { ...GOOD, timestamp: 1_795_773_600_000, ...change };

    // Act
    const { points, rejected } = parsePointBatch({
      points: [{ ...GOOD, timestamp: 1_795_773_600_000 }, bad, { ...GOOD, timestamp: 1_795_773_660_000 }],
    });

    // Assess
    expect(points).toHaveLength(2);
    expect(rejected).toHaveLength(1);
    expect(rejected[0]?.path).toBe(path);
    if (typeof message === 'string') expect(rejected[0]?.message).toBe(message);
    else expect(rejected[0]?.message).toMatch(message);
  });

  it('rejects bad points one by one, one issue each, and keeps the good ones', () => {
    const { points, rejected } = parsePointBatch({
      points: [
        { ...GOOD, timestamp: 1_795_773_600_000 },
        { metric: '', timestamp: 'x', value: 'y' },
        'not a point',
        { ...GOOD, timestamp: 1_795_773_660_000 },
      ],
    });

    expect(points.map((p) => p.t)).toEqual([1_795_773_600_000, 1_795_773_660_000]);
    expect(rejected.map((r) => r.path)).toEqual(['points[1].metric', 'points[2]']);
  });

  it.each([
    ['null', null, '(root)'],
    ['an array', [GOOD], '(root)'],
    ['a string', 'points', '(root)'],
    ['an object without points', { data: [] }, 'points'],
    ['points that are not an array', { points: { 0: GOOD } }, 'points'],
    ['more than 10000 points', { points: Array(10_001).fill(GOOD) }, 'points'],
  ])('throws a ValidationError for a body that is %s', (_name, body, path) => {
    const issues = validationIssues(() => parsePointBatch(body));

    expect(issues.map((i) => i.path)).toEqual([path]);
  });

  it('accepts an empty batch', () => {
    expect(parsePointBatch({ points: [] })).toEqual({ points: [], rejected: [] });
  });
});

describe('seriesKey', () => {
  it('is the metric plus sorted dimensions, whatever their order', () => {
    expect(seriesKey('Latency', { region: 'us-east-1', model: 'claude' })).toBe(
      'Latency{model=claude,region=us-east-1}',
    );
    expect(seriesKey('Latency', { model: 'claude', region: 'us-east-1' })).toBe(
      seriesKey('Latency', { region: 'us-east-1', model: 'claude' }),
    );
  });

  it('is the bare metric without dimensions', () => {
    expect(seriesKey('Invocations', {})).toBe('Invocations');
  });

  it('escapes its delimiters, so two different series never share a key', () => {
    // Prepare: names and values built from the delimiters themselves, the escape, and plain letters.
    const alphabet = ['a', '{', '}', '=', ',', '\\'];
    const texts: string[] = [''];
    for (const t of [...texts]) for (const c of alphabet) texts.push(t + c);
    for (const t of texts.slice(1, 7)) for (const c of alphabet) texts.push(t + c);
    const series: [string, Record<string, string>][] = [];
    for (const m of texts.filter((t) => t.length > 0)) {
      series.push([m, {}]);
      for (const k of texts.slice(0, 12)) series.push([m, { [k]: 'v' }], ['a', { [k]: m }]);
    }
    series.push(['a', { b: 'c', d: 'e' }], ['a', { b: 'c,d=e' }], ['a{b=c}', {}], ['a', { b: 'c' }]);

    // Act
    const keys = new Map<string, string>();
    for (const [metric, dims] of series) {
      const identity = JSON.stringify([metric, Object.entries(dims).sort()]);
      const key = seriesKey(metric, dims);
      // Assess: one key per distinct series, and no key opens with an unescaped brace (budgets' keys do).
      expect(keys.get(key) ?? identity, key).toBe(identity);
      keys.set(key, identity);
      expect(key.startsWith('{'), key).toBe(false);
    }
    expect(seriesKey('a{b=c}', {})).toBe('a\\{b\\=c\\}');
    expect(seriesKey('Latency', { model: 'claude' })).toBe('Latency{model=claude}');
  });

  it('tells different series apart', () => {
    const keys = [
      seriesKey('Latency', {}),
      seriesKey('Latency', { model: 'a' }),
      seriesKey('Latency', { model: 'b' }),
      seriesKey('Errors', { model: 'a' }),
    ];

    expect(new Set(keys).size).toBe(4);
  });
});

describe('groupBySeries', () => {
  it('groups by series and sorts each group by time, keeping arrival order for equal times', () => {
    // Prepare
    const p = (metric: string, model: string, t: number, value: number): MetricPoint => ({
      metric,
      dimensions: { model },
      t,
      value,
    });
    const points = [
      p('Latency', 'a', 30, 1),
      p('Latency', 'b', 10, 2),
      p('Latency', 'a', 10, 3),
      p('Latency', 'a', 10, 4),
    ];

    // Act
    const groups = groupBySeries(points);

    // Assess
    expect([...groups.keys()]).toEqual(['Latency{model=a}', 'Latency{model=b}']);
    expect(groups.get('Latency{model=a}')?.map((x) => [x.t, x.value])).toEqual([
      [10, 3],
      [10, 4],
      [30, 1],
    ]);
    expect(groups.get('Latency{model=b}')).toHaveLength(1);
  });
});
