// Parameter descriptions of the AWS-owned SSM documents runwatch.yml names, so requests for them are checked like ours.
import type { RunbookDocument } from './ssm-documents';

// Transcribed from the AWS Systems Manager User Guide ("SSM Command document for patching:
// AWS-RunPatchBaseline", "Updating the SSM Agent using Run Command"). Only the parameters are
// described: the documents themselves live in AWS and are never validated here.

const uuid = '[a-fA-F0-9]{8}-[a-fA-F0-9]{4}-[a-fA-F0-9]{4}-[a-fA-F0-9]{4}-[a-fA-F0-9]{12}';
const httpsOrS3 = '(^$)|^https://.+$|^s3://([^/]+)/(.*?([^/]+))$';

const runPatchBaseline: RunbookDocument = {
  name: 'AWS-RunPatchBaseline',
  kind: 'command',
  owner: 'aws',
  description: 'Scans for or installs patches from the patch baseline that applies to each managed node.',
  parameters: {
    Operation: {
      type: 'String',
      description: '(Required) Scan reports compliance only; Install installs missing approved patches.',
      allowedValues: ['Scan', 'Install'],
    },
    SnapshotId: {
      type: 'String',
      description: '(Optional) GUID that makes every node in one operation use the same baseline snapshot.',
      default: '',
      allowedPattern: `(^$)|^${uuid}$`,
    },
    InstallOverrideList: {
      type: 'String',
      description: '(Optional) https or s3 URL of a YAML list of patches that overrides the baseline for Install.',
      default: '',
      allowedPattern: httpsOrS3,
    },
    RebootOption: {
      type: 'String',
      description: '(Optional) Reboot after Install when patches were installed (RebootIfNeeded) or never (NoReboot).',
      default: 'RebootIfNeeded',
      allowedValues: ['RebootIfNeeded', 'NoReboot'],
    },
    BaselineOverride: {
      type: 'String',
      description: '(Optional) https or s3 URL of a JSON list of patch baselines used instead of the default ones.',
      default: '',
      allowedPattern: httpsOrS3,
    },
  },
  content: undefined,
};

const updateSsmAgent: RunbookDocument = {
  name: 'AWS-UpdateSSMAgent',
  kind: 'command',
  owner: 'aws',
  description: 'Updates the SSM Agent to the latest (or a given) version.',
  parameters: {
    version: {
      type: 'String',
      description: '(Optional) Agent version to install, e.g. 3.3.40.0; empty for the latest.',
      default: '',
      allowedPattern: '^$|^\\d+\\.\\d+\\.\\d+\\.\\d+$',
    },
    allowDowngrade: {
      type: 'String',
      description: '(Optional) Allow installing an older version than the one installed.',
      default: 'false',
      allowedValues: ['true', 'false'],
    },
  },
  content: undefined,
};

export const AWS_OWNED_DOCUMENTS: ReadonlyMap<string, RunbookDocument> = new Map(
  [runPatchBaseline, updateSsmAgent].map((d) => [d.name, d]),
);
