import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  ConfigError,
  ConflictError,
  DependencyError,
  describeIssues,
  formatPath,
  issuesFromZod,
  NotFoundError,
  RunwatchError,
  ValidationError,
} from '../../functions/core/errors';

describe('formatPath', () => {
  it.each([
    [[], '(root)'],
    [['routes'], 'routes'],
    [['routes', 2, 'receiver'], 'routes[2].receiver'],
    [['points', 0, 'dimensions', 'model'], 'points[0].dimensions.model'],
    [[0], '[0]'],
    [[0, 'a', 1, 2], '[0].a[1][2]'],
    [['detail', 'alerts', 3, 'labels', 'x'], 'detail.alerts[3].labels.x'],
  ])('%j → %s', (path, expected) => {
    expect(formatPath(path)).toBe(expected);
  });
});

describe('issuesFromZod', () => {
  it('turns zod issues into paths and messages, under an optional prefix', () => {
    // Prepare
    const schema = z.object({ alerts: z.array(z.object({ severity: z.enum(['critical', 'warning']) })) });
    const result = schema.safeParse({ alerts: [{ severity: 'critical' }, { severity: 'loud' }] });
    if (result.success) throw new Error('expected a failure');

    // Act
    const plain = issuesFromZod(result.error.issues);
    const prefixed = issuesFromZod(result.error.issues, ['detail']);

    // Assess
    expect(plain).toHaveLength(1);
    expect(plain[0]?.path).toBe('alerts[1].severity');
    expect(plain[0]?.message).toMatch(/critical/);
    expect(prefixed[0]?.path).toBe('detail.alerts[1].severity');
  });
});

describe('errors', () => {
  it.each([
    ['ValidationError', new ValidationError('bad', [{ path: 'a', message: 'm' }]), false],
    ['ConfigError', new ConfigError([{ path: 'a', message: 'm' }]), false],
    ['NotFoundError', new NotFoundError('execution x'), false],
    ['ConflictError', new ConflictError('not waiting'), false],
    ['DependencyError', new DependencyError('throttled'), true],
    ['RunwatchError', new RunwatchError('plain'), false],
  ])('%s is a RunwatchError with its name and retryable=%s', (name, error, retryable) => {
    expect(error).toBeInstanceOf(RunwatchError);
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe(name);
    expect(error.retryable).toBe(retryable);
  });

  it('keeps the cause and lets a dependency error be permanent', () => {
    const cause = new Error('AccessDenied');

    const error = new DependencyError('ssm refused', cause, false);

    expect(error.cause).toBe(cause);
    expect(error.retryable).toBe(false);
  });

  it('derives the configuration error message from its issues', () => {
    const error = new ConfigError([
      { path: 'routes[2].receiver', message: 'unknown receiver "ops"' },
      { path: 'policies[0].runbook', message: 'unknown runbook "x"' },
    ]);

    expect(error.message).toBe(
      'invalid configuration:\n  routes[2].receiver: unknown receiver "ops"\n  policies[0].runbook: unknown runbook "x"',
    );
  });

  it('describes issues on one line', () => {
    expect(
      describeIssues([
        { path: 'points[1].value', message: 'must be a number' },
        { path: 'points[2].metric', message: 'must not be empty' },
      ]),
    ).toBe('points[1].value: must be a number; points[2].metric: must not be empty');
  });
});
