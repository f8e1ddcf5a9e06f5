// The SSM documents runwatch can run: loads runbooks/, validates documents and start requests the way SSM would.
import { readdirSync, readFileSync } from 'node:fs';
import { basename, extname, join, resolve } from 'node:path';
import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import automationSchema from 'aws-ssm-document-language-service/dist/schema.json';
import { parse } from 'yaml';
import { formatPath, type Issue, ValidationError } from '../../core/errors';
import { AWS_OWNED_DOCUMENTS } from './aws-owned-documents';

export type RunbookKind = 'automation' | 'command';

export interface DocumentParameter {
  type: string;
  description?: string;
  default?: unknown;
  allowedValues?: unknown[];
  allowedPattern?: string;
  minItems?: number;
  maxItems?: number;
  minChars?: number;
  maxChars?: number;
}

export interface RunbookDocument {
  /** File name without extension for shipped documents (deployed as `runwatch-<stage>-<name>`), or the AWS name. */
  name: string;
  /** From schemaVersion: 0.3 is Automation (StartAutomationExecution), 2.2 is Command (SendCommand). */
  kind: RunbookKind;
  owner: 'runwatch' | 'aws';
  description: string;
  parameters: Record<string, DocumentParameter>;
  /** The parsed document; undefined for AWS-owned documents, of which only the parameters are known. */
  content: unknown;
  file?: string;
}

const KIND_BY_SCHEMA_VERSION: Record<string, RunbookKind> = { '0.3': 'automation', '2.2': 'command' };

/** Reads every .yml/.yaml file in `dir`. Throws ValidationError when a file is not YAML or has no known schemaVersion. */
export function loadRunbookDocuments(dir: string): Map<string, RunbookDocument> {
  const documents = new Map<string, RunbookDocument>();
  const files = readdirSync(dir)
    .filter((f) => /\.ya?ml$/i.test(f))
    .sort();
  for (const file of files) {
    const path = join(dir, file);
    const doc = parseRunbookDocument(basename(file, extname(file)), readFileSync(path, 'utf8'));
    documents.set(doc.name, { ...doc, file: path });
  }
  return documents;
}

/** Parses one document's YAML text; `name` is what the document will be called (file name without extension). */
export function parseRunbookDocument(name: string, text: string): RunbookDocument {
  let content: unknown;
  try {
    content = parse(text);
  } catch (e) {
    throw new ValidationError(`runbook ${name} is not valid YAML`, [{ path: '(root)', message: (e as Error).message }]);
  }
  const body = isRecord(content) ? content : {};
  const kind = KIND_BY_SCHEMA_VERSION[String(body['schemaVersion'])];
  if (!kind) {
    throw new ValidationError(`runbook ${name} has no supported schemaVersion`, [
      { path: 'schemaVersion', message: "must be '0.3' (Automation) or '2.2' (Command)" },
    ]);
  }
  return {
    name,
    kind,
    owner: 'runwatch',
    description: typeof body['description'] === 'string' ? body['description'] : '',
    parameters: isRecord(body['parameters']) ? (body['parameters'] as Record<string, DocumentParameter>) : {},
    content,
  };
}

// ---- document validation ------------------------------------------------------------------------

// No schema is published for Command documents; this one covers what runwatch ships (schemaVersion 2.2).
const parameterDefinition = {
  type: 'object',
  required: ['type'],
  additionalProperties: false,
  properties: {
    type: { enum: ['String', 'StringList', 'Boolean', 'Integer', 'MapList', 'StringMap'] },
    description: { type: 'string' },
    default: {},
    allowedValues: { type: 'array' },
    allowedPattern: { type: 'string' },
    displayType: { enum: ['textfield', 'textarea'] },
    minItems: { type: 'integer', minimum: 0 },
    maxItems: { type: 'integer', minimum: 0 },
    minChars: { type: 'integer', minimum: 0 },
    maxChars: { type: 'integer', minimum: 0 },
    interpolationType: { enum: ['ENV_VAR'] },
  },
};

const scriptInputs = {
  type: 'object',
  required: ['runCommand'],
  properties: {
    runCommand: {
      anyOf: [
        { type: 'string', minLength: 1 },
        { type: 'array', minItems: 1, items: { type: 'string' } },
      ],
    },
    timeoutSeconds: { type: ['string', 'integer'], pattern: '^[0-9]+$' },
    workingDirectory: { type: 'string' },
  },
};

