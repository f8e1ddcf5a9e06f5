import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  CreateEventBusCommand,
  EventBridgeClient,
  PutRuleCommand,
  PutTargetsCommand,
} from '@aws-sdk/client-eventbridge';
import { CreateTopicCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import { CreateQueueCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { ListCommandsCommand, PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoDbStore } from '../../../functions/adapters/aws/dynamodb-store';
import { EventBridgeBus } from '../../../functions/adapters/aws/eventbridge-bus';
import { SnsNotifier } from '../../../functions/adapters/aws/sns-notifier';
import { SsmRunbookExecutor } from '../../../functions/adapters/aws/ssm-executor';
import { SsmSecretSource } from '../../../functions/adapters/aws/ssm-secrets';
import { tableDefinition } from '../../../functions/adapters/aws/table-definition';
import { makeAlert } from '../../../functions/core/alert';
import { type MotoHandle, motoAvailable, startMoto, warnMotoMissing } from '../../helpers/moto';

warnMotoMissing('AWS adapters against moto_server');

describe.skipIf(!motoAvailable)('AWS adapters against moto_server', () => {
  let moto: MotoHandle;
  let sqs: SQSClient;

  beforeAll(async () => {
    moto = await startMoto();
    sqs = new SQSClient(moto.clientConfig);
  });
  afterAll(async () => {
    sqs?.destroy();
    await moto?.stop();
  });

  async function queue(name: string): Promise<{ url: string; arn: string }> {
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: name }));
    const { Attributes } = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: QueueUrl!, AttributeNames: ['QueueArn'] }),
    );
    return { url: QueueUrl!, arn: Attributes!['QueueArn']! };
  }

  async function receiveOne(url: string): Promise<unknown> {
    const { Messages } = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }),
    );
    expect(Messages).toHaveLength(1);
    return JSON.parse(Messages![0]!.Body!);
  }

  it('SnsNotifier publishes to a topic whose SQS subscriber receives subject, text and attributes', async () => {
    // Prepare
    const sns = new SNSClient(moto.clientConfig);
    const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: 'runwatch-oncall' }));
    const q = await queue('oncall-inbox');
    await sns.send(new SubscribeCommand({ TopicArn: TopicArn!, Protocol: 'sqs', Endpoint: q.arn }));
    const alert = makeAlert({
      status: 'firing',
      severity: 'critical',
      source: 'cloudwatch',
      labels: { alertname: 'HighErrorRate', service: 'chat-api' },
      startsAt: '2026-11-27T10:00:00Z',
    });

    // Act
    await new SnsNotifier({ topicArn: TopicArn!, client: sns }).send({
      receiver: 'oncall-sns',
      subject: '[FIRING:1] HighErrorRate — chat-api\n',
      text: 'HighErrorRate is firing for chat-api',
      slack: { text: '', blocks: [] },
      alerts: [alert],
    });

    // Assess: SNS wraps the message in its notification envelope for SQS subscribers.
    const body = (await receiveOne(q.url)) as Record<string, unknown>;
    expect(body).toMatchObject({
      Type: 'Notification',
      TopicArn,
      Subject: '[FIRING:1] HighErrorRate chat-api',
      Message: 'HighErrorRate is firing for chat-api',
      MessageAttributes: {
        severity: { Type: 'String', Value: 'critical' },
        fingerprint: { Type: 'String', Value: alert.fingerprint },
      },
    });
    sns.destroy();
  });

  it('EventBridgeBus events reach an SQS target through a rule as EventBridge envelopes', async () => {
    // Prepare
    const events = new EventBridgeClient(moto.clientConfig);
    await events.send(new CreateEventBusCommand({ Name: 'runwatch-test' }));
    await events.send(
      new PutRuleCommand({
        Name: 'alerts-to-dispatch',
        EventBusName: 'runwatch-test',
        EventPattern: JSON.stringify({ source: ['runwatch'], 'detail-type': ['runwatch.alert'] }),
      }),
    );
    const q = await queue('dispatch');
    await events.send(
      new PutTargetsCommand({
        Rule: 'alerts-to-dispatch',
        EventBusName: 'runwatch-test',
        Targets: [{ Id: 'dispatch-queue', Arn: q.arn }],
      }),
    );
    const detail = { fingerprint: 'abc123', status: 'firing', labels: { alertname: 'HighLatency' } };

    // Act: the second event does not match the rule and must not arrive.
    await new EventBridgeBus({ busName: 'runwatch-test', client: events }).publish([
      { detailType: 'runwatch.alert', detail },
      { detailType: 'runwatch.runbook.requested', detail: { runbook: 'patch' } },
    ]);

    // Assess
    const envelope = (await receiveOne(q.url)) as Record<string, unknown>;
    expect(envelope).toMatchObject({
      version: '0',
      source: 'runwatch',
      'detail-type': 'runwatch.alert',
      region: 'us-east-1',
      detail,
    });
    expect(typeof envelope['id']).toBe('string');
    expect(typeof envelope['time']).toBe('string');
    events.destroy();
  });

  it('DynamoDbStore keeps its conditional-write promises on a table made from tableDefinition', async () => {
    // Prepare
    const dynamo = new DynamoDBClient(moto.clientConfig);
    await dynamo.send(new CreateTableCommand(tableDefinition('runwatch-moto')));
    const store = new DynamoDbStore({ tableName: 'runwatch-moto', client: dynamo });
    const entry = { fingerprint: 'f', receiver: 'r', at: '2026-11-27T10:00:00.000Z', ttlSeconds: 60 };
    const exec = {
      id: '0b7c6d2e-8f4a-4e1b-9c3d-5a6b7c8d9e0f',
      runbook: 'patch',
      document: 'AWS-RunPatchBaseline',
      kind: 'command' as const,
      parameters: { Operation: ['Scan'] },
      targets: [{ key: 'tag:PatchGroup', values: ['gpu'] }],
      status: 'Pending' as const,
      trigger: 'schedule:nightly',
      createdAt: '2026-11-27T10:00:00.000Z',
      updatedAt: '2026-11-27T10:00:00.000Z',
    };

    // Act
    const nflog = [await store.recordNotificationOnce('k', entry), await store.recordNotificationOnce('k', entry)];
    const created = [await store.createExecution(exec), await store.createExecution(exec)];
    const claimed = await store.updateExecution(exec.id, { status: 'Starting' }, ['Pending']);
    const reclaimed = await store.updateExecution(exec.id, { status: 'Starting' }, ['Pending']);
    const series = [
      await store.putSeriesState('s', { n: 1 }, 0),
      await store.putSeriesState('s', { n: 2 }, 1),
      await store.putSeriesState('s', { n: 3 }, 1),
    ];
    const count = await store.countExecutionsSince('patch', '2026-11-27T00:00:00.000Z');

    // Assess
    expect(nflog).toEqual([true, false]);
    expect(created).toEqual([true, false]);
    expect(claimed?.status).toBe('Starting');
    expect(reclaimed).toBeUndefined();
    expect(series).toEqual([true, true, false]);
    expect(await store.getSeriesState('s')).toEqual({ version: 2, state: { n: 2 } });
    expect(count).toBe(1);
    dynamo.destroy();
  });

  it('SsmRunbookExecutor sends a command that ListCommands shows with our comment', async () => {
    // Prepare
    const ssm = new SSMClient(moto.clientConfig);
    const executionId = '9d8c7b6a-5f4e-4d3c-8b2a-1f0e9d8c7b6a';

    // Act
    const { ssmExecutionId } = await new SsmRunbookExecutor({ client: ssm, documentPrefix: 'runwatch-test-' }).start({
      executionId,
      document: 'AWS-RunPatchBaseline',
      kind: 'command',
      parameters: { Operation: ['Scan'] },
      targets: [{ key: 'tag:PatchGroup', values: ['gpu-inference'] }],
    });

    // Assess
    const { Commands } = await ssm.send(new ListCommandsCommand({ CommandId: ssmExecutionId }));
    expect(Commands).toHaveLength(1);
    expect(Commands![0]).toMatchObject({
      CommandId: ssmExecutionId,
      DocumentName: 'AWS-RunPatchBaseline',
      Comment: `runwatch:${executionId}`,
      Parameters: { Operation: ['Scan'] },
      Targets: [{ Key: 'tag:PatchGroup', Values: ['gpu-inference'] }],
      MaxConcurrency: '10%',
      MaxErrors: '1',
    });
    ssm.destroy();
  });

  it('SsmSecretSource decrypts a SecureString and reports a missing one as undefined', async () => {
    // Prepare
    const ssm = new SSMClient(moto.clientConfig);
    await ssm.send(
      new PutParameterCommand({
        Name: '/runwatch/test/slack-webhook',
        Type: 'SecureString',
        Value: 'https://hooks.example/T/B/x',
      }),
    );
    const secrets = new SsmSecretSource({ client: ssm });

    // Act
    const value = await secrets.get('/runwatch/test/slack-webhook');
    const missing = await secrets.get('/runwatch/test/absent');

    // Assess
    expect(value).toBe('https://hooks.example/T/B/x');
    expect(missing).toBeUndefined();
    ssm.destroy();
  });
});
