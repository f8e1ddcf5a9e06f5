import { EventBridgeClient, PutEventsCommand, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { EventBridgeBus } from '../../../functions/adapters/aws/eventbridge-bus';
import { DependencyError } from '../../../functions/core/errors';

const client = new EventBridgeClient({ region: 'us-east-1' });
const eventBridge = mockClient(client);
const bus = new EventBridgeBus({ busName: 'runwatch-dev', client });

function alerts(n: number) {
  return Array.from({ length: n }, (_, i) => ({ detailType: 'runwatch.alert', detail: { fingerprint: `f${i}` } }));
}

describe('EventBridgeBus', () => {
  beforeEach(() => eventBridge.reset());

  it('puts events on the bus with the runwatch source and JSON detail', async () => {
    // Prepare
    eventBridge.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: '1' }] });

    // Act
    await bus.publish([{ detailType: 'runwatch.runbook.requested', detail: { runbook: 'patch', n: 1 } }]);

    // Assess
    expect(eventBridge.commandCalls(PutEventsCommand)[0]?.args[0].input).toEqual({
      Entries: [
        {
          EventBusName: 'runwatch-dev',
          Source: 'runwatch',
          DetailType: 'runwatch.runbook.requested',
          Detail: '{"runbook":"patch","n":1}',
        },
      ],
    });
  });

  it('sends at most 10 entries per call', async () => {
    // Prepare
    eventBridge.on(PutEventsCommand).resolves({ FailedEntryCount: 0 });

    // Act
    await bus.publish(alerts(23));

    // Assess
    const sizes = eventBridge.commandCalls(PutEventsCommand).map((c) => c.args[0].input.Entries?.length);
    expect(sizes).toEqual([10, 10, 3]);
  });

  it('does not call EventBridge for nothing', async () => {
    // Act
    await bus.publish([]);

    // Assess
    expect(eventBridge.commandCalls(PutEventsCommand)).toHaveLength(0);
  });

  it('retries only the failed entries once', async () => {
    // Prepare
    eventBridge
      .on(PutEventsCommand)
      .resolvesOnce({
        FailedEntryCount: 1,
        Entries: [{ EventId: 'a' }, { ErrorCode: 'ThrottlingException', ErrorMessage: 'slow' }, { EventId: 'c' }],
      })
      .resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'b' }] });

    // Act
    await bus.publish(alerts(3));

    // Assess
    const retried = eventBridge.commandCalls(PutEventsCommand)[1]?.args[0].input.Entries as PutEventsRequestEntry[];
    expect(retried.map((e) => e.Detail)).toEqual(['{"fingerprint":"f1"}']);
  });

  it('throws a retryable DependencyError naming the codes when the retry fails too', async () => {
    // Prepare
    eventBridge.on(PutEventsCommand).resolves({
      FailedEntryCount: 1,
      Entries: [{ ErrorCode: 'InternalFailure', ErrorMessage: 'oops' }],
    });

    // Act
    const error = await bus.publish(alerts(1)).catch((e: unknown) => e);

    // Assess
    expect(eventBridge.commandCalls(PutEventsCommand)).toHaveLength(2);
    expect(error).toBeInstanceOf(DependencyError);
    expect((error as DependencyError).retryable).toBe(true);
    expect((error as DependencyError).message).toContain('InternalFailure');
  });

  it('translates an access error into a non-retryable DependencyError', async () => {
    // Prepare
    eventBridge.on(PutEventsCommand).rejects(
      Object.assign(new Error('not authorized to perform events:PutEvents'), {
        name: 'AccessDeniedException',
        $fault: 'client',
        $metadata: { httpStatusCode: 400 },
      }),
    );

    // Act
    const error = await bus.publish(alerts(1)).catch((e: unknown) => e);

    // Assess
    expect(error).toBeInstanceOf(DependencyError);
    expect((error as DependencyError).retryable).toBe(false);
  });
});
