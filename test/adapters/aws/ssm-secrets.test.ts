import { GetParameterCommand, ParameterNotFound, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { SsmSecretSource } from '../../../functions/adapters/aws/ssm-secrets';
import { DependencyError } from '../../../functions/core/errors';

const client = new SSMClient({ region: 'us-east-1' });
const ssm = mockClient(client);

describe('SsmSecretSource', () => {
  beforeEach(() => ssm.reset());

  it('reads a SecureString with decryption and caches it', async () => {
    // Prepare
    ssm
      .on(GetParameterCommand)
      .resolves({ Parameter: { Name: '/runwatch/slack', Type: 'SecureString', Value: 'https://hooks.example/x' } });
    const secrets = new SsmSecretSource({ client });

    // Act
    const first = await secrets.get('/runwatch/slack');
    const second = await secrets.get('/runwatch/slack');

    // Assess
    expect([first, second]).toEqual(['https://hooks.example/x', 'https://hooks.example/x']);
    expect(ssm.commandCalls(GetParameterCommand)).toHaveLength(1);
    expect(ssm.commandCalls(GetParameterCommand)[0]?.args[0].input).toEqual({
      Name: '/runwatch/slack',
      WithDecryption: true,
    });
  });

  it('asks again once the cache has expired', async () => {
    // Prepare
    ssm.on(GetParameterCommand).resolves({ Parameter: { Value: 'v' } });
    const secrets = new SsmSecretSource({ client, maxAgeSeconds: 0 });

    // Act
    await secrets.get('/a');
    await secrets.get('/a');

    // Assess
    expect(ssm.commandCalls(GetParameterCommand)).toHaveLength(2);
  });

  it('returns undefined for a missing parameter', async () => {
    // Prepare
    ssm.on(GetParameterCommand).rejects(new ParameterNotFound({ message: 'not found', $metadata: {} }));
    const secrets = new SsmSecretSource({ client });

    // Act
    const value = await secrets.get('/runwatch/missing');

    // Assess
    expect(value).toBeUndefined();
  });

  it('translates other failures without the value leaking', async () => {
    // Prepare
    ssm.on(GetParameterCommand).rejects(
      Object.assign(new Error('User is not authorized to perform kms:Decrypt'), {
        name: 'AccessDeniedException',
        $fault: 'client',
        $metadata: { httpStatusCode: 400 },
      }),
    );
    const secrets = new SsmSecretSource({ client });

    // Act
    const error = await secrets.get('/runwatch/slack').catch((e: unknown) => e);

    // Assess
    expect(error).toBeInstanceOf(DependencyError);
    expect((error as DependencyError).retryable).toBe(false);
    expect((error as DependencyError).message).toContain('GetParameter /runwatch/slack failed: AccessDeniedException');
  });
});
