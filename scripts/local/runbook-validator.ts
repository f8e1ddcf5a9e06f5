// Checks a runbook request the way SSM would: the document (shipped in runbooks/ or AWS-owned) and its parameters.
import { loadRunbookDocuments, validateRunbookRequest } from '../../functions/adapters/local/ssm-documents';
import type { Issue } from '../../functions/core/errors';
import type { StartRunbookRequest } from '../../functions/ports';

export function runbookValidator(dir: string): (request: StartRunbookRequest) => Issue[] {
  const shipped = loadRunbookDocuments(dir);
  return (request) => validateRunbookRequest(request, shipped);
}
