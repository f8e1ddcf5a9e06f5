import { ConditionalCheckFailedException, ProvisionedThroughputExceededException } from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from 'vitest';
import { callAws, isRetryableAwsError, toDependencyError } from '../../../functions/adapters/aws/errors';
import { DependencyError, ValidationError } from '../../../functions/core/errors';

function sdkError(name: string, status: number, fault: 'client' | 'server'): Error {
  return Object.assign(new Error(`${name} happened`), { name, $fault: fault, $metadata: { httpStatusCode: status } });
}

describe('isRetryableAwsError', () => {
  it.each([
    ['throttling (400 with a throttling name)', sdkError('ThrottlingException', 400, 'client'), true],
    [
      'DynamoDB throughput exceeded',
      new ProvisionedThroughputExceededException({ message: 'slow', $metadata: {} }),
      true,
    ],
    ['a 500', sdkError('InternalServerError', 500, 'server'), true],
    ['a 503 with an unknown name', sdkError('Whatever', 503, 'server'), true],
    ['a 429', sdkError('TooManyRequests', 429, 'client'), true],
    ['a socket reset', Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }), true],
    ['a validation error', sdkError('ValidationException', 400, 'client'), false],
    ['access denied', sdkError('AccessDeniedException', 403, 'client'), false],
    ['a failed condition', new ConditionalCheckFailedException({ message: 'no', $metadata: {} }), false],
    ['missing credentials', Object.assign(new Error('no creds'), { name: 'CredentialsProviderError' }), false],
  ])('classifies %s', (_label, error, expected) => {
    // Prepare / Act
    const retryable = isRetryableAwsError(error);

    // Assess
    expect(retryable).toBe(expected);
  });
});

describe('toDependencyError', () => {
  it('names the call and the AWS error, keeps the cause and the retry verdict', () => {
    // Prepare
    const cause = sdkError('AccessDeniedException', 403, 'client');

    // Act
    const error = toDependencyError('Publish to arn:aws:sns:us-east-1:1:t', cause);

    // Assess
    expect(error).toBeInstanceOf(DependencyError);
    expect(error.message).toBe(
      'Publish to arn:aws:sns:us-east-1:1:t failed: AccessDeniedException: AccessDeniedException happened',
    );
    expect(error.retryable).toBe(false);
    expect(error.cause).toBe(cause);
  });

  it('lets an already classified runwatch error through', async () => {
    // Prepare
    const original = new ValidationError('bad', [{ path: 'x', message: 'bad' }]);

    // Act
    const thrown = await callAws('anything', () => Promise.reject(original)).catch((e: unknown) => e);

    // Assess
    expect(thrown).toBe(original);
  });
});
