// Checks a runbook request against the documents in runbooks/ (and the AWS-owned ones runwatch names).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Issue } from '../../functions/core/errors';
import type { StartRunbookRequest } from '../../functions/ports';

export function runbookValidator(dir: string): (request: StartRunbookRequest) => Issue[] {
  return (request) => {
    if (/^(AWS|Amazon)/.test(request.document)) return [];
    if (!existsSync(join(dir, `${request.document}.yml`))) {
      return [{ path: 'document', message: `no document ${request.document} in runbooks/` }];
    }
    return [];
  };
}
