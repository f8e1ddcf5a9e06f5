import { describe, expect, it } from 'vitest';
import { type AlertDraft, fingerprintOf, isSeverity, makeAlert, normalizeSeverity } from '../../functions/core/alert';

function draft(overrides: Partial<AlertDraft> = {}): AlertDraft {
  return {
    status: 'firing',
    severity: 'warning',
    source: 'cloudwatch',
    labels: { alertname: 'HighLatency', service: 'genai-inference' },
    startsAt: '2026-11-27T10:00:00.000Z',
    ...overrides,
  };
}

describe('fingerprintOf', () => {
  it('does not depend on the order of labels', () => {
    // Act
    const a = fingerprintOf({ alertname: 'X', service: 's', region: 'us-east-1' });
    const b = fingerprintOf({ region: 'us-east-1', service: 's', alertname: 'X' });

    // Assess
    expect(a).toBe(b);
    expect(a).toMatch(/^[0-9a-f]{16}$/);
  });

  it('changes with any label value or name', () => {
    const prints = [
      fingerprintOf({ a: '1', b: '2' }),
      fingerprintOf({ a: '1', b: '3' }),
      fingerprintOf({ a: '1', c: '2' }),
      // Joining must not let a value swallow the next pair.
      fingerprintOf({ a: '1b2' }),
      fingerprintOf({ a: '1', b2: '' }),
    ];

    expect(new Set(prints).size).toBe(prints.length);
  });
});

describe('makeAlert', () => {
  it('forces the source and severity labels over whatever the draft said', () => {
    const alert = makeAlert(
      draft({ labels: { alertname: 'HighLatency', source: 'spoofed', severity: 'critical' }, severity: 'info' }),
    );

    expect(alert.labels).toEqual({ alertname: 'HighLatency', source: 'cloudwatch', severity: 'info' });
    expect(alert.source).toBe('cloudwatch');
    expect(alert.severity).toBe('info');
  });

  it('names an unnamed alert and drops empty label values', () => {
    const alert = makeAlert(draft({ labels: { service: 'genai', region: '' } }));

    expect(alert.labels).toEqual({ alertname: 'unnamed', service: 'genai', source: 'cloudwatch', severity: 'warning' });
  });

  it('fingerprints the final labels, so the same alert from differently ordered drafts is one identity', () => {
    const a = makeAlert(draft({ labels: { alertname: 'X', service: 's' } }));
    const b = makeAlert(draft({ labels: { service: 's', alertname: 'X' }, annotations: { summary: 'other text' } }));

    expect(a.fingerprint).toBe(b.fingerprint);
    expect(a.fingerprint).toBe(fingerprintOf(a.labels));
  });

  it('keeps optional fields only when given, and copies annotations', () => {
    const annotations = { summary: 's' };
    const bare = makeAlert(draft());
    const full = makeAlert(
      draft({ annotations, endsAt: '2026-11-27T11:00:00.000Z', generatorURL: 'https://example.com/x' }),
    );
    annotations.summary = 'changed';

    expect(bare).not.toHaveProperty('endsAt');
    expect(bare).not.toHaveProperty('generatorURL');
    expect(bare.annotations).toEqual({});
    expect(full).toMatchObject({ endsAt: '2026-11-27T11:00:00.000Z', generatorURL: 'https://example.com/x' });
    expect(full.annotations.summary).toBe('s');
  });
});

describe('normalizeSeverity', () => {
  it.each([
    ['critical', 'critical'],
    ['CRITICAL', 'critical'],
    [' page ', 'critical'],
    ['high', 'critical'],
    ['error', 'critical'],
    ['P1', 'critical'],
    ['sev1', 'critical'],
    ['warn', 'warning'],
    ['medium', 'warning'],
    ['p3', 'warning'],
    ['info', 'info'],
    ['low', 'info'],
    ['ok', 'info'],
    ['notice', 'info'],
    ['bogus', 'warning'],
    ['', 'warning'],
    [3, 'warning'],
    [undefined, 'warning'],
  ])('%j → %s', (input, expected) => {
    expect(normalizeSeverity(input)).toBe(expected);
  });

  it('uses the given fallback for unknown values', () => {
    expect(normalizeSeverity('bogus', 'critical')).toBe('critical');
  });
});

describe('isSeverity', () => {
  it.each([
    ['critical', true],
    ['warning', true],
    ['info', true],
    ['Critical', false],
    [null, false],
  ])('%j → %s', (value, ok) => {
    expect(isSeverity(value)).toBe(ok);
  });
});
