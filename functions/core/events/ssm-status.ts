// SSM execution status events (Automation and Run Command) read by runbook-events to track the runbooks runwatch started.
//
// Only the two whole-execution events are parsed: "EC2 Automation Execution Status-change Notification" and
// "EC2 Command Status-change Notification". Step and per-instance invocation events are not this parser's.
// `time` is the envelope's (ISO-8601): the detail's StartTime/EndTime are zone-less local strings.
import { z } from 'zod';
import { isoTime, nonEmpty, parseOrThrow } from './common';
import { isEventBridgeEvent } from './eventbridge';

export const SSM_AUTOMATION_STATUS_DETAIL_TYPE = 'EC2 Automation Execution Status-change Notification';
export const SSM_COMMAND_STATUS_DETAIL_TYPE = 'EC2 Command Status-change Notification';

export interface SsmStatusChange {
  kind: 'automation' | 'command';
  /** Automation execution id, or Run Command command id. */
  ssmExecutionId: string;
  /** SSM's own spelling: Success, Failed, TimedOut, Cancelled, InProgress, ... */
  status: string;
  documentName: string;
  time: string;
}

const automationSchema = z.object({
  time: isoTime,
  detail: z.object({
    ExecutionId: nonEmpty,
    Definition: nonEmpty,
    Status: nonEmpty,
  }),
});

const commandSchema = z.object({
  time: isoTime,
  detail: z.object({
    'command-id': nonEmpty,
    'document-name': nonEmpty,
    status: nonEmpty,
  }),
});

/**
 * @returns undefined when the input is not one of the two events.
 * @throws ValidationError when it is one of them but required fields are missing.
 */
export function parseSsmStatusChange(input: unknown): SsmStatusChange | undefined {
  if (!isEventBridgeEvent(input)) return undefined;
  const detailType = input['detail-type'];
  if (detailType === SSM_AUTOMATION_STATUS_DETAIL_TYPE) {
    const e = parseOrThrow(automationSchema, input, 'SSM Automation status event');
    return {
      kind: 'automation',
      ssmExecutionId: e.detail.ExecutionId,
      status: e.detail.Status,
      documentName: e.detail.Definition,
      time: e.time,
    };
  }
  if (detailType === SSM_COMMAND_STATUS_DETAIL_TYPE) {
    const e = parseOrThrow(commandSchema, input, 'SSM Run Command status event');
    return {
      kind: 'command',
      ssmExecutionId: e.detail['command-id'],
      status: e.detail.status,
      documentName: e.detail['document-name'],
      time: e.time,
    };
  }
  return undefined;
}
