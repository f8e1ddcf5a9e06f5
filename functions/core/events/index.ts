// Entry point of event normalization: recognises the shape of any failure event by its structure and hands it to its normalizer.
//
// Recognition is structural, checked in this order:
//   SNS Lambda event      Records[0].EventSource === 'aws:sns'            → each Message normalized again
//   SNS HTTP body         Type (Notification, ...) + Message               → Message normalized again
//   EventBridge event     detail-type + source + detail                    → by detail-type
//   alarm action          alarmData + alarmArn                             → CloudWatch alarm
//   Alertmanager webhook  version '4' + alerts[]                           → one alert per alert
//   destination record    requestContext.condition + .functionArn          → Lambda failure
//   classic alarm message AlarmName + NewStateValue                        → CloudWatch alarm
// A recognised shape with bad fields throws ValidationError naming each field; any other JSON object is
// `unsupported` (accepted and counted, never an error); a non-object is a ValidationError.
import type { Alert, AlertSource } from '../alert';
import { ValidationError } from '../errors';
import { isAlertmanagerWebhook, normalizeAlertmanager } from './alertmanager';
import {
  alertsFromAlarmChange,
  fromAlarmAction,
  fromClassicMessage,
  fromEventBridge,
  isAlarmActionEvent,
  isClassicAlarmMessage,
} from './cloudwatch-alarm';
import { isRecord } from './common';
import { ECS_TASK_DETAIL_TYPE, ecsTaskLastStatus, normalizeEcsTask } from './ecs-task';
import { isEventBridgeEvent, parseEnvelope } from './eventbridge';
import { HEALTH_DETAIL_TYPES, normalizeHealth } from './health';
import {
  destinationCondition,
  isLambdaDestinationRecord,
  LAMBDA_FAILURE_DETAIL_TYPE,
  LAMBDA_SUCCESS_DETAIL_TYPE,
  normalizeLambdaDestination,
} from './lambda-destination';
import {
  isSnsHttpMessage,
  isSnsLambdaEvent,
  normalizeSnsHttpMessage,
  normalizeSnsLambdaEvent,
  type SnsHints,
} from './sns';
import { normalizeSsmCompliance, SSM_COMPLIANCE_DETAIL_TYPE } from './ssm-compliance';
import type { NormalizeContext, NormalizeResult } from './types';

export { parseSsmStatusChange, type SsmStatusChange } from './ssm-status';
export type { NormalizeContext, NormalizeResult } from './types';

function alerts(source: AlertSource, shape: string, list: Alert[]): NormalizeResult {
  return { kind: 'alerts', source, shape, alerts: list };
}

function unsupported(shape: string, reason: string): NormalizeResult {
  return { kind: 'unsupported', shape, reason };
}

function normalizeEventBridge(input: Record<string, unknown>): NormalizeResult {
  const detailType = String(input['detail-type']);
  const source = String(input.source);
  if (detailType === 'CloudWatch Alarm State Change') {
    return alerts(
      'cloudwatch',
      'eventbridge:cloudwatch-alarm',
      alertsFromAlarmChange(fromEventBridge(parseEnvelope(input))),
    );
  }
  if ((HEALTH_DETAIL_TYPES as readonly string[]).includes(detailType)) {
    return alerts('health', 'eventbridge:health', normalizeHealth(parseEnvelope(input)));
  }
  if (detailType === ECS_TASK_DETAIL_TYPE) {
    const status = isRecord(input.detail) ? ecsTaskLastStatus(input.detail) : undefined;
    if (status !== undefined && status !== 'STOPPED') {
      return unsupported('eventbridge:ecs-task', `ECS task is ${status}; only STOPPED tasks alert`);
    }
    return alerts('ecs', 'eventbridge:ecs-task', normalizeEcsTask(parseEnvelope(input)));
  }
  if (detailType === LAMBDA_FAILURE_DETAIL_TYPE) {
    const envelope = parseEnvelope(input);
    return alerts('lambda', 'eventbridge:lambda-destination', normalizeLambdaDestination(envelope.detail, ['detail']));
  }
  if (detailType === LAMBDA_SUCCESS_DETAIL_TYPE) {
    return unsupported('eventbridge:lambda-destination', 'a successful invocation record is not a failure');
  }
  if (detailType === SSM_COMPLIANCE_DETAIL_TYPE) {
    return alerts('ssm', 'eventbridge:ssm-compliance', normalizeSsmCompliance(parseEnvelope(input)));
  }
  return unsupported('eventbridge', `no normalizer for ${source} "${detailType}"`);
}

/** What an SNS message may hold: the classic alarm JSON (which needs the topic for its region), or any shape above. */
function normalizeSnsMessage(message: unknown, ctx: NormalizeContext, hints: SnsHints): NormalizeResult {
  if (isClassicAlarmMessage(message)) {
    return alerts('cloudwatch', 'cloudwatch-alarm', alertsFromAlarmChange(fromClassicMessage(message, hints)));
  }
  return normalizeEvent(message, ctx);
}

/**
 * Turns any supported failure event into normalized alerts.
 * @throws ValidationError when the input is not an object, or is a recognised shape with missing or invalid fields.
 */
export function normalizeEvent(input: unknown, ctx: NormalizeContext): NormalizeResult {
  if (!isRecord(input)) {
    throw new ValidationError('event must be a JSON object', [{ path: '(root)', message: 'must be a JSON object' }]);
  }
  if (isSnsLambdaEvent(input)) return normalizeSnsLambdaEvent(input, ctx, normalizeSnsMessage);
  if (isSnsHttpMessage(input)) return normalizeSnsHttpMessage(input, ctx, normalizeSnsMessage);
  if (isEventBridgeEvent(input)) return normalizeEventBridge(input);
  if (isAlarmActionEvent(input)) {
    return alerts('cloudwatch', 'alarm-action:cloudwatch-alarm', alertsFromAlarmChange(fromAlarmAction(input)));
  }
  if (isAlertmanagerWebhook(input)) {
    return alerts('alertmanager', 'alertmanager:webhook', normalizeAlertmanager(input, ctx.receivedAt));
  }
  if (isLambdaDestinationRecord(input)) {
    if (destinationCondition(input) === 'Success') {
      return unsupported('lambda-destination', 'a successful invocation record is not a failure');
    }
    return alerts('lambda', 'lambda-destination', normalizeLambdaDestination(input));
  }
  if (isClassicAlarmMessage(input)) {
    return alerts('cloudwatch', 'cloudwatch-alarm', alertsFromAlarmChange(fromClassicMessage(input)));
  }
  const keys = Object.keys(input).slice(0, 8).join(', ');
  return unsupported('unknown', `no normalizer recognises an object with keys: ${keys || '(none)'}`);
}