export const COMMAND_DOCUMENT_SCHEMA = {
  type: 'object',
  required: ['schemaVersion', 'mainSteps'],
  additionalProperties: false,
  properties: {
    schemaVersion: { const: '2.2' },
    description: { type: 'string' },
    parameters: { type: 'object', additionalProperties: parameterDefinition },
    mainSteps: {
      type: 'array',
      minItems: 1,
      items: {
        type: 'object',
        required: ['action', 'name', 'inputs'],
        additionalProperties: false,
        properties: {
          action: {
            enum: [
              'aws:applications',
              'aws:configureDocker',
              'aws:configurePackage',
              'aws:domainJoin',
              'aws:downloadContent',
              'aws:psModule',
              'aws:refreshAssociation',
              'aws:runDockerAction',
              'aws:runDocument',
              'aws:runPowerShellScript',
              'aws:runShellScript',
              'aws:softwareInventory',
              'aws:updateAgent',
              'aws:updateSsmAgent',
            ],
          },
          name: { type: 'string', pattern: '^[A-Za-z0-9_.-]{1,100}$' },
          inputs: { type: 'object' },
          precondition: {
            type: 'object',
            additionalProperties: false,
            required: ['StringEquals'],
            properties: {
              StringEquals: { type: 'array', minItems: 2, maxItems: 2, items: { type: 'string' } },
            },
          },
        },
        allOf: [
          {
            if: { properties: { action: { enum: ['aws:runShellScript', 'aws:runPowerShellScript'] } } },
            // biome-ignore lint/suspicious/noThenProperty: `then` is the JSON Schema keyword, not a thenable.
            then: { properties: { inputs: scriptInputs } },
          },
        ],
      },
    },
  },
} as const;

let validators: { automation: ValidateFunction; command: ValidateFunction } | undefined;

function getValidators() {
  if (!validators) {
    // The automation schema's patterns are not valid with the `u` flag, which ajv adds by default.
    const regExp = Object.assign((pattern: string) => new RegExp(pattern), { code: 'new RegExp' });
    const ajv = new Ajv({ strict: false, allErrors: true, code: { regExp } });
    const { $schema: _ignored, ...schema } = automationSchema as Record<string, unknown>;
    validators = { automation: ajv.compile(schema), command: ajv.compile(COMMAND_DOCUMENT_SCHEMA) };
  }
  return validators;
}

/** Issues SSM would raise for this document (schema), plus references to steps and parameters that do not exist. */
export function validateDocument(doc: RunbookDocument): Issue[] {
  if (doc.owner === 'aws') return [];
  const validate = getValidators()[doc.kind];
  const issues = validate(doc.content) ? [] : issuesFromAjv(validate.errors ?? []);
  if (!isRecord(doc.content)) return issues;
  return [...issues, ...checkParameters(doc.content), ...checkSteps(doc.kind, doc.content)];
}

function issuesFromAjv(errors: ErrorObject[]): Issue[] {
  const seen = new Set<string>();
  const issues: Issue[] = [];
  for (const e of errors) {
    // `if` only says which `then` failed; the `then` errors themselves are reported.
    if (e.keyword === 'if') continue;
    const segments: PropertyKey[] = e.instancePath
      .split('/')
      .slice(1)
      .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
      .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
    let message = e.message ?? 'is invalid';
    if (e.keyword === 'additionalProperties') {
      segments.push(String(e.params['additionalProperty']));
      message = 'is not allowed here';
    } else if (e.keyword === 'required') {
      segments.push(String(e.params['missingProperty']));
      message = 'is required';
    } else if (e.keyword === 'enum') {
      message = `must be one of ${(e.params['allowedValues'] as unknown[]).join(', ')}`;
    }
    const issue = { path: formatPath(segments), message };
    const key = `${issue.path}\u0000${issue.message}`;
    if (!seen.has(key)) {
      seen.add(key);
      issues.push(issue);
    }
  }
  return issues;
}

function checkParameters(content: Record<string, unknown>): Issue[] {
  const issues: Issue[] = [];
  const parameters = isRecord(content['parameters']) ? content['parameters'] : {};
  for (const [name, def] of Object.entries(parameters)) {
    if (!isRecord(def)) continue;
    const path = `parameters.${name}`;
    const pattern = def['allowedPattern'];
    if (typeof pattern === 'string' && !compile(pattern)) {
      issues.push({ path: `${path}.allowedPattern`, message: 'is not a valid regular expression' });
    }
    if (def['default'] !== undefined && typeof def['default'] !== 'object') {
      const problems = valueProblems(def as unknown as DocumentParameter, String(def['default']));
      for (const p of problems) issues.push({ path: `${path}.default`, message: p });
    }
  }
  return issues;
}

