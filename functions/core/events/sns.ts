// SNS unwrapping: the Lambda SNS event (Records[].Sns) and the raw HTTP notification body both carry a JSON Message.
import { z } from 'zod';
import type { AlertSource } from '../alert';
import { ValidationError } from '../errors';
import { isRecord, parseOrThrow, prefixValidationError } from './common';
import type { NormalizeContext, NormalizeResult } from './types';

export interface SnsHints {
  /** The topic the message came through; its ARN names the region when the message does not. */
  topicArn?: string;
}

/** Normalizes one decoded SNS message (supplied by the dispatcher, so this module does not import it). */
export type InnerNormalizer = (message: unknown, ctx: NormalizeContext, hints: SnsHints) => NormalizeResult;

/** Structural test: `Records[]` whose records say `EventSource: aws:sns` (SQS spells it `eventSource`). */
export function isSnsLambdaEvent(input: unknown): boolean {
  if (!isRecord(input) || !Array.isArray(input.Records) || input.Records.length === 0) return false;
  const first: unknown = input.Records[0];
  return isRecord(first) && first.EventSource === 'aws:sns';
}

const HTTP_TYPES = ['Notification', 'SubscriptionConfirmation', 'UnsubscribeConfirmation'];

/** Structural test: the body SNS POSTs to an HTTP(S) subscriber. */
export function isSnsHttpMessage(input: unknown): boolean {
  return isRecord(input) && typeof input.Type === 'string' && HTTP_TYPES.includes(input.Type) && 'Message' in input;
}

const lambdaEventSchema = z.object({
  Records: z
    .array(
      z.object({
        EventSource: z.literal('aws:sns'),
        Sns: z.object({
          Type: z.string().optional(),
          TopicArn: z.string().optional(),
          Message: z.string(),
        }),
      }),
    )
    .min(1),
});

const httpSchema = z.object({
  Type: z.string(),
  TopicArn: z.string().optional(),
  Message: z.string(),
});

/** Plain-text messages (the e-mail style alarm text) cannot be normalized: say so at the Message field. */
function decodeMessage(message: string, path: ReadonlyArray<PropertyKey>): unknown {
  try {
    return JSON.parse(message);
  } catch {
    throw prefixValidationError(
      new ValidationError('SNS message is not JSON', [
        { path: '(root)', message: 'must be a JSON document (plain-text notifications are not supported)' },
      ]),
      path,
    );
  }
}

function normalizeMessage(
  message: string,
  path: ReadonlyArray<PropertyKey>,
  ctx: NormalizeContext,
  hints: SnsHints,
  inner: InnerNormalizer,
): NormalizeResult {
  const decoded = decodeMessage(message, path);
  try {
    return inner(decoded, ctx, hints);
  } catch (e) {
    throw prefixValidationError(e, path);
  }
}

function combine(prefix: string, results: NormalizeResult[]): NormalizeResult {
  const withAlerts = results.filter((r): r is Extract<NormalizeResult, { kind: 'alerts' }> => r.kind === 'alerts');
  const shapes = [...new Set(results.map((r) => r.shape))];
  const shape = `${prefix}:${shapes.length === 1 ? shapes[0] : 'mixed'}`;
  if (withAlerts.length === 0) {
    const reasons = [...new Set(results.map((r) => (r.kind === 'unsupported' ? r.reason : '')))];
    return { kind: 'unsupported', shape, reason: reasons.join('; ') };
  }
  const source: AlertSource = withAlerts[0]!.source;
  return { kind: 'alerts', source, shape, alerts: withAlerts.flatMap((r) => r.alerts) };
}

/** The event a Lambda function subscribed to a topic receives; every record is normalized. */
export function normalizeSnsLambdaEvent(
  input: unknown,
  ctx: NormalizeContext,
  inner: InnerNormalizer,
): NormalizeResult {
  const event = parseOrThrow(lambdaEventSchema, input, 'SNS event');
  const results = event.Records.map((record, i) =>
    normalizeMessage(
      record.Sns.Message,
      ['Records', i, 'Sns', 'Message'],
      ctx,
      record.Sns.TopicArn ? { topicArn: record.Sns.TopicArn } : {},
      inner,
    ),
  );
  return combine('sns', results);
}

/** The body of an SNS HTTP(S) delivery; subscription handshakes are accepted but not alerts. */
export function normalizeSnsHttpMessage(
  input: unknown,
  ctx: NormalizeContext,
  inner: InnerNormalizer,
): NormalizeResult {
  const body = parseOrThrow(httpSchema, input, 'SNS HTTP message');
  if (body.Type !== 'Notification') {
    return {
      kind: 'unsupported',
      shape: `sns-http:${body.Type}`,
      reason: `SNS ${body.Type} is a subscription handshake, not a notification`,
    };
  }
  const result = normalizeMessage(
    body.Message,
    ['Message'],
    ctx,
    body.TopicArn ? { topicArn: body.TopicArn } : {},
    inner,
  );
  return { ...result, shape: `sns-http:${result.shape}` };
}
