import { describe, expect, it } from 'vitest';
import { parseSsmStatusChange } from '../../../functions/core/events/ssm-status';
import { loadEvent } from '../../helpers/events';
import { REMOVE, validationIssues, withChange } from './support';

describe('parseSsmStatusChange', () => {
  it('reads an Automation execution status change', () => {
    // Prepare
    const event = loadEvent('ssm-automation-status.eventbridge');

    // Act
    const change = parseSsmStatusChange(event);

    // Assess
    expect(change).toEqual({
      kind: 'automation',
      ssmExecutionId: '4d8e2f71-93a6-4c0b-b5d2-7e1f0a9c3b48',
      status: 'Success',
      documentName: 'runwatch-restart-ecs-service',
      time: '2026-11-27T14:47:36.000Z',
    });
  });

  it('reads a Run Command status change', () => {
    // Prepare
    const event = loadEvent('ssm-command-status.eventbridge');

    // Act
    const change = parseSsmStatusChange(event);

    // Assess
    expect(change).toEqual({
      kind: 'command',
      ssmExecutionId: 'e8d3c0e4-71f7-4491-898f-c9b35bee5f3b',
      status: 'Success',
      documentName: 'AWS-RunPatchBaseline',
      time: '2026-11-27T03:12:09.000Z',
    });
  });

  it('keeps SSM spelling of a failed status', () => {
    // Prepare
    const event = withChange(loadEvent('ssm-automation-status.eventbridge'), ['detail', 'Status'], 'TimedOut');

    // Act
    const change = parseSsmStatusChange(event);

    // Assess
    expect(change?.status).toBe('TimedOut');
  });

  it.each([
    ['an alarm event', loadEvent('cloudwatch-alarm.eventbridge')],
    [
      'an automation step event',
      withChange(
        loadEvent('ssm-automation-status.eventbridge'),
        ['detail-type'],
        'EC2 Automation Step Status-change Notification',
      ),
    ],
    [
      'a per-instance command event',
      withChange(
        loadEvent('ssm-command-status.eventbridge'),
        ['detail-type'],
        'EC2 Command Invocation Status-change Notification',
      ),
    ],
    ['an SNS event', loadEvent('cloudwatch-alarm.sns-lambda')],
    ['a string', 'Success'],
    ['null', null],
  ])('returns undefined for %s', (_what, input) => {
    // Act
    const change = parseSsmStatusChange(input);

    // Assess
    expect(change).toBeUndefined();
  });

  it('names the missing execution id of an Automation event', () => {
    // Prepare
    const event = withChange(loadEvent('ssm-automation-status.eventbridge'), ['detail', 'ExecutionId'], REMOVE);

    // Act
    const issues = validationIssues(() => parseSsmStatusChange(event));

    // Assess
    expect(issues.map((i) => i.path)).toEqual(['detail.ExecutionId']);
  });

  it('names the missing fields of a Run Command event', () => {
    // Prepare
    const event = withChange(
      withChange(loadEvent('ssm-command-status.eventbridge'), ['detail', 'command-id'], REMOVE),
      ['time'],
      REMOVE,
    );

    // Act
    const issues = validationIssues(() => parseSsmStatusChange(event));

    // Assess
    expect(issues.map((i) => i.path).sort()).toEqual(['detail.command-id', 'time']);
  });
});
