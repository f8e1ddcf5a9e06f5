// The packaged stack (npm run package → .serverless/): least-privilege roles, shipped runbooks, durable state, clean cfn-lint.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { tableDefinition } from '../../functions/adapters/aws/table-definition';
import { ROUTES } from '../../functions/api/routes';

const ROOT = resolve(__dirname, '../..');
/** Private copy of .serverless/, taken under a lock so parallel test runs in one checkout never see each other's output. */
const OUT = mkdtempSync(join(tmpdir(), 'runwatch-package-'));
const TEMPLATE = join(OUT, 'cloudformation-template-update-stack.json');
const CUSTOM_RULES = join(ROOT, '.cfnlint', 'no-wildcard-actions.txt');
const STAGE = 'prod';

type Json = Record<string, unknown>;
interface Resource {
  Type: string;
  Properties: Json;
  Condition?: string;
}
interface Statement {
  Sid?: string;
  Effect: string;
  Action?: string | string[];
  NotAction?: string | string[];
  Resource?: unknown;
  Condition?: Json;
}

const cfnLintAvailable = spawnSync('cfn-lint', ['--version'], { stdio: 'ignore' }).status === 0;

let resources: Record<string, Resource> = {};
let outputs: Json = {};

function ofType(type: string): [string, Resource][] {
  return Object.entries(resources).filter(([, r]) => r.Type === type);
}

function list<T>(value: T | T[] | undefined): T[] {
  return value === undefined ? [] : Array.isArray(value) ? value : [value];
}

/** Every policy statement anywhere in the template (roles, key, queue and topic policies). */
function allStatements(node: unknown, found: Statement[] = []): Statement[] {
  if (Array.isArray(node)) for (const n of node) allStatements(n, found);
  else if (node && typeof node === 'object') {
    const obj = node as Json;
    if (Array.isArray(obj['Statement'])) found.push(...(obj['Statement'] as Statement[]));
    for (const value of Object.values(obj)) allStatements(value, found);
  }
  return found;
}

function roleStatements(roleLogicalId: string): Statement[] {
  const role = resources[roleLogicalId];
  if (!role) throw new Error(`no resource ${roleLogicalId}`);
  const policies = (role.Properties['Policies'] ?? []) as { PolicyDocument: { Statement: Statement[] } }[];
  return policies.flatMap((p) => p.PolicyDocument.Statement);
}

function getAttTarget(value: unknown): string | undefined {
  const att = (value as { 'Fn::GetAtt'?: [string, string] } | undefined)?.['Fn::GetAtt'];
  return att?.[0];
}

/** File names in a zip archive, read from its central directory (no zip library needed). */
function zipEntries(file: string): string[] {
  const buf = readFileSync(file);
  let eocd = buf.length - 22;
  while (eocd >= 0 && buf.readUInt32LE(eocd) !== 0x06054b50) eocd--;
  if (eocd < 0) throw new Error(`${file} is not a zip archive`);
  const count = buf.readUInt16LE(eocd + 10);
  let at = buf.readUInt32LE(eocd + 16);
  const names: string[] = [];
  for (let i = 0; i < count; i++) {
    if (buf.readUInt32LE(at) !== 0x02014b50) throw new Error(`${file}: bad central directory entry`);
    const nameLength = buf.readUInt16LE(at + 28);
    const extraLength = buf.readUInt16LE(at + 30);
    const commentLength = buf.readUInt16LE(at + 32);
    names.push(buf.subarray(at + 46, at + 46 + nameLength).toString('utf8'));
    at += 46 + nameLength + extraLength + commentLength;
  }
  return names;
}

const FUNCTIONS = [
  'ingest-events',
  'ingest-metrics',
  'poll-metrics',
  'watchdog',
  'dispatch',
  'remediate',
  'runbook-events',
  'api',
] as const;

/** The Lambda function resource serverless generates for a function key, found by its deployed name. */
function lambdaFor(fn: string): Resource {
  const found = ofType('AWS::Lambda::Function').find(
    ([, r]) => r.Properties['FunctionName'] === `runwatch-${STAGE}-${fn}`,
  );
  if (!found) throw new Error(`no Lambda function runwatch-${STAGE}-${fn}`);
  return found[1];
}

