import { describe, expect, it } from 'vitest';
import { normalizeEvent } from '../../../functions/core/events';
import { loadEvent } from '../../helpers/events';
import { ctx, normalizeAlerts, REMOVE, validationIssues, withChange } from './support';

describe('Alertmanager webhook', () => {
  it('turns each alert of the group into one alert, keeping its labels and annotations', () => {
    // Prepare
    const payload = loadEvent('alertmanager-webhook');

    // Act
    const result = normalizeEvent(payload, ctx);

    // Assess
    expect(result).toMatchObject({ kind: 'alerts', source: 'alertmanager', shape: 'alertmanager:webhook' });
    const [queue, gpu] = normalizeAlerts(payload);
    expect(queue).toMatchObject({ status: 'firing', severity: 'warning', startsAt: '2026-11-27T14:20:15.123Z' });
    expect(queue!.labels).toEqual({
      alertname: 'VllmRequestQueueHigh',
      instance: '10.0.12.57:8000',
      job: 'vllm',
      model: 'llama-3.1-8b-instruct',
      namespace: 'genai',
      severity: 'warning',
      source: 'alertmanager',
    });
    expect(queue!.annotations.runbook_url).toBe('https://runbooks.example.com/genai/vllm-queue');
    expect(queue!.generatorURL).toContain('vllm%3Anum_requests_waiting');
    expect(gpu).toMatchObject({
      status: 'resolved',
      severity: 'critical',
      startsAt: '2026-11-27T13:48:00.500Z',
      endsAt: '2026-11-27T14:25:30.500Z',
    });
  });

  it('drops the zero end time Alertmanager sends for firing alerts', () => {
    // Prepare
    const payload = loadEvent('alertmanager-webhook');

    // Act
    const [firing] = normalizeAlerts(payload);

    // Assess
    expect(firing!.endsAt).toBeUndefined();
  });

  it('keeps one fingerprint for an alert from firing to resolved', () => {
    // Prepare
    const firing = loadEvent('alertmanager-webhook');
    const resolved = withChange(
      withChange(firing, ['alerts', 0, 'status'], 'resolved'),
      ['alerts', 0, 'endsAt'],
      '2026-11-27T14:44:15.1Z',
    );

    // Act
    const [before] = normalizeAlerts(firing);
    const [after] = normalizeAlerts(resolved);

    // Assess
    expect(after).toMatchObject({
      status: 'resolved',
      fingerprint: before!.fingerprint,
      endsAt: '2026-11-27T14:44:15.100Z',
    });
  });

  it('maps an unknown severity spelling to warning', () => {
    // Prepare
    const payload = withChange(loadEvent('alertmanager-webhook'), ['alerts', 0, 'labels', 'severity'], 'page');
    const none = withChange(loadEvent('alertmanager-webhook'), ['alerts', 0, 'labels', 'severity'], REMOVE);

    // Act
    const [paged] = normalizeAlerts(payload);
    const [unlabelled] = normalizeAlerts(none);

    // Assess
    expect(paged!.severity).toBe('critical');
    expect(unlabelled!.severity).toBe('warning');
  });

  it('names the alert whose labels are missing', () => {
    // Prepare
    const payload = withChange(loadEvent('alertmanager-webhook'), ['alerts', 1, 'labels'], REMOVE);

    // Act
    const issues = validationIssues(() => normalizeEvent(payload, ctx));

    // Assess
    expect(issues.map((i) => i.path)).toEqual(['alerts[1].labels']);
  });
});
