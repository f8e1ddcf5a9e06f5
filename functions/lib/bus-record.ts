// Reads one SQS record fed by a custom-bus rule; poison bodies are logged, counted and rethrown (→ DLQ).
import type { SQSRecord } from 'aws-lambda';
import { type BusMessage, parseBusMessage } from '../core/bus';
import { describeIssues, ValidationError } from '../core/errors';
import { count } from './observability';
import type { Runtime } from './runtime';

export function readBusRecord(rt: Runtime, record: SQSRecord): BusMessage {
  try {
    return parseBusMessage(record.body);
  } catch (e) {
    if (e instanceof ValidationError) {
      count(rt.metrics, 'MessagesRejected');
      rt.logger.error('message rejected', { messageId: record.messageId, reason: describeIssues(e.issues) });
    }
    throw e;
  }
}
