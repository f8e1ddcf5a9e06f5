import {
  AutomationDefinitionNotFoundException,
  SendCommandCommand,
  SSMClient,
  StartAutomationExecutionCommand,
} from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { SsmRunbookExecutor } from '../../../functions/adapters/aws/ssm-executor';
import { DependencyError, ValidationError } from '../../../functions/core/errors';

const client = new SSMClient({ region: 'us-east-1' });
const ssm = mockClient(client);
const executionId = '5f0c9a8e-2b1d-4c3e-9f6a-7b8c9d0e1f2a';

describe('SsmRunbookExecutor', () => {
  beforeEach(() => ssm.reset());

  describe('documentName', () => {
    const executor = new SsmRunbookExecutor({ client, documentPrefix: 'runwatch-prod-' });

    it.each([
      ['restart-ecs-service', 'runwatch-prod-restart-ecs-service'],
      ['runwatch-prod-restart-ecs-service', 'runwatch-prod-restart-ecs-service'],
      ['AWS-RunPatchBaseline', 'AWS-RunPatchBaseline'],
      ['AWSSupport-TroubleshootECSTaskFailedToStart', 'AWSSupport-TroubleshootECSTaskFailedToStart'],
      ['arn:aws:ssm:us-east-1:123456789012:document/Shared', 'arn:aws:ssm:us-east-1:123456789012:document/Shared'],
      ['team/shared-doc', 'team/shared-doc'],
    ])('resolves %s to %s', (name, expected) => {
      // Act / Assess
      expect(executor.documentName(name)).toBe(expected);
    });
  });

  it('starts an automation idempotently with the assume role and a tag', async () => {
    // Prepare
    ssm.on(StartAutomationExecutionCommand).resolves({ AutomationExecutionId: 'auto-123' });
    const executor = new SsmRunbookExecutor({
      client,
      documentPrefix: 'runwatch-prod-',
      automationRoleArn: 'arn:aws:iam::123456789012:role/runwatch-automation',
    });

    // Act
    const started = await executor.start({
      executionId,
      document: 'restart-ecs-service',
      kind: 'automation',
      parameters: { ClusterName: ['prod'], ServiceName: ['chat'] },
    });

    // Assess
    expect(started).toEqual({ ssmExecutionId: 'auto-123' });
    expect(ssm.commandCalls(StartAutomationExecutionCommand)[0]?.args[0].input).toEqual({
      DocumentName: 'runwatch-prod-restart-ecs-service',
      Parameters: {
        ClusterName: ['prod'],
        ServiceName: ['chat'],
        AutomationAssumeRole: ['arn:aws:iam::123456789012:role/runwatch-automation'],
      },
      ClientToken: executionId,
    });
  });

  it("keeps the caller's own AutomationAssumeRole", async () => {
    // Prepare
    ssm.on(StartAutomationExecutionCommand).resolves({ AutomationExecutionId: 'auto-1' });
    const executor = new SsmRunbookExecutor({ client, documentPrefix: 'p-', automationRoleArn: 'arn:default' });

    // Act
    await executor.start({
      executionId,
      document: 'AWS-RestartEC2Instance',
      kind: 'automation',
      parameters: { InstanceId: ['i-1'], AutomationAssumeRole: ['arn:custom'] },
    });

    // Assess
    const input = ssm.commandCalls(StartAutomationExecutionCommand)[0]?.args[0].input;
    expect(input?.Parameters?.['AutomationAssumeRole']).toEqual(['arn:custom']);
    expect(input?.DocumentName).toBe('AWS-RestartEC2Instance');
  });

  it('sends a command with targets, rate controls and the execution id in the comment', async () => {
    // Prepare
    ssm.on(SendCommandCommand).resolves({ Command: { CommandId: 'cmd-42' } });
    const executor = new SsmRunbookExecutor({ client, documentPrefix: 'runwatch-prod-' });

    // Act
    const started = await executor.start({
      executionId,
      document: 'AWS-RunPatchBaseline',
      kind: 'command',
      parameters: { Operation: ['Install'] },
      targets: [{ key: 'tag:PatchGroup', values: ['gpu-inference'] }],
    });

    // Assess
    expect(started).toEqual({ ssmExecutionId: 'cmd-42' });
    expect(ssm.commandCalls(SendCommandCommand)[0]?.args[0].input).toEqual({
      DocumentName: 'AWS-RunPatchBaseline',
      Targets: [{ Key: 'tag:PatchGroup', Values: ['gpu-inference'] }],
      Parameters: { Operation: ['Install'] },
      Comment: `runwatch:${executionId}`,
      MaxConcurrency: '10%',
      MaxErrors: '1',
      TimeoutSeconds: 3600,
    });
  });

  it('refuses a command without targets before calling SSM', async () => {
    // Prepare
    const executor = new SsmRunbookExecutor({ client, documentPrefix: 'p-' });

    // Act
    const error = await executor
      .start({ executionId, document: 'AWS-RunShellScript', kind: 'command', parameters: {} })
      .catch((e: unknown) => e);

    // Assess
    expect(error).toBeInstanceOf(ValidationError);
    expect(ssm.commandCalls(SendCommandCommand)).toHaveLength(0);
  });

  it('reports a missing document as a non-retryable DependencyError', async () => {
    // Prepare
    ssm
      .on(StartAutomationExecutionCommand)
      .rejects(new AutomationDefinitionNotFoundException({ message: 'no such document', $metadata: {} }));
    const executor = new SsmRunbookExecutor({ client, documentPrefix: 'runwatch-dev-' });

    // Act
    const error = await executor
      .start({ executionId, document: 'gone', kind: 'automation', parameters: {} })
      .catch((e: unknown) => e);

    // Assess
    expect(error).toBeInstanceOf(DependencyError);
    expect((error as DependencyError).retryable).toBe(false);
    expect((error as DependencyError).message).toContain('runwatch-dev-gone');
  });

  it('reports throttling as retryable', async () => {
    // Prepare
    ssm.on(SendCommandCommand).rejects(
      Object.assign(new Error('Rate exceeded'), {
        name: 'ThrottlingException',
        $fault: 'client',
        $metadata: { httpStatusCode: 400 },
      }),
    );
    const executor = new SsmRunbookExecutor({ client, documentPrefix: 'p-' });

    // Act
    const error = await executor
      .start({
        executionId,
        document: 'AWS-RunShellScript',
        kind: 'command',
        parameters: {},
        targets: [{ key: 'InstanceIds', values: ['i-1'] }],
      })
      .catch((e: unknown) => e);

    // Assess
    expect((error as DependencyError).retryable).toBe(true);
  });
});
