// The embedded default's runbook executor: validates against runbooks/ and SIMULATES SSM's status changes.
import { describeIssues, type Issue, ValidationError } from '../../core/errors';
import type { Clock, RunbookExecutor, StartRunbookRequest } from '../../ports';

export interface LocalExecutorOptions {
  clock: Clock;
  newId(): string;
  /** Checks the document exists and the parameters fit it (see ssm-documents.ts). */
  validate(request: StartRunbookRequest): Issue[];
  /** Delivers a simulated SSM status-change event (EventBridge shape) to runbook-events. */
  emit(event: Record<string, unknown>): Promise<void>;
  /** Real-shaped sample events (events/ssm-*-status.eventbridge.json) the simulated ones are made from. */
  templates: { automation: Record<string, unknown>; command: Record<string, unknown> };
  documentPrefix: string;
  account: string;
  region: string;
  /** Time between simulated status changes. */
  stepMs?: number;
  /** Force the final status (tests and demos of failure paths). */
  outcome?: (request: StartRunbookRequest) => 'Success' | 'Failed';
  say?(line: string): void;
}

const isAwsOwned = (name: string) => /^(AWS|AWSSupport|AmazonCloudWatch|AWSEC2)-/.test(name) || name.startsWith('arn:');

export class LocalRunbookExecutor implements RunbookExecutor {
  private readonly timers = new Set<NodeJS.Timeout>();
  readonly started: (StartRunbookRequest & { ssmExecutionId: string; documentName: string })[] = [];

  constructor(private readonly options: LocalExecutorOptions) {}

  async start(request: StartRunbookRequest): Promise<{ ssmExecutionId: string }> {
    const issues = this.options.validate(request);
    if (issues.length)
      throw new ValidationError(`${request.document} rejects the request: ${describeIssues(issues)}`, issues);
    const documentName = isAwsOwned(request.document)
      ? request.document
      : `${this.options.documentPrefix}${request.document}`;
    const ssmExecutionId = this.options.newId();
    this.started.push({ ...request, ssmExecutionId, documentName });
    const api = request.kind === 'automation' ? 'StartAutomationExecution' : 'SendCommand';
    this.options.say?.(
      `[simulated SSM] ${api} ${documentName} ${JSON.stringify(request.parameters)} → ${ssmExecutionId} (no AWS call was made)`,
    );
    const final = this.options.outcome?.(request) ?? 'Success';
    const step = this.options.stepMs ?? 500;
    this.later(step, () => this.emitStatus(request, documentName, ssmExecutionId, 'InProgress'));
    this.later(step * 2, () => this.emitStatus(request, documentName, ssmExecutionId, final));
    return { ssmExecutionId };
  }

  close(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }

  /** Simulated status changes still to come or still being delivered. */
  pending(): number {
    return this.timers.size + this.delivering;
  }

  private delivering = 0;

  private later(ms: number, fn: () => Promise<void>): void {
    const t = setTimeout(() => {
      // Counted until the delivery has finished, so "nothing pending" really means the status has landed.
      this.delivering++;
      this.timers.delete(t);
      fn()
        .catch((e) => this.options.say?.(`[simulated SSM] status delivery failed: ${(e as Error).message}`))
        .finally(() => {
          this.delivering--;
        });
    }, ms);
    this.timers.add(t);
  }

  private async emitStatus(
    request: StartRunbookRequest,
    documentName: string,
    id: string,
    status: string,
  ): Promise<void> {
    const now = this.options.clock.now();
    const time = now.toISOString().replace(/\.\d{3}Z$/, 'Z');
    const base = structuredClone(
      request.kind === 'automation' ? this.options.templates.automation : this.options.templates.command,
    );
    const { account, region } = this.options;
    let event: Record<string, unknown>;
    if (request.kind === 'automation') {
      const detail = {
        ...(base.detail as Record<string, unknown>),
        ExecutionId: id,
        Definition: documentName,
        Status: status,
      };
      event = {
        ...base,
        id: this.options.newId(),
        time,
        account,
        region,
        resources: [
          `arn:aws:ssm:${region}:${account}:automation-execution/${id}`,
          `arn:aws:ssm:${region}:${account}:automation-definition/${documentName}:1`,
        ],
        detail,
      };
    } else {
      const detail = {
        ...(base.detail as Record<string, unknown>),
        'command-id': id,
        'document-name': documentName,
        parameters: request.parameters,
        'requested-date-time': now.toISOString(),
        status,
      };
      event = { ...base, id: this.options.newId(), time, account, region, resources: [], detail };
    }
    this.options.say?.(`[simulated SSM] ${documentName} ${id} → ${status}`);
    await this.options.emit(event);
  }
}
