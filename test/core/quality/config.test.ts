// The `quality` section of runwatch.yml: defaults, durations, and errors that name their path.
import { describe, expect, it } from 'vitest';
import { validateConfig } from '../../../functions/core/config/load';
import { ConfigError, type Issue } from '../../../functions/core/errors';
import { defaultQualityConfig, qualityConfigSchema } from '../../../functions/core/quality/config';

const MINUTE = 60_000;

function configWith(quality: unknown) {
  return validateConfig({ receivers: [{ name: 'oncall', outbox: {} }], quality });
}

function issuesOf(quality: unknown): Issue[] {
  try {
    configWith(quality);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as ConfigError).issues;
  }
  throw new Error('expected a ConfigError');
}

describe('quality config', () => {
  it('has working defaults when the section is absent', () => {
    // Act
    const q = configWith(undefined).quality;

    // Assess
    expect(q).toEqual(defaultQualityConfig());
    expect(q.enabled).toBe(true);
    expect(q.outOfOrder).toEqual({ enabled: true, minPoints: 3, cleanBatches: 3, severity: 'warning' });
    expect(q.resends).toEqual({ match: [] });
    expect(q.duplicates.minPoints).toBe(1);
    expect(q.duplicates.countIdentical).toBe(false);
    expect(q.gap).toMatchObject({ factor: 5, minimum: MINUTE, resolveAfter: 3 });
    expect(q.stale).toMatchObject({ factor: 3, minimum: 15 * MINUTE, unknownInterval: 60 * MINUTE, exclude: [] });
    expect(q.scaleChange).toMatchObject({
      ratio: 100,
      unitFactors: [60, 1000, 1024, 3600],
      sustain: 5,
      acceptAfter: 60,
    });
    expect(q.schemaViolations).toMatchObject({ perBatch: 10, perWindow: 25, window: 15 * MINUTE, cleanBatches: 3 });
  });

  it('reads durations and keeps unset keys at their defaults', () => {
    // Act
    const q = qualityConfigSchema.parse({
      stale: { minimum: '30m', exclude: [{ metric: '~.*Errors' }] },
      gap: { factor: 10 },
      schemaViolations: { window: '1h' },
      resends: { window: '10m' },
    });

    // Assess
    expect(q.stale.minimum).toBe(30 * MINUTE);
    expect(q.stale.factor).toBe(3);
    expect(q.stale.exclude).toEqual([{ metric: '~.*Errors' }]);
    expect(q.gap).toMatchObject({ factor: 10, minimum: MINUTE });
    expect(q.schemaViolations.window).toBe(60 * MINUTE);
    expect(q.resends.window).toBe(10 * MINUTE);
  });

  it.each([
    [{ gap: { factor: 1 } }, 'quality.gap.factor'],
    [{ stale: { minimum: '15 minutes' } }, 'quality.stale.minimum'],
    [{ stale: { exclude: [{ metric: '~(' }] } }, 'quality.stale.exclude[0].metric'],
    [{ scaleChange: { unitFactors: [1000, 0.001] } }, 'quality.scaleChange.unitFactors[1]'],
    [{ scaleChange: { sustain: 10, acceptAfter: 10 } }, 'quality.scaleChange.acceptAfter'],
    [{ outOfOrder: { minPoints: 0 } }, 'quality.outOfOrder.minPoints'],
    [{ schemaViolations: { severity: 'page' } }, 'quality.schemaViolations.severity'],
    [{ gaps: {} }, 'quality'],
    [{ duplicates: { countIdentcal: true } }, 'quality.duplicates'],
  ])('rejects %j naming %s', (quality, path) => {
    // Act
    const issues = issuesOf(quality);

    // Assess
    expect(issues.map((i) => i.path)).toContain(path);
  });

  it('names the unknown key in a strict section', () => {
    // Act
    const issues = issuesOf({ duplicates: { countIdentcal: true } });

    // Assess
    expect(issues.find((i) => i.path === 'quality.duplicates')?.message).toContain('countIdentcal');
  });
});