// Variables every automation can reference (AWS Systems Manager User Guide, "System variables").
const AUTOMATION_BUILTINS = new Set([
  'automation:EXECUTION_ID',
  'automation:DOCUMENT_EXECUTION_ID',
  'global:ACCOUNT_ID',
  'global:REGION',
  'global:DATE',
  'global:DATE_TIME',
  'global:AWS_PARTITION',
]);

function checkSteps(kind: RunbookKind, content: Record<string, unknown>): Issue[] {
  const issues: Issue[] = [];
  const steps = Array.isArray(content['mainSteps']) ? content['mainSteps'] : [];
  const parameters = new Set(Object.keys(isRecord(content['parameters']) ? content['parameters'] : {}));
  const stepOutputs = new Map<string, Set<string> | undefined>();
  steps.forEach((step, i) => {
    if (!isRecord(step) || typeof step['name'] !== 'string') return;
    if (stepOutputs.has(step['name'])) {
      issues.push({ path: `mainSteps[${i}].name`, message: `duplicate step name "${step['name']}"` });
    }
    // Only aws:executeAwsApi outputs are all user-declared; other actions have built-in outputs too.
    const declared = Array.isArray(step['outputs'])
      ? new Set(step['outputs'].filter(isRecord).map((o) => String(o['Name'])))
      : new Set<string>();
    stepOutputs.set(step['name'], step['action'] === 'aws:executeAwsApi' ? declared : undefined);
  });

  const checkReference = (ref: string, path: string) => {
    if (parameters.has(ref) || ref.startsWith('ssm:') || ref.startsWith('resolve:')) return;
    if (kind === 'automation' && AUTOMATION_BUILTINS.has(ref)) return;
    const [stepName, output, ...rest] = ref.split('.');
    if (kind === 'automation' && stepName && output && rest.length === 0 && stepOutputs.has(stepName)) {
      const outputs = stepOutputs.get(stepName);
      if (!outputs || outputs.has(output)) return;
      issues.push({ path, message: `step "${stepName}" declares no output "${output}"` });
      return;
    }
    issues.push({ path, message: `{{ ${ref} }} is neither a parameter nor a step output` });
  };
  const checkStepTarget = (target: unknown, path: string) => {
    if (typeof target === 'string' && !stepOutputs.has(target)) {
      issues.push({ path, message: `there is no step named "${target}"` });
    }
  };

  if (typeof content['assumeRole'] === 'string') {
    for (const ref of references(content['assumeRole'])) checkReference(ref, 'assumeRole');
  }
  steps.forEach((step, i) => {
    if (!isRecord(step)) return;
    const at = `mainSteps[${i}]`;
    walkStrings(step['inputs'], `${at}.inputs`, (text, path) => {
      for (const ref of references(text)) checkReference(ref, path);
    });
    if (kind !== 'automation') return;
    // The published schema only requires Service here; SSM also needs Api.
    if (step['action'] === 'aws:executeAwsApi' && isRecord(step['inputs']) && step['inputs']['Api'] === undefined) {
      issues.push({ path: `${at}.inputs.Api`, message: 'is required' });
    }
    for (const key of ['onFailure', 'onCancel'] as const) {
      const value = step[key];
      if (typeof value === 'string' && value.startsWith('step:')) checkStepTarget(value.slice(5), `${at}.${key}`);
    }
    checkStepTarget(step['nextStep'], `${at}.nextStep`);
    if (step['action'] === 'aws:branch' && isRecord(step['inputs'])) {
      const choices = Array.isArray(step['inputs']['Choices']) ? step['inputs']['Choices'] : [];
      choices.forEach((c, j) => {
        if (isRecord(c)) checkStepTarget(c['NextStep'], `${at}.inputs.Choices[${j}].NextStep`);
      });
      checkStepTarget(step['inputs']['Default'], `${at}.inputs.Default`);
    }
  });
  const outputs = Array.isArray(content['outputs']) ? content['outputs'] : [];
  outputs.forEach((o, i) => {
    if (typeof o === 'string') checkReference(o, `outputs[${i}]`);
  });
  return issues;
}

function references(text: string): string[] {
  return [...text.matchAll(/\{\{\s*([^{}\s]+)\s*\}\}/g)].map((m) => m[1]!);
}

function walkStrings(value: unknown, path: string, visit: (text: string, path: string) => void): void {
  if (typeof value === 'string') visit(value, path);
  else if (Array.isArray(value)) {
    for (const [i, v] of value.entries()) walkStrings(v, `${path}[${i}]`, visit);
  } else if (isRecord(value)) for (const [k, v] of Object.entries(value)) walkStrings(v, `${path}.${k}`, visit);
}

