// dispatch: alerts from the bus (via SQS) through the alert pipeline: record, silence, ack, route, dedup, notify.
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Context, SQSEvent, SQSRecord } from 'aws-lambda';
import { alertPipeline, type Decision } from '../core/pipeline';
import { readBusRecord } from '../lib/bus-record';
import { withObservability } from '../lib/middleware';
import { count } from '../lib/observability';
import type { Runtime } from '../lib/runtime';

const COUNTERS: Record<Decision['outcome'], string> = {
  pass: 'AlertsPassed',
  drop: 'AlertsSuppressed',
  notified: 'NotificationsSent',
  failed: 'NotificationsFailed',
};

export function makeHandler(rt: Runtime) {
  const processor = new BatchProcessor(EventType.SQS);

  async function onRecord(record: SQSRecord): Promise<void> {
    const message = readBusRecord(rt, record);
    if (message.kind !== 'alert') {
      count(rt.metrics, 'MessagesUnsupported');
      rt.logger.info('message ignored', { messageId: record.messageId, kind: message.kind });
      return;
    }
    if (message.correlationId) rt.logger.appendKeys({ correlation_id: message.correlationId });
    await alertPipeline(
      {
        now: rt.clock.now(),
        config: rt.config,
        store: rt.store,
        notifiersFor: rt.notifiersFor,
        decide: (d) => {
          count(rt.metrics, COUNTERS[d.outcome]);
          rt.logger.info(`pipeline ${d.stage}: ${d.reason}`, { decision: d });
        },
      },
      message.alerts,
    );
  }

  return withObservability(rt, async (event: SQSEvent, context: Context) =>
    processPartialResponse(event, onRecord, processor, { context }),
  );
}
