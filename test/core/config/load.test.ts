import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseConfig, validateConfig } from '../../../functions/core/config/load';
import { parseDuration } from '../../../functions/core/config/schema';
import { ConfigError, type Issue } from '../../../functions/core/errors';

const EXAMPLE = readFileSync(join(__dirname, '..', '..', '..', 'runwatch.yml'), 'utf8');
const HOUR = 3_600_000;

/** A valid config to break one field at a time. */
function base(): Record<string, unknown> {
  return {
    receivers: [{ name: 'oncall', outbox: {} }],
    routes: [{ match: { severity: 'critical' }, receiver: 'oncall' }],
    runbooks: [{ name: 'restart', document: 'restart-ecs-service', kind: 'automation' }],
    policies: [{ name: 'restart-stopped', match: { source: 'ecs' }, runbook: 'restart' }],
    detectors: [{ name: 'usage' }],
  };
}

function issuesOf(act: () => unknown): Issue[] {
  try {
    act();
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    expect((e as ConfigError).retryable).toBe(false);
    return (e as ConfigError).issues;
  }
  throw new Error('expected a ConfigError, nothing was thrown');
}

describe('parseConfig: the example runwatch.yml', () => {
  it('parses, with every default applied', () => {
    // Act
    const config = parseConfig(EXAMPLE);

    // Assess
    expect(config.version).toBe(1);
    expect(config.defaults).toEqual({ receiver: 'oncall', repeatInterval: 4 * HOUR });
    expect(config.receivers.map((r) => r.name)).toEqual(['oncall', 'platform']);
    expect(config.receivers[0]?.sns).toEqual({ topicArnEnv: 'RUNWATCH_TOPIC_ARN' });
    expect(config.receivers[1]?.slack).toEqual({
      webhookUrlParameter: '/runwatch/slack-webhook-url',
      webhookUrlEnv: 'SLACK_WEBHOOK_URL',
    });
    expect(config.routes[0]).toEqual({ match: { severity: 'critical' }, receiver: 'oncall', continue: false });
    expect(config.detectors[0]).toMatchObject({ name: 'genai-usage', kind: 'ensemble', match: { metric: '~.*' } });
    expect(config.runbooks.map((r) => r.name)).toEqual([
      'restart-ecs-service',
      'rollback-lambda-alias',
      'collect-diagnostics',
      'patch-scan',
      'patch-install',
      'update-ssm-agent',
    ]);
    expect(config.runbooks[1]).toMatchObject({ approval: true, maxPerHour: 10, parameters: {} });
    expect(config.policies[0]).toEqual({
      name: 'restart-stopped-ecs-tasks',
      match: { source: 'ecs', alertname: 'EcsTaskStopped' },
      runbook: 'restart-ecs-service',
      parameters: {},
      on: 'firing',
    });
  });
});

describe('validateConfig: defaults', () => {
  it('fills in everything a minimal config leaves out', () => {
    const config = validateConfig({
      receivers: [{ name: 'oncall', outbox: {} }],
      detectors: [{ name: 'usage' }],
      runbooks: [{ name: 'r', document: 'd', kind: 'automation' }],
    });

    expect(config).toMatchObject({
      version: 1,
      defaults: { repeatInterval: 4 * HOUR },
      routes: [],
      policies: [],
      detectors: [
        {
          name: 'usage',
          match: {},
          kind: 'robust-baseline',
          window: 60,
          minPoints: 20,
          threshold: 6,
          direction: 'both',
          severity: 'warning',
        },
      ],
      runbooks: [{ description: '', parameters: {}, approval: false, maxPerHour: 10 }],
    });
    expect(config.defaults.receiver).toBeUndefined();
  });

  it.each([
    ['250ms', 250],
    ['30s', 30_000],
    ['5m', 300_000],
    ['4h', 4 * HOUR],
    ['1d', 24 * HOUR],
  ])('reads the duration %s as %i ms', (text, ms) => {
    const config = validateConfig({ ...base(), routes: [{ receiver: 'oncall', repeatInterval: text }] });

    expect(config.routes[0]?.repeatInterval).toBe(ms);
    expect(parseDuration(text)).toBe(ms);
  });
});

