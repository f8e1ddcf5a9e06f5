// remediate: policies turn alerts into runbook executions; requested/approved executions start on SSM.
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Context, SQSEvent, SQSRecord } from 'aws-lambda';
import { planRemediations } from '../core/runbooks/execution';
import { requestExecution, startExecution } from '../core/runbooks/lifecycle';
import { readBusRecord } from '../lib/bus-record';
import { withObservability } from '../lib/middleware';
import { count } from '../lib/observability';
import { runbookContext } from '../lib/runbook-context';
import type { Runtime } from '../lib/runtime';

export function makeHandler(rt: Runtime) {
  const processor = new BatchProcessor(EventType.SQS);

  async function onRecord(record: SQSRecord): Promise<void> {
    const message = readBusRecord(rt, record);
    if (message.kind === 'other') {
      count(rt.metrics, 'MessagesUnsupported');
      return;
    }
    if (message.correlationId) rt.logger.appendKeys({ correlation_id: message.correlationId });
    const ctx = runbookContext(rt);
    if (message.kind === 'alert') {
      for (const alert of message.alerts) {
        const { planned, issues } = planRemediations(rt.config, alert);
        if (issues.length) {
          // A policy whose template this alert cannot fill is a config/alert mismatch, not a retryable failure.
          count(rt.metrics, 'PoliciesNotApplicable', issues.length);
          rt.logger.warn('policy matched but parameters are incomplete', { fingerprint: alert.fingerprint, issues });
        }
        for (const plan of planned) await requestExecution(ctx, plan);
      }
      return;
    }
    await startExecution(ctx, message.executionId);
  }

  return withObservability(rt, async (event: SQSEvent, context: Context) =>
    processPartialResponse(event, onRecord, processor, { context }),
  );
}