function roleOf(fn: string): string {
  const role = getAttTarget(lambdaFor(fn).Properties['Role']);
  if (!role) throw new Error(`${fn} has no role`);
  return role;
}

/** Serializes `npm run package` between concurrent runs of this file: it rewrites .serverless/ and .esbuild/. */
async function withPackagingLock(fn: () => void): Promise<void> {
  const lock = join(tmpdir(), `runwatch-packaging-${createHash('sha1').update(ROOT).digest('hex').slice(0, 12)}.lock`);
  const deadline = Date.now() + 290_000;
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      try {
        // A run that died while holding the lock never releases it.
        if (Date.now() - statSync(lock).mtimeMs > 300_000) rmSync(lock, { recursive: true, force: true });
      } catch {
        // Released between our mkdir and stat: try again.
      }
      if (Date.now() > deadline) throw new Error(`another packaging run still holds ${lock}`);
      await new Promise((r) => setTimeout(r, 500));
    }
  }
  try {
    fn();
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

beforeAll(async () => {
  // Act (for the whole file): package exactly as a deploy would, offline, with fake credentials.
  await withPackagingLock(() => {
    const run = spawnSync('npm', ['run', 'package'], {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 280_000,
      env: { ...process.env, AWS_PROFILE: '', SLS_DEPRECATION_DISABLE: '*' },
    });
    if (run.status !== 0) {
      throw new Error(`npm run package failed (${run.status ?? run.signal}):\n${run.stdout}\n${run.stderr}`);
    }
    cpSync(join(ROOT, '.serverless'), OUT, { recursive: true });
  });
  const template = JSON.parse(readFileSync(TEMPLATE, 'utf8')) as { Resources: typeof resources; Outputs: Json };
  resources = template.Resources;
  outputs = template.Outputs;
}, 600_000);

afterAll(() => rmSync(OUT, { recursive: true, force: true }));

describe('packaged functions', () => {
  it('packages every function, each zip holding its bundle and runwatch.yml', () => {
    for (const fn of FUNCTIONS) {
      // Prepare
      const zip = join(OUT, `${fn}.zip`);

      // Act
      const entries = zipEntries(zip);

      // Assess
      expect(entries).toContain('runwatch.yml');
      expect(entries).toContain(`functions/${fn}/handler.js`);
      expect(lambdaFor(fn).Properties['Handler']).toBe(`functions/${fn}/handler.handler`);
      expect(lambdaFor(fn).Properties['Runtime']).toBe('nodejs22.x');
    }
  });

  it('bundles the AWS SDK instead of leaving it external', () => {
    // Assess: no node_modules are shipped; esbuild inlined every dependency.
    for (const fn of FUNCTIONS) {
      expect(zipEntries(join(OUT, `${fn}.zip`)).filter((e) => e.startsWith('node_modules/'))).toEqual([]);
    }
  });

  it('gives every function the runwatch environment', () => {
    for (const fn of FUNCTIONS) {
      const env = (lambdaFor(fn).Properties['Environment'] as { Variables: Json }).Variables;
      expect(env).toMatchObject({
        RUNWATCH_STAGE: STAGE,
        RUNWATCH_CONFIG_PATH: 'runwatch.yml',
        RUNWATCH_DOCUMENT_PREFIX: `runwatch-${STAGE}-`,
        POWERTOOLS_SERVICE_NAME: 'runwatch',
        POWERTOOLS_METRICS_NAMESPACE: 'Runwatch',
        POWERTOOLS_LOG_LEVEL: 'INFO',
      });
      expect(env['RUNWATCH_TABLE']).toEqual({ Ref: 'Table' });
      expect(env['RUNWATCH_BUS_NAME']).toEqual({ Ref: 'Bus' });
      expect(env['RUNWATCH_TOPIC_ARN']).toEqual({ Ref: 'OncallTopic' });
      expect(env['RUNWATCH_AUTOMATION_ROLE_ARN']).toEqual({ 'Fn::GetAtt': ['AutomationRole', 'Arn'] });
    }
  });

  it('puts every HTTP route behind IAM authorization', () => {
    // Act
    const routes = ofType('AWS::ApiGatewayV2::Route').map(([, r]) => r.Properties);

    // Assess
    // Every route the API function serves (its route table) is deployed, plus the two ingest routes.
    expect(routes.map((r) => r['RouteKey']).sort()).toEqual(
      [...ROUTES.map(([method, path]) => `${method} ${path}`), 'POST /v1/events', 'POST /v1/metrics'].sort(),
    );
    for (const route of routes) expect(route['AuthorizationType']).toBe('AWS_IAM');
  });

  it('lets CloudWatch alarms invoke ingest-events directly, from this account only', () => {
    // Act
    const permissions = ofType('AWS::Lambda::Permission')
      .map(([, r]) => r.Properties)
      .filter((p) => p['Principal'] === 'lambda.alarms.cloudwatch.amazonaws.com');

    // Assess
    expect(permissions).toHaveLength(1);
    expect(getAttTarget(permissions[0]!['FunctionName'])).toBe('IngestDasheventsLambdaFunction');
    expect(permissions[0]!['SourceAccount']).toEqual({ Ref: 'AWS::AccountId' });
  });

  it('lets CloudWatch Logs subscription filters of this account invoke ingest-metrics', () => {
    // Act
    const permissions = ofType('AWS::Lambda::Permission')
      .map(([, r]) => r.Properties)
      .filter((p) => p['Principal'] === 'logs.amazonaws.com');

    // Assess
    expect(permissions).toHaveLength(1);
    expect(getAttTarget(permissions[0]!['FunctionName'])).toBe('IngestDashmetricsLambdaFunction');
    expect(permissions[0]!['Action']).toBe('lambda:InvokeFunction');
    expect(permissions[0]!['SourceAccount']).toEqual({ Ref: 'AWS::AccountId' });
    expect(JSON.stringify(permissions[0]!['SourceArn'])).toContain(':log-group:*');
  });

  it('runs poll-metrics every 5 minutes with the metrics queue URL, retries and a dead-letter queue', () => {
    // Act
    const schedules = ofType('AWS::Events::Rule').filter(
      ([, r]) =>
        r.Properties['ScheduleExpression'] !== undefined && r.Properties['Name'] === `runwatch-${STAGE}-poll-metrics`,
    );
    const env = (lambdaFor('poll-metrics').Properties['Environment'] as { Variables: Json }).Variables;

    // Assess
    expect(schedules).toHaveLength(1);
    const rule = schedules[0]![1].Properties;
    expect(rule).toMatchObject({ Name: `runwatch-${STAGE}-poll-metrics`, ScheduleExpression: 'rate(5 minutes)' });
    const [target] = rule['Targets'] as Json[];
    expect(getAttTarget(target!['Arn'])).toBe('PollDashmetricsLambdaFunction');
    expect(env['RUNWATCH_METRICS_QUEUE_URL']).toEqual({ Ref: 'MetricsQueue' });
    expect(lambdaFor('poll-metrics').Properties['Timeout']).toBe(60);
  });
});

describe('IAM', () => {
  it('gives each function its own role', () => {
    // Act
    const roles = FUNCTIONS.map(roleOf);

    // Assess
    expect(new Set(roles).size).toBe(FUNCTIONS.length);
    for (const role of roles) expect(resources[role]?.Type).toBe('AWS::IAM::Role');
    expect(resources['IamRoleLambdaExecution']).toBeUndefined();
  });

  it('has no statement allowing every action, of all services or of one', () => {
    // Act: Deny statements may be broad (the deployment bucket denies s3:* without TLS); Allow ones may not.
    const offending = allStatements(resources).filter(
      (s) =>
        s.Effect === 'Allow' &&
        (s.NotAction !== undefined || list(s.Action).some((a) => a === '*' || /^[a-z0-9-]+:\*$/i.test(a))),
    );

    // Assess
    expect(offending).toEqual([]);
  });

  it.each([
    ['ingest-events', ['events:PutEvents']],
    ['ingest-metrics', ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'events:PutEvents', 'sqs']],
    ['dispatch', ['dynamodb', 'sns:Publish', 'kms:GenerateDataKey', 'kms:Decrypt', 'ssm:GetParameter', 'sqs']],
    [
      'remediate',
      ['dynamodb', 'events:PutEvents', 'sqs', 'ssm:StartAutomationExecution', 'ssm:SendCommand', 'iam:PassRole'],
    ],
    [
      'runbook-events',
      ['dynamodb', 'sns:Publish', 'kms:GenerateDataKey', 'kms:Decrypt', 'ssm:GetParameter', 'events:PutEvents'],
    ],
    ['api', ['dynamodb', 'events:PutEvents']],
    ['poll-metrics', ['cloudwatch:GetMetricData', 'sqs:SendMessage']],
    ['watchdog', ['dynamodb:Query', 'dynamodb:UpdateItem', 'dynamodb:GetItem', 'dynamodb:PutItem', 'events:PutEvents']],
  ])('the %s role allows exactly what the function needs', (fn, needs) => {
    // Prepare: shorthand groups expand to the actions every consumer of that kind needs.
    const groups: Record<string, string[]> = {
      dynamodb: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:Query'],
      sqs: ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes'],
    };
    const expected = new Set(['logs:CreateLogStream', 'logs:PutLogEvents', ...needs.flatMap((n) => groups[n] ?? [n])]);

    // Act
    const statements = roleStatements(roleOf(fn));
    const actions = new Set(statements.flatMap((s) => list(s.Action)));

    // Assess
    expect([...actions].sort()).toEqual([...expected].sort());
    for (const s of statements) expect(s.Effect).toBe('Allow');
    const logs = statements.find((s) => list(s.Action).includes('logs:PutLogEvents'));
    expect(JSON.stringify(logs?.Resource)).toContain(`log-group:/aws/lambda/runwatch-${STAGE}-${fn}:*`);
  });

  it('scopes SSM starts to the shipped documents and the AWS documents runwatch.yml names', () => {
    // Prepare
    const statements = roleStatements(roleOf('remediate'));
    const resourcesOf = (action: string) =>
      JSON.stringify(statements.filter((s) => list(s.Action).includes(action)).map((s) => s.Resource));

    // Act
    const automation = resourcesOf('ssm:StartAutomationExecution');
    const command = resourcesOf('ssm:SendCommand');
    const passRole = statements.find((s) => list(s.Action).includes('iam:PassRole'));

    // Assess
    expect(automation).toContain(`automation-definition/runwatch-${STAGE}-restart-ecs-service:*`);
    expect(automation).toContain(`automation-definition/runwatch-${STAGE}-rollback-lambda-alias:*`);
    expect(command).toContain(`document/runwatch-${STAGE}-collect-diagnostics`);
    expect(command).toContain('::document/AWS-RunPatchBaseline');
    expect(command).toContain('::document/AWS-UpdateSSMAgent');
    expect(command).toContain(':instance/*');
    expect(getAttTarget(passRole?.Resource)).toBe('AutomationRole');
    expect(passRole?.Condition).toEqual({ StringEquals: { 'iam:PassedToService': 'ssm.amazonaws.com' } });
  });

  it('lets the SQS consumers read only their own queue', () => {
    for (const [fn, queue] of [
      ['ingest-metrics', 'MetricsQueue'],
      ['dispatch', 'AlertsQueue'],
      ['remediate', 'RemediationQueue'],
    ] as const) {
      const sqs = roleStatements(roleOf(fn)).filter((s) => list(s.Action).some((a) => a.startsWith('sqs:')));
      expect(sqs.map((s) => getAttTarget(s.Resource))).toEqual([queue]);
    }
  });

  it('lets poll-metrics send only to the metrics queue, and name GetMetricData (which has no resource ARNs)', () => {
    // Act
    const statements = roleStatements(roleOf('poll-metrics'));
    const send = statements.filter((s) => list(s.Action).includes('sqs:SendMessage'));
    const read = statements.filter((s) => list(s.Action).includes('cloudwatch:GetMetricData'));

    // Assess
    expect(send.map((s) => getAttTarget(s.Resource))).toEqual(['MetricsQueue']);
    expect(read.map((s) => [list(s.Action), s.Resource])).toEqual([[['cloudwatch:GetMetricData'], '*']]);
  });

  it('lets the automation role be assumed only by SSM', () => {
    // Act
    const trust = (resources['AutomationRole']!.Properties['AssumeRolePolicyDocument'] as { Statement: Statement[] })
      .Statement;

    // Assess
    expect(trust).toHaveLength(1);
    expect(trust[0]).toMatchObject({ Principal: { Service: 'ssm.amazonaws.com' }, Action: 'sts:AssumeRole' });
  });
});

