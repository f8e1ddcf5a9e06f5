// The RunbookExecutor port on AWS Systems Manager: remediate and the API start Automation runbooks and Run Commands here.
import { SendCommandCommand, SSMClient, StartAutomationExecutionCommand } from '@aws-sdk/client-ssm';
import { DependencyError, ValidationError } from '../../core/errors';
import type { RunbookExecutor, StartRunbookRequest } from '../../ports';
import { callAws } from './errors';

export interface SsmRunbookExecutorOptions {
  client?: SSMClient;
  /** Prefix of the documents the stack ships, e.g. `runwatch-prod-`. */
  documentPrefix: string;
  /** Role SSM Automation assumes, passed as the `AutomationAssumeRole` parameter unless the caller set one. */
  automationRoleArn?: string;
  /** Run Command rate controls: how many targets at once, and how many failures stop the command. */
  maxConcurrency?: string;
  maxErrors?: string;
  timeoutSeconds?: number;
}

/** SendCommand rejects a Comment longer than this. */
const MAX_COMMENT = 100;

export class SsmRunbookExecutor implements RunbookExecutor {
  readonly #client: SSMClient;
  readonly #options: Required<Omit<SsmRunbookExecutorOptions, 'client' | 'automationRoleArn'>> &
    Pick<SsmRunbookExecutorOptions, 'automationRoleArn'>;

  constructor(options: SsmRunbookExecutorOptions) {
    this.#client = options.client ?? new SSMClient({});
    this.#options = {
      documentPrefix: options.documentPrefix,
      automationRoleArn: options.automationRoleArn,
      maxConcurrency: options.maxConcurrency ?? '10%',
      maxErrors: options.maxErrors ?? '1',
      timeoutSeconds: options.timeoutSeconds ?? 3600,
    };
  }

  /**
   * AWS-owned names (AWS-*, AWSSupport-*, AmazonCloudWatch-*), ARNs and shared paths are used as is; ours get the
   * stack prefix. Case-sensitive on purpose: the documents in runbooks/ are kebab-case file names.
   */
  documentName(name: string): string {
    if (/^(AWS|Amazon)/.test(name) || name.startsWith('arn:') || name.includes('/')) return name;
    if (name.startsWith(this.#options.documentPrefix)) return name;
    return `${this.#options.documentPrefix}${name}`;
  }

  async start(request: StartRunbookRequest): Promise<{ ssmExecutionId: string }> {
    return request.kind === 'automation' ? this.#startAutomation(request) : this.#sendCommand(request);
  }

  async #startAutomation(request: StartRunbookRequest): Promise<{ ssmExecutionId: string }> {
    const parameters = { ...request.parameters };
    if (this.#options.automationRoleArn !== undefined && parameters['AutomationAssumeRole'] === undefined) {
      parameters['AutomationAssumeRole'] = [this.#options.automationRoleArn];
    }
    const documentName = this.documentName(request.document);
    const out = await callAws(`StartAutomationExecution ${documentName}`, () =>
      this.#client.send(
        new StartAutomationExecutionCommand({
          DocumentName: documentName,
          Parameters: parameters,
          // The execution id is deterministic per trigger, so a redelivered request cannot start a second run.
          // No Tags: tagging at start needs ssm:AddTagsToResource too, and the ClientToken already is our id.
          ClientToken: request.executionId,
        }),
      ),
    );
    if (out.AutomationExecutionId === undefined) {
      throw new DependencyError(`StartAutomationExecution ${documentName} returned no AutomationExecutionId`);
    }
    return { ssmExecutionId: out.AutomationExecutionId };
  }

  async #sendCommand(request: StartRunbookRequest): Promise<{ ssmExecutionId: string }> {
    const targets = request.targets ?? [];
    if (targets.length === 0) {
      throw new ValidationError(`Run Command ${request.document} needs targets`, [
        { path: 'targets', message: 'a command runbook needs at least one target (tag:<key> or InstanceIds)' },
      ]);
    }
    const documentName = this.documentName(request.document);
    const out = await callAws(`SendCommand ${documentName}`, () =>
      this.#client.send(
        new SendCommandCommand({
          DocumentName: documentName,
          Targets: targets.map((t) => ({ Key: t.key, Values: t.values })),
          Parameters: request.parameters,
          // SendCommand has no idempotency token; the comment ties the command back to our execution.
          Comment: `runwatch:${request.executionId}`.slice(0, MAX_COMMENT),
          MaxConcurrency: this.#options.maxConcurrency,
          MaxErrors: this.#options.maxErrors,
          TimeoutSeconds: this.#options.timeoutSeconds,
        }),
      ),
    );
    const commandId = out.Command?.CommandId;
    if (commandId === undefined) throw new DependencyError(`SendCommand ${documentName} returned no CommandId`);
    return { ssmExecutionId: commandId };
  }
}
