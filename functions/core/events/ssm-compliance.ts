// SSM "Configuration Compliance State Change": a resource that falls out of compliance fires, coming back resolves it.
//
// alertname is PatchCompliance or AssociationCompliance (Compliance for custom types, whose type is in the
// complianceType label). Patch events carry a `severity` (critical, high, ...) that maps onto ours; the rest
// are warnings. The resolving event must carry the same severity for the fingerprints to match, which the
// documented events do.
import { z } from 'zod';
import { type Alert, makeAlert, normalizeSeverity } from '../alert';
import { compact, consoleBase, nonEmpty, parseOrThrow } from './common';
import type { Envelope } from './eventbridge';

export const SSM_COMPLIANCE_DETAIL_TYPE = 'Configuration Compliance State Change';

const complianceDetailSchema = z.object({
  'resource-type': z.string().optional(),
  'resource-id': nonEmpty,
  'compliance-status': z
    .string()
    .transform((s) => s.toLowerCase().replace(/-/g, '_'))
    .pipe(z.enum(['compliant', 'non_compliant'])),
  'compliance-type': nonEmpty,
  'patch-baseline-id': z.string().optional(),
  'last-runtime': z.string().optional(),
  severity: z.string().optional(),
});

function alertnameOf(complianceType: string): string {
  if (complianceType === 'Patch') return 'PatchCompliance';
  if (complianceType === 'Association') return 'AssociationCompliance';
  return 'Compliance';
}

export function normalizeSsmCompliance(envelope: Envelope): Alert[] {
  const d = parseOrThrow(complianceDetailSchema, envelope.detail, 'SSM compliance state change', ['detail']);
  const resolved = d['compliance-status'] === 'compliant';
  const type = d['compliance-type'];
  const consoleHost = consoleBase(envelope.region);
  return [
    makeAlert({
      status: resolved ? 'resolved' : 'firing',
      severity: normalizeSeverity(d.severity, 'warning'),
      source: 'ssm',
      labels: compact({
        alertname: alertnameOf(type),
        account: envelope.account,
        region: envelope.region,
        resourceId: d['resource-id'],
        resourceType: d['resource-type'],
        complianceType: type,
      }),
      annotations: compact({
        summary: `${d['resource-id']} is ${resolved ? 'compliant' : 'not compliant'} (${type})`,
        patch_baseline_id: d['patch-baseline-id'],
        last_runtime: d['last-runtime'],
        compliance_severity: d.severity,
      }),
      startsAt: envelope.time,
      ...(resolved ? { endsAt: envelope.time } : {}),
      ...(consoleHost ? { generatorURL: `${consoleHost}/systems-manager/compliance?region=${envelope.region}` } : {}),
    }),
  ];
}
