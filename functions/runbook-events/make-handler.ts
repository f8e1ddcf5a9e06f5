// runbook-events: SSM Automation / Run Command status changes update the execution record and tell on-call.
import type { Context } from 'aws-lambda';
import { DependencyError, describeIssues, ValidationError } from '../core/errors';
import { parseSsmStatusChange } from '../core/events/ssm-status';
import { statusFromSsm } from '../core/runbooks/execution';
import { applySsmStatus } from '../core/runbooks/lifecycle';
import { withObservability } from '../lib/middleware';
import { count } from '../lib/observability';
import { runbookContext } from '../lib/runbook-context';
import type { Runtime } from '../lib/runtime';

export interface RunbookEventsOptions {
  /** Prefix of the SSM documents this stack ships (`runwatch-<stage>-`): their executions must be ours. */
  documentPrefix: string;
}

export function makeHandler(rt: Runtime, options: RunbookEventsOptions) {
  /**
   * Documents this stack ships are only ever run by runwatch: an unknown execution of one is a race with
   * the write that links the SSM id, so retry. AWS-owned documents (AWS-RunPatchBaseline) are run by others
   * too: retry only while the event is fresh, then let it go, so foreign runs never fill the DLQ.
   */
  const RACE_WINDOW_MS = 60_000;
  const shouldRetry = (document: string, time: string) => {
    if (document.startsWith(options.documentPrefix)) return true;
    const named = rt.config.runbooks.some((r) => r.document === document);
    return named && rt.clock.now().getTime() - Date.parse(time) < RACE_WINDOW_MS;
  };

  return withObservability(rt, async (event: unknown, _context: Context) => {
    let change: ReturnType<typeof parseSsmStatusChange>;
    try {
      change = parseSsmStatusChange(event);
    } catch (e) {
      if (e instanceof ValidationError) {
        count(rt.metrics, 'EventsRejected');
        rt.logger.error('status event rejected', { reason: describeIssues(e.issues) });
      }
      throw e;
    }
    if (!change) {
      count(rt.metrics, 'EventsUnsupported');
      rt.logger.info('event is not an SSM status change; ignored');
      return { ignored: 'unsupported event' };
    }
    rt.logger.appendKeys({ ssm_execution_id: change.ssmExecutionId });
    const status = statusFromSsm(change.status);
    if (!status) {
      count(rt.metrics, 'StatusUnknown');
      rt.logger.warn('unknown SSM status; ignored', { status: change.status });
      return { ignored: `unknown status ${change.status}` };
    }
    const execution = await rt.store.getExecutionBySsmId(change.ssmExecutionId);
    if (!execution) {
      if (shouldRetry(change.documentName, change.time)) {
        // The status can outrun the write that links the SSM id to our record: retry shortly.
        throw new DependencyError(`no execution recorded yet for ${change.kind} ${change.ssmExecutionId}`);
      }
      count(rt.metrics, 'ForeignExecutions');
      rt.logger.info('execution not started by runwatch; ignored', { document: change.documentName });
      return { ignored: 'not a runwatch execution' };
    }
    rt.logger.appendKeys({ execution_id: execution.id });
    const updated = await applySsmStatus(
      runbookContext(rt),
      execution,
      status,
      `${change.kind} ${change.status} at ${change.time}`,
    );
    return { executionId: execution.id, status: updated?.status ?? execution.status };
  });
}