describe('runbooks', () => {
  const runbookDir = join(ROOT, 'runbooks');
  const files = readdirSync(runbookDir).filter((f) => /\.ya?ml$/.test(f));

  it.each(files)('%s is deployed as an AWS::SSM::Document with its content', (file) => {
    // Prepare
    const name = file.replace(/\.ya?ml$/, '');
    const content = parse(readFileSync(join(runbookDir, file), 'utf8')) as Json;

    // Act
    const documents = ofType('AWS::SSM::Document').map(([, r]) => r.Properties);
    const deployed = documents.find((d) => d['Name'] === `runwatch-${STAGE}-${name}`);

    // Assess
    expect(deployed).toBeDefined();
    expect(deployed).toMatchObject({
      DocumentType: content['schemaVersion'] === '0.3' ? 'Automation' : 'Command',
      DocumentFormat: 'YAML',
      UpdateMethod: 'NewVersion',
    });
    expect(deployed?.['Content']).toEqual(content);
  });
});

describe('state, queues and rules', () => {
  it('keeps the table encrypted, recoverable and expiring, with the key schema the adapter uses', () => {
    // Prepare
    const definition = tableDefinition(`runwatch-${STAGE}`);

    // Act
    const [[, table] = ['', undefined]] = ofType('AWS::DynamoDB::Table');
    const props = table?.Properties ?? {};

    // Assess
    expect(ofType('AWS::DynamoDB::Table')).toHaveLength(1);
    expect(props).toMatchObject({
      TableName: definition.TableName,
      BillingMode: 'PAY_PER_REQUEST',
      SSESpecification: { SSEEnabled: true },
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
    });
    expect(props['KeySchema']).toEqual(definition.KeySchema);
    expect(props['AttributeDefinitions']).toEqual(definition.AttributeDefinitions);
    expect(props['GlobalSecondaryIndexes']).toEqual(definition.GlobalSecondaryIndexes);
  });

  it('encrypts both topics with the rotating stack key', () => {
    // Assess
    expect(resources['Key']?.Properties['EnableKeyRotation']).toBe(true);
    for (const topic of ['OncallTopic', 'AlarmsTopic']) {
      expect(resources[topic]?.Properties['KmsMasterKeyId']).toEqual({ Ref: 'Key' });
    }
    const principals = JSON.stringify(allStatements(resources['Key']?.Properties['KeyPolicy']).map((s) => s.Sid));
    expect(principals).toContain('AlarmAndEventPublishers');
  });

  it('gives every consumed queue a dead-letter queue, encryption and 6x the consumer timeout', () => {
    // Act
    const mappings = ofType('AWS::Lambda::EventSourceMapping').map(([, r]) => r.Properties);

    // Assess
    expect(mappings).toHaveLength(3);
    for (const mapping of mappings) {
      const queueId = getAttTarget(mapping['EventSourceArn'])!;
      const functionId = getAttTarget(mapping['FunctionName'])!;
      const queue = resources[queueId]!.Properties;
      const timeout = resources[functionId]!.Properties['Timeout'] as number;
      expect(mapping['FunctionResponseTypes']).toEqual(['ReportBatchItemFailures']);
      expect(queue['SqsManagedSseEnabled']).toBe(true);
      expect(queue['VisibilityTimeout'] as number).toBeGreaterThanOrEqual(6 * timeout);
      const redrive = queue['RedrivePolicy'] as { deadLetterTargetArn: unknown; maxReceiveCount: number };
      expect(redrive.maxReceiveCount).toBe(5);
      expect(resources[getAttTarget(redrive.deadLetterTargetArn)!]?.Type).toBe('AWS::SQS::Queue');
    }
    const metrics = mappings.find((m) => getAttTarget(m['EventSourceArn']) === 'MetricsQueue');
    expect(metrics).toMatchObject({ BatchSize: 100, MaximumBatchingWindowInSeconds: 5 });
  });

  it('encrypts every queue', () => {
    for (const [, queue] of ofType('AWS::SQS::Queue')) expect(queue.Properties['SqsManagedSseEnabled']).toBe(true);
  });

  it('gives every rule target retries and a dead-letter queue EventBridge may write to', () => {
    // Prepare
    const rules = ofType('AWS::Events::Rule');
    const dlqPolicy = JSON.stringify(
      ofType('AWS::SQS::QueuePolicy').find(([, p]) => JSON.stringify(p.Properties['Queues']).includes('EventsDlq')),
    );

    // Assess
    expect(rules.length).toBe(11);
    for (const [id, rule] of rules) {
      for (const target of rule.Properties['Targets'] as Json[]) {
        expect(target['RetryPolicy']).toBeDefined();
        expect(getAttTarget((target['DeadLetterConfig'] as Json)['Arn'])).toBe('EventsDlq');
      }
      // Rules of this stack are either referenced by ARN (custom bus) or by their fixed name (default bus).
      const byArn = dlqPolicy.includes(`"${id}","Arn"`);
      const byName = dlqPolicy.includes(`rule/${rule.Properties['Name']}"`);
      expect({ rule: id, allowed: byArn || byName }).toEqual({ rule: id, allowed: true });
    }
  });

  it('routes custom-bus detail types to the dispatch and remediation queues, each allowed only its rule', () => {
    // Act
    const alert = resources['AlertRule']!.Properties;
    const remediation = resources['RemediationRule']!.Properties;
    const policyFor = (queue: string) =>
      ofType('AWS::SQS::QueuePolicy').find(
        ([, p]) => JSON.stringify(p.Properties['Queues']) === `[{"Ref":"${queue}"}]`,
      );

    // Assess
    expect(alert['EventBusName']).toEqual({ Ref: 'Bus' });
    expect(alert['EventPattern']).toEqual({ source: ['runwatch'], 'detail-type': ['runwatch.alert'] });
    expect(remediation['EventPattern']).toEqual({
      source: ['runwatch'],
      'detail-type': ['runwatch.alert', 'runwatch.runbook.requested', 'runwatch.runbook.approved'],
    });
    expect(JSON.stringify(policyFor('AlertsQueue'))).toContain('"AlertRule","Arn"');
    expect(JSON.stringify(policyFor('RemediationQueue'))).toContain('"RemediationRule","Arn"');
  });

  it('subscribes ingest-events to the alarms topic and the AWS event sources', () => {
    // Act
    const patterns = ofType('AWS::Events::Rule')
      .map(([, r]) => r.Properties)
      .filter((p) => p['EventBusName'] === undefined && p['EventPattern'] !== undefined)
      .map((p) => (p['EventPattern'] as { 'detail-type': string[] })['detail-type'][0]);
    const subscription = ofType('AWS::SNS::Subscription').find(([, s]) => s.Properties['Protocol'] === 'lambda');

    // Assess
    expect(patterns.sort()).toEqual(
      [
        'AWS Health Event',
        'CloudWatch Alarm State Change',
        'Configuration Compliance State Change',
        'EC2 Automation Execution Status-change Notification',
        'EC2 Command Status-change Notification',
        'ECS Task State Change',
        'Lambda Function Invocation Result - Failure',
      ].sort(),
    );
    expect(subscription?.[1].Properties['TopicArn']).toEqual({ Ref: 'AlarmsTopic' });
  });

  it('outputs what an operator needs to find the stack', () => {
    // Assess
    expect(Object.keys(outputs)).toEqual(
      expect.arrayContaining([
        'HttpApiUrl',
        'TableName',
        'BusName',
        'OncallTopicArn',
        'AlarmsTopicArn',
        'MetricsQueueUrl',
        'AlertsQueueUrl',
        'RemediationQueueUrl',
      ]),
    );
  });
});

