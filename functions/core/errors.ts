// One error base for the whole project: every failure says whether a retry can help.

export interface Issue {
  /** Dotted path of the offending field, e.g. `routes[2].receiver` or `points[0].value`. */
  path: string;
  message: string;
}

export interface RunwatchErrorOptions {
  retryable?: boolean;
  cause?: unknown;
  issues?: Issue[];
}

export class RunwatchError extends Error {
  readonly retryable: boolean;
  readonly issues: Issue[];
  constructor(message: string, options: RunwatchErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'RunwatchError';
    this.retryable = options.retryable ?? false;
    this.issues = options.issues ?? [];
  }
}

/** Input that can never succeed as sent: HTTP 400, or a counted rejection / DLQ for async triggers. */
export class ValidationError extends RunwatchError {
  constructor(message: string, issues: Issue[], cause?: unknown) {
    super(message, { retryable: false, issues, cause });
    this.name = 'ValidationError';
  }
}

/** The configuration file is invalid; raised at cold start. */
export class ConfigError extends RunwatchError {
  constructor(issues: Issue[]) {
    super(`invalid configuration:\n${issues.map((i) => `  ${i.path}: ${i.message}`).join('\n')}`, {
      retryable: false,
      issues,
    });
    this.name = 'ConfigError';
  }
}

export class NotFoundError extends RunwatchError {
  constructor(what: string) {
    super(`${what} not found`, { retryable: false });
    this.name = 'NotFoundError';
  }
}

/** A state transition that is not allowed now (e.g. approving an execution that is not waiting). */
export class ConflictError extends RunwatchError {
  constructor(message: string) {
    super(message, { retryable: false });
    this.name = 'ConflictError';
  }
}

/** A downstream dependency failed (network, throttling, 5xx): retrying may help. */
export class DependencyError extends RunwatchError {
  constructor(message: string, cause?: unknown, retryable = true) {
    super(message, { retryable, cause });
    this.name = 'DependencyError';
  }
}

/** Formats zod-style paths (`['routes', 2, 'receiver']`) as `routes[2].receiver`. */
export function formatPath(path: ReadonlyArray<PropertyKey>): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out === '' ? String(part) : `.${String(part)}`;
  }
  return out === '' ? '(root)' : out;
}

/** Converts zod issues (or anything shaped like them) into runwatch issues. */
export function issuesFromZod(
  issues: ReadonlyArray<{ path: ReadonlyArray<PropertyKey>; message: string }>,
  prefix: ReadonlyArray<PropertyKey> = [],
): Issue[] {
  return issues.map((i) => ({ path: formatPath([...prefix, ...i.path]), message: i.message }));
}

export function describeIssues(issues: Issue[]): string {
  return issues.map((i) => `${i.path}: ${i.message}`).join('; ');
}
