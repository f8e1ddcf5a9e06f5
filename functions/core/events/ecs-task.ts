// ECS "ECS Task State Change": a task that reached STOPPED becomes an EcsTaskStopped alert; other states are not alerts.
//
// Identity is cluster + service (or task family) + stop code, not the task: a crash-looping service is one alert
// that repeats, not one alert per replacement task. The task ARN and container exits go in annotations.
//
// Severity by stop code:
//   TaskFailedToStart, EssentialContainerExited           → critical (the workload broke);
//   ServiceSchedulerInitiated with a failed health check   → critical (the scheduler replaced a sick task);
//   ServiceSchedulerInitiated otherwise                    → info (scale-in or a deployment: normal life);
//   SpotInterruption, TerminationNotice                    → warning (capacity went away; ECS replaces it);
//   UserInitiated                                          → info (someone asked for it);
//   no stop code                                           → critical if an essential container exited non-zero, else warning.
import { z } from 'zod';
import { type Alert, makeAlert, type Severity } from '../alert';
import { compact, consoleBase, isoTime, nonEmpty, parseArn, parseOrThrow } from './common';
import type { Envelope } from './eventbridge';

export const ECS_TASK_DETAIL_TYPE = 'ECS Task State Change';

const containerSchema = z
  .object({
    name: z.string(),
    lastStatus: z.string().optional(),
    exitCode: z.number().optional(),
    reason: z.string().optional(),
    essential: z.boolean().optional(),
  })
  .loose();

const taskDetailSchema = z.object({
  clusterArn: nonEmpty,
  taskArn: nonEmpty,
  taskDefinitionArn: nonEmpty,
  lastStatus: nonEmpty,
  desiredStatus: z.string().optional(),
  group: z.string().optional(),
  launchType: z.string().optional(),
  stopCode: z.string().optional(),
  stoppedReason: z.string().optional(),
  stoppingAt: isoTime.optional(),
  stoppedAt: isoTime.optional(),
  updatedAt: isoTime.optional(),
  containers: z.array(containerSchema).optional(),
});

type TaskDetail = z.output<typeof taskDetailSchema>;

/** Only the status matters for "is this an alert at all"; the full parse happens after. */
export function ecsTaskLastStatus(detail: Record<string, unknown>): string | undefined {
  return typeof detail.lastStatus === 'string' ? detail.lastStatus : undefined;
}

function severityOf(task: TaskDetail): Severity {
  switch (task.stopCode) {
    case 'TaskFailedToStart':
    case 'EssentialContainerExited':
      return 'critical';
    case 'ServiceSchedulerInitiated':
      return /health ?check/i.test(task.stoppedReason ?? '') ? 'critical' : 'info';
    case 'SpotInterruption':
    case 'TerminationNotice':
      return 'warning';
    case 'UserInitiated':
      return 'info';
    default: {
      const crashed = (task.containers ?? []).some((c) => c.essential !== false && (c.exitCode ?? 0) !== 0);
      return crashed ? 'critical' : 'warning';
    }
  }
}

/** `arn:...:task-definition/genai-inference:42` → `genai-inference`. */
function familyOf(taskDefinitionArn: string): string {
  const resource = parseArn(taskDefinitionArn)?.resource ?? taskDefinitionArn;
  const afterSlash = resource.includes('/') ? resource.slice(resource.indexOf('/') + 1) : resource;
  return afterSlash.replace(/:\d+$/, '');
}

/** `arn:...:cluster/genai-prod` → `genai-prod`. */
function lastSegment(arn: string): string {
  const resource = parseArn(arn)?.resource ?? arn;
  return resource.slice(resource.lastIndexOf('/') + 1);
}

function describeContainers(task: TaskDetail): string | undefined {
  const lines = (task.containers ?? [])
    .filter((c) => c.exitCode !== undefined || c.reason)
    .map(
      (c) =>
        `${c.name}: ${c.exitCode !== undefined ? `exit ${c.exitCode}` : (c.lastStatus ?? 'stopped')}${c.reason ? ` (${c.reason})` : ''}`,
    );
  return lines.length ? lines.join('; ') : undefined;
}

export function normalizeEcsTask(envelope: Envelope): Alert[] {
  const task = parseOrThrow(taskDetailSchema, envelope.detail, 'ECS task state change', ['detail']);
  const cluster = lastSegment(task.clusterArn);
  const service = task.group?.startsWith('service:') ? task.group.slice('service:'.length) : undefined;
  const family = familyOf(task.taskDefinitionArn);
  const taskId = lastSegment(task.taskArn);
  const arn = parseArn(task.taskArn);
  const consoleHost = consoleBase(envelope.region, arn?.partition);

  return [
    makeAlert({
      status: 'firing',
      severity: severityOf(task),
      source: 'ecs',
      labels: compact({
        alertname: 'EcsTaskStopped',
        account: envelope.account,
        region: envelope.region,
        cluster,
        service,
        taskDefinition: family,
        stopCode: task.stopCode ?? 'Unknown',
      }),
      annotations: compact({
        summary: `ECS task ${taskId} of ${service ? `service ${service}` : `family ${family}`} in ${cluster} stopped`,
        description: task.stoppedReason,
        stoppedReason: task.stoppedReason,
        containers: describeContainers(task),
        task_arn: task.taskArn,
        task_definition_arn: task.taskDefinitionArn,
        launch_type: task.launchType,
      }),
      startsAt: task.stoppedAt ?? task.stoppingAt ?? task.updatedAt ?? envelope.time,
      ...(consoleHost
        ? { generatorURL: `${consoleHost}/ecs/v2/clusters/${cluster}/tasks/${taskId}?region=${envelope.region}` }
        : {}),
    }),
  ];
}