// ---- start-request validation -------------------------------------------------------------------

/**
 * Checks parameters the way StartAutomationExecution / SendCommand do before anything runs:
 * unknown names, required ones missing (no default), allowedValues, allowedPattern and type.
 */
export function validateParameters(doc: RunbookDocument, params: Record<string, string[]>): Issue[] {
  const issues: Issue[] = [];
  const known = Object.keys(doc.parameters);
  for (const [name, values] of Object.entries(params)) {
    const def = doc.parameters[name];
    const path = `parameters.${name}`;
    if (!def) {
      issues.push({
        path,
        message: `unknown parameter for ${doc.name}; it accepts ${known.length ? known.join(', ') : 'no parameters'}`,
      });
      continue;
    }
    if (def.type !== 'StringList' && def.type !== 'MapList' && values.length !== 1) {
      issues.push({ path, message: `takes exactly one value (type ${def.type}), got ${values.length}` });
      continue;
    }
    if (def.minItems !== undefined && values.length < def.minItems) {
      issues.push({ path, message: `needs at least ${def.minItems} values, got ${values.length}` });
    }
    if (def.maxItems !== undefined && values.length > def.maxItems) {
      issues.push({ path, message: `takes at most ${def.maxItems} values, got ${values.length}` });
    }
    for (const value of values) {
      for (const problem of valueProblems(def, value)) issues.push({ path, message: problem });
    }
  }
  for (const [name, def] of Object.entries(doc.parameters)) {
    if (def.default === undefined && params[name] === undefined) {
      issues.push({ path: `parameters.${name}`, message: `is required by ${doc.name} and has no default` });
    }
  }
  return issues;
}

/** Everything wrong with one start request: the document exists, is of the expected kind, and takes these parameters. */
export function validateRunbookRequest(
  request: { document: string; kind: RunbookKind; parameters: Record<string, string[]> },
  shipped?: ReadonlyMap<string, RunbookDocument>,
): Issue[] {
  const doc = getDocument(request.document, shipped);
  if (!doc) return [{ path: 'document', message: `no SSM document named "${request.document}"` }];
  if (doc.kind !== request.kind) {
    return [{ path: 'kind', message: `${doc.name} is a ${doc.kind} document, not ${request.kind}` }];
  }
  return validateParameters(doc, request.parameters);
}

function valueProblems(def: DocumentParameter, value: string): string[] {
  // Parameter Store references are resolved by SSM before its own checks run.
  if (/^\{\{\s*ssm:[^}]+\}\}$/.test(value)) return [];
  const problems: string[] = [];
  if (def.allowedValues && !def.allowedValues.map(String).includes(value)) {
    problems.push(`"${value}" is not one of the allowed values ${def.allowedValues.join(', ')}`);
  }
  if (def.allowedPattern !== undefined) {
    const re = compile(def.allowedPattern);
    if (re && !re.test(value)) problems.push(`"${value}" does not match the allowed pattern ${def.allowedPattern}`);
  }
  if (def.type === 'Integer' && !/^-?\d+$/.test(value)) problems.push(`"${value}" is not an integer`);
  if (def.type === 'Boolean' && value !== 'true' && value !== 'false') problems.push(`"${value}" is not true or false`);
  if (def.minChars !== undefined && value.length < def.minChars) {
    problems.push(`is shorter than ${def.minChars} characters`);
  }
  if (def.maxChars !== undefined && value.length > def.maxChars) {
    problems.push(`is longer than ${def.maxChars} characters`);
  }
  return problems;
}

const compiled = new Map<string, RegExp | undefined>();
function compile(pattern: string): RegExp | undefined {
  if (!compiled.has(pattern)) {
    try {
      compiled.set(pattern, new RegExp(pattern));
    } catch {
      compiled.set(pattern, undefined);
    }
  }
  return compiled.get(pattern);
}

// ---- lookup -------------------------------------------------------------------------------------

let defaultShipped: Map<string, RunbookDocument> | undefined;

/** The shipped documents in ./runbooks (relative to the working directory), loaded once. */
export function shippedDocuments(): ReadonlyMap<string, RunbookDocument> {
  defaultShipped ??= loadRunbookDocuments(resolve('runbooks'));
  return defaultShipped;
}

/** A shipped document by file name, else an AWS-owned one by its AWS name. */
export function getDocument(
  name: string,
  shipped: ReadonlyMap<string, RunbookDocument> = shippedDocuments(),
): RunbookDocument | undefined {
  return shipped.get(name) ?? AWS_OWNED_DOCUMENTS.get(name);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
