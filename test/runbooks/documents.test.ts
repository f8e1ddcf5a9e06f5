// The shipped SSM documents validate, and broken documents or start requests give issues that name the field.
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AWS_OWNED_DOCUMENTS } from '../../functions/adapters/local/aws-owned-documents';
import {
  getDocument,
  loadRunbookDocuments,
  parseRunbookDocument,
  type RunbookDocument,
  validateDocument,
  validateParameters,
  validateRunbookRequest,
} from '../../functions/adapters/local/ssm-documents';
import { ValidationError } from '../../functions/core/errors';

const RUNBOOKS = resolve(__dirname, '../../runbooks');
const shipped = loadRunbookDocuments(RUNBOOKS);

function shippedDocument(name: string): RunbookDocument {
  const doc = shipped.get(name);
  if (!doc) throw new Error(`runbooks/${name}.yml is missing`);
  return doc;
}

/** A deep copy whose content the test may break. */
function copyOf(name: string): RunbookDocument & { content: Record<string, unknown> } {
  return structuredClone(shippedDocument(name)) as RunbookDocument & { content: Record<string, unknown> };
}

function steps(doc: { content: Record<string, unknown> }): Record<string, unknown>[] {
  return doc.content['mainSteps'] as Record<string, unknown>[];
}

describe('shipped runbooks', () => {
  it('loads every file in runbooks/ under its file name, with its kind from schemaVersion', () => {
    // Prepare
    const files = readdirSync(RUNBOOKS).filter((f) => /\.ya?ml$/.test(f));

    // Act
    const names = [...shipped.keys()].sort();

    // Assess
    expect(names).toEqual(files.map((f) => f.replace(/\.ya?ml$/, '')).sort());
    expect(shippedDocument('restart-ecs-service').kind).toBe('automation');
    expect(shippedDocument('rollback-lambda-alias').kind).toBe('automation');
    expect(shippedDocument('collect-diagnostics').kind).toBe('command');
  });

  it.each([...shipped.keys()])('%s validates against its schema with no issues', (name) => {
    // Act
    const issues = validateDocument(shippedDocument(name));

    // Assess
    expect(issues).toEqual([]);
  });

  it('each automation takes AutomationAssumeRole and uses it as its assumeRole', () => {
    for (const doc of shipped.values()) {
      if (doc.kind !== 'automation') continue;
      expect(doc.parameters['AutomationAssumeRole']?.default).toBe('');
      expect((doc.content as Record<string, unknown>)['assumeRole']).toBe('{{ AutomationAssumeRole }}');
    }
  });

  it('the runbooks verify their change after making it', () => {
    // Assess: the last step of each automation checks the outcome instead of trusting the API call.
    const ecs = steps(copyOf('restart-ecs-service')).map((s) => s['action']);
    const lambda = steps(copyOf('rollback-lambda-alias')).map((s) => s['action']);
    expect(ecs).toEqual(['aws:executeAwsApi', 'aws:waitForAwsResourceProperty', 'aws:assertAwsResourceProperty']);
    expect(lambda.at(-1)).toBe('aws:assertAwsResourceProperty');
  });
});

