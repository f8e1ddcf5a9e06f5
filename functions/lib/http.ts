// API Gateway HTTP API (payload 2.0) edges: parse JSON bodies, map errors to 4xx/5xx with a JSON body.
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { ConflictError, NotFoundError, RunwatchError, ValidationError } from '../core/errors';

export type HttpEvent = APIGatewayProxyEventV2;
export type HttpResult = APIGatewayProxyStructuredResultV2;

export function isHttpEvent(event: unknown): event is HttpEvent {
  const e = event as Partial<HttpEvent> | null;
  return (
    typeof e === 'object' && e !== null && e.version === '2.0' && typeof e.requestContext?.http?.method === 'string'
  );
}

export function json(statusCode: number, body: unknown, headers: Record<string, string> = {}): HttpResult {
  return { statusCode, headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) };
}

/** Parses the JSON body; a missing or broken body is a ValidationError naming `body`. */
export function jsonBody(event: HttpEvent): unknown {
  if (event.body === undefined || event.body === null || event.body === '') {
    throw new ValidationError('request body is required', [{ path: 'body', message: 'required: a JSON document' }]);
  }
  const text = event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new ValidationError('request body is not valid JSON', [
      { path: 'body', message: `not valid JSON: ${(e as Error).message}` },
    ]);
  }
}

export function header(event: HttpEvent, name: string): string | undefined {
  const lower = name.toLowerCase();
  for (const [k, v] of Object.entries(event.headers ?? {})) if (k.toLowerCase() === lower) return v;
  return undefined;
}

/** Who is calling: the IAM principal in AWS, `x-runwatch-user` locally. */
export function principalOf(event: HttpEvent): string {
  const ctx = event.requestContext as HttpEvent['requestContext'] & {
    authorizer?: { iam?: { userArn?: string; userId?: string } };
  };
  return ctx.authorizer?.iam?.userArn ?? header(event, 'x-runwatch-user') ?? 'anonymous';
}

export function errorResult(error: unknown, requestId: string): HttpResult {
  if (error instanceof ValidationError) {
    return json(400, { error: error.message, issues: error.issues, requestId });
  }
  if (error instanceof NotFoundError) return json(404, { error: error.message, requestId });
  if (error instanceof ConflictError) return json(409, { error: error.message, requestId });
  if (error instanceof RunwatchError && error.retryable) {
    return json(503, { error: 'a dependency is unavailable; retry later', requestId }, { 'retry-after': '5' });
  }
  return json(500, { error: 'internal error', requestId });
}