describe('validateConfig: every problem names its path', () => {
  const cases: [string, (c: Record<string, unknown>) => void, string, string | RegExp][] = [
    [
      'a route to an unknown receiver',
      (c) => {
        c.routes = [{ receiver: 'oncall' }, { receiver: 'oncall' }, { receiver: 'ops' }];
      },
      'routes[2].receiver',
      'unknown receiver "ops"',
    ],
    [
      'a policy naming an unknown runbook',
      (c) => {
        c.policies = [{ name: 'p', runbook: 'reboot' }];
      },
      'policies[0].runbook',
      'unknown runbook "reboot"',
    ],
    [
      'an unknown default receiver',
      (c) => {
        c.defaults = { receiver: 'nobody' };
      },
      'defaults.receiver',
      'unknown receiver "nobody"',
    ],
    [
      'a duplicate receiver',
      (c) => {
        c.receivers = [
          { name: 'oncall', outbox: {} },
          { name: 'oncall', sns: {} },
        ];
      },
      'receivers[1].name',
      'duplicate receiver "oncall"',
    ],
    [
      'a duplicate runbook',
      (c) => {
        c.runbooks = [
          { name: 'restart', document: 'a', kind: 'automation' },
          { name: 'restart', document: 'b', kind: 'automation' },
        ];
      },
      'runbooks[1].name',
      'duplicate runbook "restart"',
    ],
    [
      'a duplicate detector',
      (c) => {
        c.detectors = [{ name: 'usage' }, { name: 'usage' }];
      },
      'detectors[1].name',
      'duplicate detector "usage"',
    ],
    [
      'a bad route duration',
      (c) => {
        c.routes = [{ receiver: 'oncall', repeatInterval: '5 minutes' }];
      },
      'routes[0].repeatInterval',
      'must be a duration such as 30s, 5m, 4h or 1d',
    ],
    [
      'a bad default duration',
      (c) => {
        c.defaults = { repeatInterval: '4hours' };
      },
      'defaults.repeatInterval',
      'must be a duration such as 30s, 5m, 4h or 1d',
    ],
    [
      'a bad regular expression in a route',
      (c) => {
        c.routes = [{ match: { source: '~(ecs' }, receiver: 'oncall' }];
      },
      'routes[0].match.source',
      /^invalid regular expression: /,
    ],
    [
      'a bad regular expression in a policy',
      (c) => {
        c.policies = [{ name: 'p', match: { alertname: '~[' }, runbook: 'restart' }];
      },
      'policies[0].match.alertname',
      /^invalid regular expression: /,
    ],
    [
      'a command runbook without targets',
      (c) => {
        c.runbooks = [{ name: 'scan', document: 'AWS-RunPatchBaseline', kind: 'command' }];
        c.policies = [];
      },
      'runbooks[0].targets',
      'command runbooks need targets',
    ],
    [
      'a command runbook with an empty target list',
      (c) => {
        c.runbooks = [{ name: 'scan', document: 'AWS-RunPatchBaseline', kind: 'command', targets: [] }];
        c.policies = [];
      },
      'runbooks[0].targets',
      'command runbooks need targets',
    ],
    [
      'a receiver with no integration',
      (c) => {
        c.receivers = [{ name: 'oncall' }];
      },
      'receivers[0]',
      'a receiver needs at least one of slack, sns, outbox',
    ],
    [
      'a misspelt key',
      (c) => {
        c.routes = [{ recevier: 'oncall' }];
      },
      'routes[0]',
      /recevier/,
    ],
    [
      'an upper-case name',
      (c) => {
        c.receivers = [{ name: 'OnCall', outbox: {} }];
        c.routes = [];
      },
      'receivers[0].name',
      'must be lower-case letters, digits and dashes (max 63)',
    ],
    [
      'no receivers',
      (c) => {
        c.receivers = [];
      },
      'receivers',
      'at least one receiver is required',
    ],
    [
      'a detector window too small',
      (c) => {
        c.detectors = [{ name: 'usage', window: 4 }];
      },
      'detectors[0].window',
      /8/,
    ],
    [
      'a Slack parameter that is not a path',
      (c) => {
        c.receivers = [{ name: 'oncall', slack: { webhookUrlParameter: 'runwatch/url' } }];
      },
      'receivers[0].slack.webhookUrlParameter',
      /\//,
    ],
    [
      'an unknown version',
      (c) => {
        c.version = 2;
      },
      'version',
      /1/,
    ],
  ];

  it.each(cases)('%s → %s', (_name, breakIt, path, message) => {
    // Prepare
    const raw = base();
    breakIt(raw);

    // Act
    const issues = issuesOf(() => validateConfig(raw));

    // Assess
    const issue = issues.find((i) => i.path === path);
    expect(issue, `issues were ${JSON.stringify(issues)}`).toBeDefined();
    if (typeof message === 'string') expect(issue?.message).toBe(message);
    else expect(issue?.message).toMatch(message);
  });

  it('reports every problem at once, cross-references included', () => {
    const raw = base();
    raw.defaults = { repeatInterval: '4hours' };
    raw.routes = [{ receiver: 'ops' }];
    raw.policies = [{ name: 'p', runbook: 'x' }];

    const issues = issuesOf(() => validateConfig(raw));

    expect(issues.map((i) => i.path)).toEqual(['defaults.repeatInterval', 'routes[0].receiver', 'policies[0].runbook']);
  });

  it('puts every issue in the error message, one per line', () => {
    const raw = base();
    raw.routes = [{ receiver: 'ops' }];

    expect(() => validateConfig(raw)).toThrow('invalid configuration:\n  routes[0].receiver: unknown receiver "ops"');
  });
});

describe('parseConfig: YAML problems', () => {
  it('names the line of invalid YAML', () => {
    const text = 'receivers:\n  - name: oncall\n    outbox: {}\n  routes: [\n';

    const issues = issuesOf(() => parseConfig(text));

    expect(issues).toHaveLength(1);
    expect(issues[0]?.path).toBe('(root)');
    expect(issues[0]?.message).toMatch(/^not valid YAML \(line 4\): /);
  });

  it('rejects a key given twice, naming its line', () => {
    const text = 'receivers:\n  - name: oncall\n    outbox: {}\nreceivers: []\n';

    const issues = issuesOf(() => parseConfig(text));

    expect(issues[0]?.message).toMatch(/^not valid YAML \(line 4\): .*unique/);
  });

  it('treats an empty file as an empty config (which lacks receivers)', () => {
    const issues = issuesOf(() => parseConfig(''));

    expect(issues.map((i) => i.path)).toEqual(['receivers']);
  });

  it('rejects a document that is not a mapping', () => {
    const issues = issuesOf(() => parseConfig('- just\n- a list\n'));

    expect(issues[0]?.path).toBe('(root)');
  });
});
