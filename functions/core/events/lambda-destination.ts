// Lambda destination invocation records (on-failure): raw, inside SNS, or as the EventBridge "Invocation Result - Failure" event.
//
// A record describes one invocation, but the alert is about the function: identity is function + condition, so a
// burst of failing invocations is one alert that repeats. The request id and error go in annotations.
// Every failure record means an event was given up on (retries exhausted, too old, ...), so it is critical.
import { z } from 'zod';
import { type Alert, makeAlert } from '../alert';
import { compact, consoleBase, isoTime, isRecord, nonEmpty, parseArn, parseOrThrow } from './common';

export const LAMBDA_FAILURE_DETAIL_TYPE = 'Lambda Function Invocation Result - Failure';
export const LAMBDA_SUCCESS_DETAIL_TYPE = 'Lambda Function Invocation Result - Success';

/** Structural test: the requestContext every invocation record carries. */
export function isLambdaDestinationRecord(input: unknown): boolean {
  return (
    isRecord(input) &&
    isRecord(input.requestContext) &&
    'condition' in input.requestContext &&
    'functionArn' in input.requestContext
  );
}

/** `Success` records go to on-success destinations; they are not failures. */
export function destinationCondition(input: unknown): string | undefined {
  if (!isRecord(input) || !isRecord(input.requestContext)) return undefined;
  const c = input.requestContext.condition;
  return typeof c === 'string' ? c : undefined;
}

const recordSchema = z.object({
  version: z.string().optional(),
  timestamp: isoTime,
  requestContext: z.object({
    requestId: z.string().optional(),
    functionArn: nonEmpty.refine((s) => parseArn(s)?.service === 'lambda', 'must be a Lambda function ARN'),
    condition: nonEmpty,
    approximateInvokeCount: z.number().optional(),
  }),
  responseContext: z
    .object({
      statusCode: z.number().optional(),
      executedVersion: z.string().optional(),
      functionError: z.string().optional(),
    })
    .optional(),
  responsePayload: z.unknown().optional(),
});

/** `arn:aws:lambda:us-east-1:123456789012:function:chat-api:$LATEST` → name `chat-api`, qualifier `$LATEST`. */
function functionOf(functionArn: string): { name: string; qualifier?: string } {
  const resource = parseArn(functionArn)?.resource ?? functionArn;
  const [, name = resource, qualifier] = resource.split(':');
  return qualifier ? { name, qualifier } : { name };
}

function errorOf(payload: unknown): { errorType?: string; errorMessage?: string } {
  if (isRecord(payload)) {
    const out: { errorType?: string; errorMessage?: string } = {};
    if (typeof payload.errorType === 'string') out.errorType = payload.errorType;
    if (typeof payload.errorMessage === 'string') out.errorMessage = payload.errorMessage;
    return out;
  }
  return typeof payload === 'string' && payload !== '' ? { errorMessage: payload } : {};
}

/** `prefix` names where the record sits in the input (`detail` for EventBridge) so issues point at it. */
export function normalizeLambdaDestination(input: unknown, prefix: ReadonlyArray<PropertyKey> = []): Alert[] {
  const record = parseOrThrow(recordSchema, input, 'Lambda destination record', prefix);
  const ctx = record.requestContext;
  const arn = parseArn(ctx.functionArn)!;
  const fn = functionOf(ctx.functionArn);
  const err = errorOf(record.responsePayload);
  const consoleHost = consoleBase(arn.region, arn.partition);

  return [
    makeAlert({
      status: 'firing',
      severity: 'critical',
      source: 'lambda',
      labels: {
        alertname: 'LambdaInvocationFailed',
        account: arn.account,
        region: arn.region,
        function: fn.name,
        condition: ctx.condition,
      },
      annotations: compact({
        summary: `Lambda ${fn.name} gave up on an invocation (${ctx.condition})`,
        description: err.errorMessage,
        errorType: err.errorType,
        errorMessage: err.errorMessage,
        requestId: ctx.requestId,
        approximateInvokeCount: ctx.approximateInvokeCount,
        functionError: record.responseContext?.functionError,
        executedVersion: record.responseContext?.executedVersion ?? fn.qualifier,
        function_arn: ctx.functionArn,
      }),
      startsAt: record.timestamp,
      ...(consoleHost
        ? { generatorURL: `${consoleHost}/lambda/home?region=${arn.region}#/functions/${encodeURIComponent(fn.name)}` }
        : {}),
    }),
  ];
}