describe('validateDocument on broken documents', () => {
  it('names the step field the automation schema rejects', () => {
    // Prepare
    const doc = copyOf('restart-ecs-service');
    steps(doc)[1]!['action'] = 'aws:restartEverything';
    delete (steps(doc)[0]!['inputs'] as Record<string, unknown>)['Api'];
    steps(doc)[2]!['retries'] = 3;

    // Act
    const issues = validateDocument(doc);

    // Assess
    expect(issues).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ path: 'mainSteps[1].action', message: expect.stringContaining('must be one of') }),
        { path: 'mainSteps[0].inputs.Api', message: 'is required' },
        { path: 'mainSteps[2].retries', message: 'is not allowed here' },
      ]),
    );
  });

  it('names a parameter whose type SSM does not know', () => {
    // Prepare
    const doc = copyOf('rollback-lambda-alias');
    (doc.content['parameters'] as Record<string, Record<string, unknown>>)['AliasName']!['type'] = 'Text';

    // Act
    const issues = validateDocument(doc);

    // Assess
    expect(issues.map((i) => i.path)).toContain('parameters.AliasName.type');
  });

  it('catches references to steps and parameters that do not exist', () => {
    // Prepare
    const doc = copyOf('restart-ecs-service');
    steps(doc)[0]!['onFailure'] = 'step:rollBack';
    (steps(doc)[1]!['inputs'] as Record<string, unknown>)['cluster'] = '{{ Cluster }}';
    (steps(doc)[2]!['inputs'] as Record<string, unknown>)['DesiredValues'] = ['{{ forceNewDeployment.Id }}'];

    // Act
    const issues = validateDocument(doc);

    // Assess
    expect(issues).toEqual([
      { path: 'mainSteps[0].onFailure', message: 'there is no step named "rollBack"' },
      { path: 'mainSteps[1].inputs.cluster', message: '{{ Cluster }} is neither a parameter nor a step output' },
      {
        path: 'mainSteps[2].inputs.DesiredValues[0]',
        message: 'step "forceNewDeployment" declares no output "Id"',
      },
    ]);
  });

  it('rejects a parameter default that its own allowedPattern refuses', () => {
    // Prepare
    const doc = copyOf('collect-diagnostics');
    (doc.content['parameters'] as Record<string, Record<string, unknown>>)['Lines']!['default'] = 'all';

    // Act
    const issues = validateDocument(doc);

    // Assess
    expect(issues).toEqual([
      { path: 'parameters.Lines.default', message: expect.stringContaining('does not match the allowed pattern') },
    ]);
  });

  it('checks Command documents against the in-repo 2.2 schema', () => {
    // Prepare
    const doc = copyOf('collect-diagnostics');
    const step = steps(doc)[0]!;
    step['action'] = 'aws:runBashScript';
    delete step['name'];
    doc.content['runtimeConfig'] = {};

    // Act
    const issues = validateDocument(doc);

    // Assess
    expect(issues).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ path: 'mainSteps[0].action' }),
        { path: 'mainSteps[0].name', message: 'is required' },
        { path: 'runtimeConfig', message: 'is not allowed here' },
      ]),
    );
  });

  it('requires runCommand for shell script steps', () => {
    // Prepare
    const doc = copyOf('collect-diagnostics');
    steps(doc)[0]!['inputs'] = { timeoutSeconds: '60' };

    // Act
    const issues = validateDocument(doc);

    // Assess
    expect(issues).toEqual([{ path: 'mainSteps[0].inputs.runCommand', message: 'is required' }]);
  });
});

describe('loading documents', () => {
  it('refuses a file with an unknown schemaVersion, naming the field', () => {
    // Prepare
    const dir = mkdtempSync(join(tmpdir(), 'runwatch-runbooks-'));
    writeFileSync(join(dir, 'old.yml'), "schemaVersion: '1.2'\nruntimeConfig: {}\n");

    // Act
    let thrown: unknown;
    try {
      loadRunbookDocuments(dir);
    } catch (e) {
      thrown = e;
    }
    rmSync(dir, { recursive: true, force: true });

    // Assess
    expect(thrown).toBeInstanceOf(ValidationError);
    expect((thrown as ValidationError).issues).toEqual([{ path: 'schemaVersion', message: expect.any(String) }]);
  });

  it('refuses text that is not YAML', () => {
    // Act
    const parseBroken = () => parseRunbookDocument('broken', 'schemaVersion: "0.3\nmainSteps: [');

    // Assess
    expect(parseBroken).toThrow(/not valid YAML/);
  });
});

describe('validateParameters', () => {
  const ecs = shippedDocument('restart-ecs-service');

  it('accepts a complete, well-formed request', () => {
    // Act
    const issues = validateParameters(ecs, { ClusterName: ['genai'], ServiceName: ['inference'] });

    // Assess
    expect(issues).toEqual([]);
  });

  it('names unknown and missing parameters', () => {
    // Act
    const issues = validateParameters(ecs, { ClusterName: ['genai'], Cluster: ['genai'] });

    // Assess
    expect(issues).toEqual([
      { path: 'parameters.Cluster', message: expect.stringContaining('unknown parameter') },
      { path: 'parameters.ServiceName', message: 'is required by restart-ecs-service and has no default' },
    ]);
  });

  it('names a value that breaks allowedPattern, and a String given several values', () => {
    // Act
    const issues = validateParameters(ecs, { ClusterName: ['genai; rm -rf /'], ServiceName: ['a', 'b'] });

    // Assess
    expect(issues).toEqual([
      { path: 'parameters.ClusterName', message: expect.stringContaining('does not match the allowed pattern') },
      { path: 'parameters.ServiceName', message: 'takes exactly one value (type String), got 2' },
    ]);
  });

  it('lets a Parameter Store reference through; SSM resolves it before checking', () => {
    // Act
    const issues = validateParameters(ecs, { ClusterName: ['{{ssm:/runwatch/cluster}}'], ServiceName: ['svc'] });

    // Assess
    expect(issues).toEqual([]);
  });

  it('applies allowedPattern to Command parameters too', () => {
    // Prepare
    const diagnostics = shippedDocument('collect-diagnostics');

    // Act
    const ok = validateParameters(diagnostics, {});
    const bad = validateParameters(diagnostics, { Lines: ['1000'] });

    // Assess
    expect(ok).toEqual([]);
    expect(bad.map((i) => i.path)).toEqual(['parameters.Lines']);
  });
});

