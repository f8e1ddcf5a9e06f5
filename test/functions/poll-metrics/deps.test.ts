// poll-metrics cold start: environment and runwatch.yml are parsed once, and a problem names what is wrong.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../functions/core/errors';
import { defaultPollDeps } from '../../../functions/poll-metrics/deps';

const ROOT = join(__dirname, '..', '..', '..');
// The SDK clients are built at cold start and need a region, as in Lambda.
process.env.AWS_REGION ??= 'us-east-1';

function failure(env: Record<string, string>): ConfigError | undefined {
  try {
    defaultPollDeps(env);
  } catch (e) {
    return e as ConfigError;
  }
  return undefined;
}

describe('poll-metrics cold start', () => {
  it('takes the genai section of runwatch.yml', () => {
    // Act
    const deps = defaultPollDeps({
      RUNWATCH_METRICS_QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/123456789012/q',
      RUNWATCH_CONFIG_PATH: join(ROOT, 'runwatch.yml'),
    });

    // Assess
    expect(deps.genai.poller.models.length).toBeGreaterThan(0);
  });

  it('names a missing queue URL', () => {
    // Act
    const error = failure({ RUNWATCH_CONFIG_PATH: join(ROOT, 'runwatch.yml') });

    // Assess
    expect(error).toBeInstanceOf(ConfigError);
    expect(error?.issues.map((i) => i.path)).toEqual(['env.RUNWATCH_METRICS_QUEUE_URL']);
  });

  it('names a configuration file it cannot read', () => {
    // Act
    const error = failure({ RUNWATCH_METRICS_QUEUE_URL: 'q', RUNWATCH_CONFIG_PATH: join(ROOT, 'missing.yml') });

    // Assess
    expect(error).toBeInstanceOf(ConfigError);
    expect(error?.issues[0]?.path).toBe('(file)');
  });
});
