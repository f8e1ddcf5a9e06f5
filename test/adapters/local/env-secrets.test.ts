import { describe, expect, it } from 'vitest';
import { EnvSecretSource, envName } from '../../../functions/adapters/local/env-secrets';

describe('EnvSecretSource', () => {
  it('reads a name as given', async () => {
    // Prepare
    const secrets = new EnvSecretSource({ SLACK_WEBHOOK_URL: 'https://hooks.example/a' });

    // Act / Assess
    expect(await secrets.get('SLACK_WEBHOOK_URL')).toBe('https://hooks.example/a');
  });

  it('maps an SSM-style path onto an environment variable name', async () => {
    // Prepare
    const secrets = new EnvSecretSource({ RUNWATCH_SLACK_WEBHOOK: 'https://hooks.example/b' });

    // Act / Assess
    expect(envName('/runwatch/slack-webhook')).toBe('RUNWATCH_SLACK_WEBHOOK');
    expect(await secrets.get('/runwatch/slack-webhook')).toBe('https://hooks.example/b');
  });

  it('treats missing and empty values as absent, and ignores later changes to the map', async () => {
    // Prepare
    const env: Record<string, string | undefined> = { EMPTY: '' };
    const secrets = new EnvSecretSource(env);
    env['LATER'] = 'x';

    // Act / Assess
    expect(await secrets.get('EMPTY')).toBeUndefined();
    expect(await secrets.get('NOPE')).toBeUndefined();
    expect(await secrets.get('LATER')).toBeUndefined();
  });
});
