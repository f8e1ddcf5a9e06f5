import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { SnsNotifier, snsSubject } from '../../../functions/adapters/aws/sns-notifier';
import { makeAlert, type Severity } from '../../../functions/core/alert';
import { DependencyError } from '../../../functions/core/errors';
import type { Notification } from '../../../functions/ports';

const client = new SNSClient({ region: 'us-east-1' });
const sns = mockClient(client);
const topicArn = 'arn:aws:sns:us-east-1:123456789012:runwatch-oncall';

function alert(name: string, severity: Severity) {
  return makeAlert({
    status: 'firing',
    severity,
    source: 'cloudwatch',
    labels: { alertname: name },
    startsAt: '2026-11-27T10:00:00Z',
  });
}

function notification(overrides: Partial<Notification> = {}): Notification {
  const a = alert('HighErrorRate', 'critical');
  return {
    receiver: 'oncall-sns',
    subject: '[FIRING:1] HighErrorRate chat-api',
    text: 'HighErrorRate is firing for chat-api',
    slack: { text: 'x', blocks: [] },
    alerts: [a],
    ...overrides,
  };
}

describe('SnsNotifier', () => {
  beforeEach(() => sns.reset());

  it('publishes subject, text and filterable attributes', async () => {
    // Prepare
    sns.on(PublishCommand).resolves({ MessageId: 'm-1' });
    const n = notification();

    // Act
    await new SnsNotifier({ topicArn, client }).send(n);

    // Assess
    expect(sns.commandCalls(PublishCommand)[0]?.args[0].input).toEqual({
      TopicArn: topicArn,
      Subject: '[FIRING:1] HighErrorRate chat-api',
      Message: 'HighErrorRate is firing for chat-api',
      MessageAttributes: {
        severity: { DataType: 'String', StringValue: 'critical' },
        fingerprint: { DataType: 'String', StringValue: n.alerts[0]?.fingerprint },
      },
    });
  });

  it('sends the highest severity and all fingerprints of a group', async () => {
    // Prepare
    sns.on(PublishCommand).resolves({ MessageId: 'm-2' });
    const group = [alert('A', 'info'), alert('B', 'warning')];

    // Act
    await new SnsNotifier({ topicArn, client }).send(notification({ alerts: group }));

    // Assess
    const attributes = sns.commandCalls(PublishCommand)[0]?.args[0].input.MessageAttributes;
    expect(attributes?.['severity']?.StringValue).toBe('warning');
    expect(attributes?.['fingerprint']).toEqual({
      DataType: 'String.Array',
      StringValue: JSON.stringify(group.map((a) => a.fingerprint)),
    });
  });

  it('marks an authorization failure as not retryable and throttling as retryable', async () => {
    // Prepare
    const denied = Object.assign(new Error('not authorized'), {
      name: 'AuthorizationErrorException',
      $fault: 'client',
      $metadata: { httpStatusCode: 403 },
    });
    const throttled = Object.assign(new Error('Rate exceeded'), {
      name: 'ThrottledException',
      $fault: 'client',
      $metadata: { httpStatusCode: 400 },
    });
    sns.on(PublishCommand).rejectsOnce(denied).rejectsOnce(throttled);
    const notifier = new SnsNotifier({ topicArn, client });

    // Act
    const first = await notifier.send(notification()).catch((e: unknown) => e);
    const second = await notifier.send(notification()).catch((e: unknown) => e);

    // Assess
    expect(first).toBeInstanceOf(DependencyError);
    expect((first as DependencyError).retryable).toBe(false);
    expect((second as DependencyError).retryable).toBe(true);
  });
});

describe('snsSubject', () => {
  it.each([
    ['keeps a plain subject', '[FIRING:2] GPU memory high', '[FIRING:2] GPU memory high'],
    ['folds accents and drops other non-ASCII', 'Latence élevée 🔥 modèle', 'Latence elevee modele'],
    ['flattens line breaks and tabs', 'line one\nline\ttwo\r\n', 'line one line two'],
    ['falls back when nothing printable is left', '🔥🔥', 'runwatch notification'],
  ])('%s', (_label, input, expected) => {
    // Act / Assess
    expect(snsSubject(input)).toBe(expected);
  });

  it('cuts long subjects below 100 characters at a word', () => {
    // Prepare
    const long = 'Token usage anomaly on model claude-sonnet in eu-west-1 '.repeat(4);

    // Act
    const subject = snsSubject(long);

    // Assess
    expect(subject.length).toBeLessThan(100);
    expect(subject.endsWith('...')).toBe(true);
    expect(long.startsWith(subject.slice(0, -3))).toBe(true);
  });
});
