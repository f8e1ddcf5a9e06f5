import { describe, expect, it } from 'vitest';
import { normalizeEvent } from '../../../functions/core/events';
import { loadEvent } from '../../helpers/events';
import { ctx, normalizeAlerts, REMOVE, validationIssues, withChange } from './support';

describe('SSM configuration compliance changes', () => {
  it('fires PatchCompliance for a non-compliant instance, with the patch severity', () => {
    // Prepare
    const event = loadEvent('ssm-compliance.eventbridge');

    // Act
    const result = normalizeEvent(event, ctx);

    // Assess
    expect(result).toMatchObject({ kind: 'alerts', source: 'ssm', shape: 'eventbridge:ssm-compliance' });
    const [alert] = normalizeAlerts(event);
    expect(alert).toMatchObject({ status: 'firing', severity: 'critical', startsAt: '2026-11-27T03:17:45.000Z' });
    expect(alert!.labels).toMatchObject({
      alertname: 'PatchCompliance',
      resourceId: 'i-0a1b2c3d4e5f67890',
      complianceType: 'Patch',
      resourceType: 'managed-instance',
    });
    expect(alert!.annotations.patch_baseline_id).toBe('pb-0c10e65780EXAMPLE');
  });

  it('resolves with the same fingerprint when the instance is compliant again', () => {
    // Prepare
    const nonCompliant = loadEvent('ssm-compliance.eventbridge');
    const compliant = withChange(
      withChange(nonCompliant, ['detail', 'compliance-status'], 'compliant'),
      ['time'],
      '2026-11-27T04:02:10Z',
    );

    // Act
    const [firing] = normalizeAlerts(nonCompliant);
    const [resolved] = normalizeAlerts(compliant);

    // Assess
    expect(resolved).toMatchObject({
      status: 'resolved',
      fingerprint: firing!.fingerprint,
      endsAt: '2026-11-27T04:02:10.000Z',
    });
  });

  it('calls association drift AssociationCompliance, a warning', () => {
    // Prepare
    const event = withChange(
      withChange(loadEvent('ssm-compliance.eventbridge'), ['detail', 'compliance-type'], 'Association'),
      ['detail', 'severity'],
      REMOVE,
    );

    // Act
    const [alert] = normalizeAlerts(event);

    // Assess
    expect(alert).toMatchObject({ severity: 'warning' });
    expect(alert!.labels.alertname).toBe('AssociationCompliance');
  });

  it('accepts the upper-case status spelling', () => {
    // Prepare
    const event = withChange(loadEvent('ssm-compliance.eventbridge'), ['detail', 'compliance-status'], 'NON_COMPLIANT');

    // Act
    const [alert] = normalizeAlerts(event);

    // Assess
    expect(alert!.status).toBe('firing');
  });

  it('names an unknown compliance status', () => {
    // Prepare
    const event = withChange(loadEvent('ssm-compliance.eventbridge'), ['detail', 'compliance-status'], 'unknown');

    // Act
    const issues = validationIssues(() => normalizeEvent(event, ctx));

    // Assess
    expect(issues.map((i) => i.path)).toEqual(['detail.compliance-status']);
  });
});
