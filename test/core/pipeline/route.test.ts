import { describe, expect, it } from 'vitest';
import { routeAlert } from '../../../functions/core/pipeline';
import { config } from './fakes';

const HOUR = 3_600_000;

describe('routeAlert', () => {
  const cfg = config({
    defaults: { receiver: 'platform', repeatInterval: '4h' },
    receivers: [
      { name: 'oncall', sns: {} },
      { name: 'platform', outbox: {} },
      { name: 'ml-team', outbox: {} },
    ],
    routes: [
      { match: { severity: 'critical' }, receiver: 'oncall', continue: true, repeatInterval: '1h' },
      { match: { source: '~detector|ssm' }, receiver: 'ml-team' },
      { match: { severity: 'critical', source: 'ecs' }, receiver: 'platform' },
      { match: { team: 'ml' }, receiver: 'oncall' },
    ],
  });

  it.each([
    ['first match wins', { severity: 'warning', source: 'detector' }, [['ml-team', 1, 4 * HOUR]]],
    [
      'continue goes on to the next match',
      { severity: 'critical', source: 'ecs' },
      [
        ['oncall', 0, HOUR],
        ['platform', 2, 4 * HOUR],
      ],
    ],
    [
      'continue then first match stops',
      { severity: 'critical', source: 'ssm', team: 'ml' },
      [
        ['oncall', 0, HOUR],
        ['ml-team', 1, 4 * HOUR],
      ],
    ],
    ['a receiver is listed once', { severity: 'critical', source: 'lambda', team: 'ml' }, [['oncall', 0, HOUR]]],
    ['no match → default receiver', { severity: 'info', source: 'health' }, [['platform', -1, 4 * HOUR]]],
  ])('%s', (_name, labels, expected) => {
    // Act
    const targets = routeAlert(cfg, labels as Record<string, string>);

    // Assess
    expect(targets.map((t) => [t.receiver.name, t.route, t.repeatIntervalMs])).toEqual(expected);
  });

  it('falls back to the first receiver when no default is configured', () => {
    const noDefault = config({ defaults: {}, routes: [] });

    expect(routeAlert(noDefault, { severity: 'info' }).map((t) => t.receiver.name)).toEqual(['oncall']);
  });
});