describe('AWS-owned documents', () => {
  it('describes the AWS documents runwatch.yml names', () => {
    // Assess
    expect([...AWS_OWNED_DOCUMENTS.keys()].sort()).toEqual(['AWS-RunPatchBaseline', 'AWS-UpdateSSMAgent']);
    expect(getDocument('AWS-RunPatchBaseline', shipped)?.owner).toBe('aws');
    expect(getDocument('restart-ecs-service', shipped)?.owner).toBe('runwatch');
    expect(getDocument('AWS-NoSuchDocument', shipped)).toBeUndefined();
  });

  it('checks AWS-RunPatchBaseline parameters with the same rules', () => {
    // Prepare
    const patch = getDocument('AWS-RunPatchBaseline', shipped)!;

    // Act
    const scan = validateParameters(patch, { Operation: ['Scan'] });
    const bad = validateParameters(patch, { Operation: ['Upgrade'], RebootOption: ['Later'], SnapshotId: ['x'] });
    const missing = validateParameters(patch, {});

    // Assess
    expect(scan).toEqual([]);
    expect(bad.map((i) => i.path)).toEqual([
      'parameters.Operation',
      'parameters.RebootOption',
      'parameters.SnapshotId',
    ]);
    expect(missing).toEqual([
      { path: 'parameters.Operation', message: 'is required by AWS-RunPatchBaseline and has no default' },
    ]);
  });

  it('checks AWS-UpdateSSMAgent parameters', () => {
    // Prepare
    const agent = getDocument('AWS-UpdateSSMAgent', shipped)!;

    // Act
    const issues = validateParameters(agent, { version: ['latest'], allowDowngrade: ['yes'] });

    // Assess
    expect(issues.map((i) => i.path)).toEqual(['parameters.version', 'parameters.allowDowngrade']);
  });
});

describe('validateRunbookRequest', () => {
  it('names the document when it does not exist and the kind when it does not fit', () => {
    // Act
    const unknown = validateRunbookRequest({ document: 'reboot-world', kind: 'command', parameters: {} }, shipped);
    const wrongKind = validateRunbookRequest(
      { document: 'collect-diagnostics', kind: 'automation', parameters: {} },
      shipped,
    );

    // Assess
    expect(unknown).toEqual([{ path: 'document', message: 'no SSM document named "reboot-world"' }]);
    expect(wrongKind).toEqual([{ path: 'kind', message: 'collect-diagnostics is a command document, not automation' }]);
  });

  it('accepts every runbook in runwatch.yml with its fixed parameters', async () => {
    // Prepare: templated values ({{labels.x}}) are filled with a plain sample, as the pipeline would.
    const { parse } = await import('yaml');
    const { readFileSync } = await import('node:fs');
    const config = parse(readFileSync(resolve(__dirname, '../../runwatch.yml'), 'utf8')) as {
      runbooks: {
        name: string;
        document: string;
        kind: 'automation' | 'command';
        parameters?: Record<string, string>;
      }[];
    };

    for (const runbook of config.runbooks) {
      const parameters = Object.fromEntries(
        Object.entries(runbook.parameters ?? {}).map(([k, v]) => [k, [v.includes('{{') ? 'sample-value' : v]]),
      );
      // Runbooks without fixed values for required parameters get them at start time (API or policy).
      const doc = getDocument(runbook.document, shipped);
      for (const [name, def] of Object.entries(doc?.parameters ?? {})) {
        if (def.default === undefined && !parameters[name]) parameters[name] = ['1'];
      }

      // Act
      const issues = validateRunbookRequest({ document: runbook.document, kind: runbook.kind, parameters }, shipped);

      // Assess
      expect({ runbook: runbook.name, issues }).toEqual({ runbook: runbook.name, issues: [] });
    }
  });
});