if (!cfnLintAvailable) {
  console.warn('[skipped] cfn-lint checks of the packaged template: cfn-lint is not on PATH (pip install cfn-lint)');
}

describe.skipIf(!cfnLintAvailable)('cfn-lint', () => {
  interface Finding {
    Level: string;
    Message: string;
    Rule: { Id: string };
    Location: { Path: unknown[] };
  }

  function lint(template: string): { status: number; findings: Finding[] } {
    const run = spawnSync('cfn-lint', ['-f', 'json', '--custom-rules', CUSTOM_RULES, '--', template], {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 120_000,
    });
    if (run.status === null) throw new Error(`cfn-lint did not finish: ${run.signal}`);
    return { status: run.status, findings: run.stdout.trim() ? (JSON.parse(run.stdout) as Finding[]) : [] };
  }

  it('finds no errors in the packaged template, with the wildcard rule on', () => {
    // Act
    const { status, findings } = lint(TEMPLATE);

    // Assess: exit code bit 2 means errors; warnings (bit 4) are reported, not fatal.
    const warnings = findings.filter((f) => f.Level !== 'Error');
    if (warnings.length) {
      const byRule = new Map<string, number>();
      for (const w of warnings) byRule.set(w.Rule.Id, (byRule.get(w.Rule.Id) ?? 0) + 1);
      console.info(`cfn-lint warnings: ${[...byRule].map(([id, n]) => `${id}×${n}`).join(', ')}`);
    }
    expect(findings.filter((f) => f.Level === 'Error')).toEqual([]);
    expect(status & 2).toBe(0);
  }, 150_000);

  it('the custom rule fails a template that grants "*" or "service:*"', () => {
    // Prepare
    const dir = mkdtempSync(join(tmpdir(), 'runwatch-cfnlint-'));
    const file = join(dir, 'wildcards.json');
    const statements = [
      { Effect: 'Allow', Action: '*', Resource: '*' },
      { Effect: 'Allow', Action: ['dynamodb:GetItem', 's3:*'], Resource: '*' },
      { Effect: 'Allow', Action: ['kms:Describe*'], Resource: '*' },
    ];
    writeFileSync(
      file,
      JSON.stringify({
        AWSTemplateFormatVersion: '2010-09-09',
        Resources: {
          Role: {
            Type: 'AWS::IAM::Role',
            Properties: {
              AssumeRolePolicyDocument: {
                Version: '2012-10-17',
                Statement: [
                  { Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' },
                ],
              },
              Policies: [{ PolicyName: 'p', PolicyDocument: { Version: '2012-10-17', Statement: statements } }],
            },
          },
        },
      }),
    );

    // Act
    const { status, findings } = lint(file);
    rmSync(dir, { recursive: true, force: true });

    // Assess: both wildcards are caught; the scoped kms:Describe* is not.
    const custom = findings.filter((f) => /^E9\d{3}$/.test(f.Rule.Id));
    const statementIndex = (f: Finding) => f.Location.Path[f.Location.Path.indexOf('Statement') + 1];
    expect(custom.map(statementIndex)).toEqual([0, 1]);
    expect(custom.map((f) => f.Message)).toEqual([
      'IAM role policy grants a wildcard action',
      'IAM role policy grants a wildcard action',
    ]);
    expect(status & 2).toBe(2);
  }, 150_000);
});
