import { describe, expect, it } from 'vitest';
import { normalizeEvent } from '../../../functions/core/events';
import { loadEvent } from '../../helpers/events';
import { ctx, normalizeAlerts, REMOVE, validationIssues, withChange } from './support';

describe('ECS task state changes', () => {
  it('turns a stopped task of a service into an EcsTaskStopped alert', () => {
    // Prepare
    const event = loadEvent('ecs-task-stopped.eventbridge');

    // Act
    const result = normalizeEvent(event, ctx);

    // Assess
    expect(result).toMatchObject({ kind: 'alerts', source: 'ecs', shape: 'eventbridge:ecs-task' });
    const [alert] = normalizeAlerts(event);
    expect(alert).toMatchObject({ status: 'firing', severity: 'critical', startsAt: '2026-11-27T14:41:06.984Z' });
    expect(alert!.labels).toEqual({
      alertname: 'EcsTaskStopped',
      account: '123456789012',
      region: 'us-east-1',
      cluster: 'genai-prod',
      service: 'genai-inference',
      taskDefinition: 'genai-inference',
      stopCode: 'EssentialContainerExited',
      source: 'ecs',
      severity: 'critical',
    });
    expect(alert!.annotations.stoppedReason).toBe('Essential container in task exited');
    expect(alert!.annotations.containers).toBe(
      'inference: exit 137 (OutOfMemoryError: Container killed due to memory usage); aws-otel-collector: exit 143',
    );
    expect(alert!.annotations.task_arn).toContain('c13b4cb40f1f4fe4a2971f76ae5a47ad');
  });

  it('gives every stopped task of the same service and cause one fingerprint', () => {
    // Prepare
    const first = loadEvent('ecs-task-stopped.eventbridge');
    const other = 'arn:aws:ecs:us-east-1:123456789012:task/genai-prod/0f9e8d7c6b5a49382716a5b4c3d2e1f0';
    const second = withChange(
      withChange(first, ['detail', 'taskArn'], other),
      ['detail', 'stoppedAt'],
      '2026-11-27T14:49:12.001Z',
    );

    // Act
    const [a] = normalizeAlerts(first);
    const [b] = normalizeAlerts(second);

    // Assess
    expect(b!.fingerprint).toBe(a!.fingerprint);
    expect(b!.annotations.task_arn).toBe(other);
  });

  it.each([
    ['UserInitiated', 'Task stopped by user', 'info'],
    ['ServiceSchedulerInitiated', 'Scaling activity initiated by (deployment ecs-svc/1234567890)', 'info'],
    [
      'ServiceSchedulerInitiated',
      'Task failed ELB health checks in (target-group arn:aws:elasticloadbalancing:...)',
      'critical',
    ],
    ['SpotInterruption', 'Your Spot Task was interrupted.', 'warning'],
    ['TaskFailedToStart', 'CannotPullContainerError: pull image manifest has been retried 5 time(s)', 'critical'],
  ] as const)('gives stop code %s (%s) severity %s', (stopCode, reason, severity) => {
    // Prepare
    const event = withChange(
      withChange(loadEvent('ecs-task-stopped.eventbridge'), ['detail', 'stopCode'], stopCode),
      ['detail', 'stoppedReason'],
      reason,
    );

    // Act
    const [alert] = normalizeAlerts(event);

    // Assess
    expect(alert!.severity).toBe(severity);
  });

  it('labels a standalone task by family and has no service label', () => {
    // Prepare
    const event = withChange(
      loadEvent('ecs-task-stopped.eventbridge'),
      ['detail', 'group'],
      'family:genai-batch-embed',
    );

    // Act
    const [alert] = normalizeAlerts(event);

    // Assess
    expect(alert!.labels.service).toBeUndefined();
    expect(alert!.labels.taskDefinition).toBe('genai-inference');
  });

  it('does not alert on a task that is still running', () => {
    // Prepare
    const event = withChange(loadEvent('ecs-task-stopped.eventbridge'), ['detail', 'lastStatus'], 'RUNNING');

    // Act
    const result = normalizeEvent(event, ctx);

    // Assess
    expect(result).toMatchObject({ kind: 'unsupported', shape: 'eventbridge:ecs-task' });
  });

  it('names the missing cluster ARN', () => {
    // Prepare
    const event = withChange(loadEvent('ecs-task-stopped.eventbridge'), ['detail', 'clusterArn'], REMOVE);

    // Act
    const issues = validationIssues(() => normalizeEvent(event, ctx));

    // Assess
    expect(issues.map((i) => i.path)).toEqual(['detail.clusterArn']);
  });
});
