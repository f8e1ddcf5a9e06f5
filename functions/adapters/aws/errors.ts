// Shared by every AWS adapter: turns AWS SDK failures into DependencyError so the pipeline knows whether a retry can help.
import { DependencyError, RunwatchError } from '../../core/errors';

/** Error names AWS services use for "slow down" or "try again"; some are client faults that still pass with time. */
const RETRYABLE_NAMES = new Set([
  'ThrottlingException',
  'Throttling',
  'ThrottledException',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'RequestThrottled',
  'RequestThrottledException',
  'SlowDown',
  'ProvisionedThroughputExceededException',
  'TransactionConflictException',
  'LimitExceededException',
  'AutomationExecutionLimitExceededException',
  'InternalServerError',
  'InternalServerException',
  'InternalFailure',
  'InternalError',
  'ServiceUnavailable',
  'ServiceUnavailableException',
  'KMSThrottlingException',
  'TimeoutError',
  'RequestTimeout',
  'RequestTimeoutException',
]);

/** Node socket errors: the request may never have reached AWS. */
const NETWORK_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ENETUNREACH',
  'EHOSTUNREACH',
]);

interface SdkErrorShape {
  name?: string;
  code?: string;
  $fault?: 'client' | 'server';
  $metadata?: { httpStatusCode?: number };
  $retryable?: { throttling?: boolean };
}

/** The AWS error name (`ConditionalCheckFailedException`, `ParameterNotFound`, ...) or undefined. */
export function awsErrorName(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const name = (error as SdkErrorShape).name;
  return typeof name === 'string' ? name : undefined;
}

/** Throttling, 5xx and transport failures are worth retrying; validation and access errors never are. */
export function isRetryableAwsError(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const e = error as SdkErrorShape;
  if (e.$retryable !== undefined) return true;
  if (e.name !== undefined && RETRYABLE_NAMES.has(e.name)) return true;
  if (e.code !== undefined && NETWORK_CODES.has(e.code)) return true;
  const status = e.$metadata?.httpStatusCode;
  if (status !== undefined) return status === 429 || status >= 500;
  if (e.$fault !== undefined) return e.$fault === 'server';
  // No HTTP response at all: the failure happened on the wire (socket hang up, aborted stream).
  return e.name !== 'CredentialsProviderError' && !(error instanceof TypeError);
}

/** Wraps an SDK failure; RunwatchErrors (already classified) pass through unchanged. */
export function toDependencyError(what: string, error: unknown): RunwatchError {
  if (error instanceof RunwatchError) return error;
  const name = awsErrorName(error) ?? 'Error';
  const message = error instanceof Error ? error.message : String(error);
  return new DependencyError(`${what} failed: ${name}: ${message}`, error, isRetryableAwsError(error));
}

/** Runs one AWS call and translates whatever it throws. */
export async function callAws<T>(what: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw toDependencyError(what, error);
  }
}
