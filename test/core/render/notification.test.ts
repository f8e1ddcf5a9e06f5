import type { KnownBlock, SectionBlock } from '@slack/types';
import { describe, expect, it } from 'vitest';
import { type Alert, type AlertDraft, makeAlert } from '../../../functions/core/alert';
import { ValidationError } from '../../../functions/core/errors';
import { renderAlertNotification, renderExecutionNotification } from '../../../functions/core/render/notification';
import type { ExecutionRecord } from '../../../functions/ports';

function ecsStopped(overrides: Partial<AlertDraft> = {}, labels: Record<string, string> = {}): Alert {
  return makeAlert({
    status: 'firing',
    severity: 'critical',
    source: 'ecs',
    labels: { alertname: 'EcsTaskStopped', service: 'genai-inference', cluster: 'genai', ...labels },
    annotations: {
      summary: 'ECS task stopped unexpectedly',
      description: 'Essential container in task exited',
    },
    startsAt: '2026-11-27T10:00:00.000Z',
    generatorURL: 'https://console.aws.amazon.com/ecs/v2/clusters/genai/services/genai-inference',
    ...overrides,
  });
}

function blocksOf(alerts: Alert[], options = {}): KnownBlock[] {
  return renderAlertNotification('oncall', alerts, options).slack.blocks as KnownBlock[];
}

/** Independent check of the limits Slack enforces with `invalid_blocks`. */
function expectWithinSlackLimits(blocks: KnownBlock[]): void {
  expect(blocks.length).toBeLessThanOrEqual(50);
  for (const block of blocks) {
    if (block.type === 'header') expect(block.text.text.length).toBeLessThanOrEqual(150);
    if (block.type === 'section') {
      expect(block.text !== undefined || (block.fields?.length ?? 0) > 0).toBe(true);
      if (block.text) expect(block.text.text.length).toBeLessThanOrEqual(3000);
      expect(block.fields?.length ?? 0).toBeLessThanOrEqual(10);
      for (const f of block.fields ?? []) expect(f.text.length).toBeLessThanOrEqual(2000);
    }
    if (block.type === 'context') expect(block.elements.length).toBeLessThanOrEqual(10);
  }
}

function sectionTexts(blocks: KnownBlock[]): string[] {
  return blocks.flatMap((b) =>
    b.type === 'section' ? [b.text?.text ?? '', ...(b.fields ?? []).map((f) => f.text)] : [],
  );
}

describe('renderAlertNotification', () => {
  it('titles a firing group the Alertmanager way: count, alert name, common labels, worst severity', () => {
    // Prepare
    const alerts = [ecsStopped({}, { task: 'a1' }), ecsStopped({ severity: 'warning' }, { task: 'b2' })];

    // Act
    const n = renderAlertNotification('oncall', alerts);

    // Assess
    expect(n.subject).toBe('[FIRING:2] EcsTaskStopped genai-inference genai (critical)');
    expect(n.receiver).toBe('oncall');
    expect(n.alerts).toBe(alerts);
  });

  it('titles an all-resolved group [RESOLVED] and counts only firing alerts otherwise', () => {
    // Prepare
    const resolved = ecsStopped({ status: 'resolved', endsAt: '2026-11-27T10:05:00.000Z' });
    const firing = ecsStopped({}, { task: 'c3' });

    // Act
    const onlyResolved = renderAlertNotification('oncall', [resolved]);
    const mixed = renderAlertNotification('oncall', [resolved, firing]);

    // Assess
    expect(onlyResolved.subject).toBe('[RESOLVED] EcsTaskStopped genai-inference genai (critical)');
    expect(mixed.subject.startsWith('[FIRING:1] ')).toBe(true);
    expect(mixed.text).toContain('1 firing, 1 resolved');
  });

  it('names every alert when a group mixes alert names', () => {
    // Prepare
    const alerts = [
      ecsStopped(),
      makeAlert({
        status: 'firing',
        severity: 'warning',
        source: 'cloudwatch',
        labels: { alertname: 'BedrockThrottles', model: 'claude' },
        startsAt: '2026-11-27T10:00:00.000Z',
      }),
    ];

    // Act
    const n = renderAlertNotification('oncall', alerts);

    // Assess
    expect(n.subject).toBe('[FIRING:2] EcsTaskStopped, BedrockThrottles (critical)');
  });

  it('writes a plain-text body with status, severity, labels, annotations, times and links', () => {
    // Prepare
    const alert = ecsStopped(
      {
        status: 'resolved',
        endsAt: '2026-11-27T10:05:00.000Z',
        annotations: { summary: 'Task died', runbook_url: 'https://wiki/run' },
      },
      { task: 'a1' },
    );

    // Act
    const { text } = renderAlertNotification('oncall', [alert], {
      links: { alerts: 'http://127.0.0.1:3000/v1/alerts' },
    });

    // Assess
    expect(text.split('\n')[0]).toBe('[RESOLVED] EcsTaskStopped genai-inference genai a1 (critical)');
    expect(text).toContain('RESOLVED · CRITICAL · EcsTaskStopped');
    expect(text).toContain('Summary:     Task died');
    expect(text).toContain('Labels:      service=genai-inference, cluster=genai, task=a1');
    expect(text).toContain('Started:     2026-11-27T10:00:00.000Z');
    expect(text).toContain('Ended:       2026-11-27T10:05:00.000Z');
    expect(text).toContain(
      'Link:        https://console.aws.amazon.com/ecs/v2/clusters/genai/services/genai-inference',
    );
    expect(text).toContain('Runbook:     https://wiki/run');
    expect(text).toContain('All alerts: http://127.0.0.1:3000/v1/alerts');
  });

  it('builds Block Kit: a header, a section per alert with severity/source/label fields, times, a source button', () => {
    // Prepare
    const alerts = [ecsStopped({}, { task: 'a1' }), ecsStopped({ severity: 'warning' }, { task: 'b2' })];

    // Act
    const n = renderAlertNotification('oncall', alerts);
    const blocks = n.slack.blocks as KnownBlock[];

    // Assess
    expect(blocks[0]).toEqual({ type: 'header', text: { type: 'plain_text', text: n.subject, emoji: true } });
    expect(n.slack.text).toBe(n.subject);
    const sections = blocks.filter((b) => b.type === 'section');
    expect(sections).toHaveLength(2);
    expect(sections[0]?.fields?.map((f) => f.text)).toEqual([
      '*Severity*\n:rotating_light: critical',
      '*Source*\necs',
      '*service*\ngenai-inference',
      '*cluster*\ngenai',
      '*task*\na1',
    ]);
    const contexts = blocks.filter((b) => b.type === 'context').flatMap((b) => b.elements);
    expect(contexts.some((e) => 'text' in e && e.text.includes('<!date^1795773600^'))).toBe(true);
    const buttons = blocks.flatMap((b) => (b.type === 'actions' ? b.elements : []));
    expect(buttons).toHaveLength(2);
    expect(buttons[0]).toMatchObject({ type: 'button', url: alerts[0]?.generatorURL });
    expectWithinSlackLimits(blocks);
  });

  it('skips the source button when generatorURL is absent or not a web link', () => {
    // Prepare
    const alerts = [
      ecsStopped({ generatorURL: undefined }),
      ecsStopped({ generatorURL: 'javascript:alert(1)' }, { t: '2' }),
    ];

    // Act
    const blocks = blocksOf(alerts);

    // Assess
    expect(blocks.some((b) => b.type === 'actions')).toBe(false);
  });

  it('caps a storm at 50 blocks, showing the worst alerts and collapsing the rest into "…and N more alerts"', () => {
    // Prepare
    const alerts = Array.from({ length: 120 }, (_, i) =>
      ecsStopped({ severity: i === 119 ? 'critical' : 'info' }, { task: `task-${i}` }),
    );

    // Act
    const blocks = blocksOf(alerts);

    // Assess
    expectWithinSlackLimits(blocks);
    // Each alert takes 4 blocks (divider, section, context, actions): the message is as full as it can be.
    expect(blocks.length).toBeGreaterThan(50 - 4);
    const perAlertSections = blocks.filter((b): b is SectionBlock => b.type === 'section' && b.fields !== undefined);
    const more = blocks.at(-1);
    expect(more?.type).toBe('section');
    const moreText = more?.type === 'section' ? (more.text?.text ?? '') : '';
    expect(moreText.startsWith(`*…and ${120 - perAlertSections.length} more alerts*`)).toBe(true);
    // The one critical alert, last in the input, is shown first.
    expect(perAlertSections[0]?.fields?.some((f) => f.text === '*task*\ntask-119')).toBe(true);
  });

  it('keeps the "All alerts" link inside the 50-block cap', () => {
    // Prepare
    const alerts = Array.from({ length: 60 }, (_, i) => ecsStopped({}, { task: `t${i}` }));

    // Act
    const blocks = blocksOf(alerts, { links: { alerts: 'https://runwatch.example/v1/alerts' } });

    // Assess
    expectWithinSlackLimits(blocks);
    expect(blocks.length).toBeGreaterThan(50 - 4);
    const last = blocks.at(-1);
    expect(last?.type === 'actions' && last.elements[0]).toMatchObject({ url: 'https://runwatch.example/v1/alerts' });
    expect(blocks.at(-2)?.type).toBe('section');
  });

  it('cuts long annotations to 3000 characters in section text and 2000 in fields, ending with …', () => {
    // Prepare
    const alert = ecsStopped(
      { annotations: { summary: 's', description: 'x'.repeat(10_000) } },
      { long: 'v'.repeat(5000) },
    );

    // Act
    const blocks = blocksOf([alert]);

    // Assess
    expectWithinSlackLimits(blocks);
    const section = blocks.find((b) => b.type === 'section');
    expect(section?.type === 'section' && section.text?.text.length).toBe(3000);
    expect(section?.type === 'section' && section.text?.text.endsWith('x…')).toBe(true);
    expect(section?.type === 'section' && section.fields?.find((f) => f.text.startsWith('*long*'))?.text.length).toBe(
      2000,
    );
  });

  it('folds labels beyond the 10-field limit into one "Other labels" field', () => {
    // Prepare
    const labels = Object.fromEntries(
      Array.from({ length: 15 }, (_, i) => [`l${String(i).padStart(2, '0')}`, `v${i}`]),
    );
    const alert = ecsStopped({}, labels);

    // Act
    const blocks = blocksOf([alert]);

    // Assess
    expectWithinSlackLimits(blocks);
    const section = blocks.find((b) => b.type === 'section');
    const fields = section?.type === 'section' ? (section.fields ?? []) : [];
    expect(fields).toHaveLength(10);
    expect(fields[9]?.text).toMatch(/^\*Other labels\*\n.*l14=v14$/);
  });

  it('escapes &, < and > so alert text cannot inject mentions or links', () => {
    // Prepare
    const alert = ecsStopped({ annotations: { summary: '<!channel> p99 > 5s & rising <https://evil|click>' } });

    // Act
    const texts = sectionTexts(blocksOf([alert])).join('\n');

    // Assess
    expect(texts).toContain('&lt;!channel&gt; p99 &gt; 5s &amp; rising &lt;https://evil|click&gt;');
    expect(texts).not.toContain('<!channel>');
  });

  it('never leaves half an entity when cutting escaped text', () => {
    // Prepare
    const alert = ecsStopped({ annotations: { summary: '&'.repeat(4000) } });

    // Act
    const section = blocksOf([alert]).find((b) => b.type === 'section');
    const text = section?.type === 'section' ? (section.text?.text ?? '') : '';

    // Assess
    expect(text.length).toBeLessThanOrEqual(3000);
    expect(text).toMatch(/(&amp;)+…$/);
  });

  it('keeps a very long subject within the header limit', () => {
    // Prepare
    const alert = ecsStopped({}, { alertname: 'A'.repeat(400) });

    // Act
    const blocks = blocksOf([alert]);

    // Assess
    expectWithinSlackLimits(blocks);
    const headerBlock = blocks[0];
    expect(headerBlock?.type === 'header' && headerBlock.text.text.length).toBe(150);
  });

  it('refuses an empty group', () => {
    // Act / Assess
    expect(() => renderAlertNotification('oncall', [])).toThrow(ValidationError);
  });
});

describe('renderExecutionNotification', () => {
  const base: ExecutionRecord = {
    id: '6f1c2a9e-1b2c-5d3e-8f40-123456789abc',
    runbook: 'patch-gpu-fleet',
    document: 'AWS-RunPatchBaseline',
    kind: 'command',
    parameters: { Operation: ['Install'] },
    targets: [{ key: 'tag:Fleet', values: ['gpu'] }],
    status: 'InProgress',
    trigger: 'policy:patch-on-critical',
    ssmExecutionId: 'cmd-0123',
    createdAt: '2026-11-27T10:00:00.000Z',
    updatedAt: '2026-11-27T10:01:00.000Z',
  };

  it('tells approvers exactly how to approve', () => {
    // Act
    const n = renderExecutionNotification('platform', { ...base, status: 'PendingApproval' });

    // Assess
    expect(n.subject).toBe(`[APPROVAL NEEDED] patch-gpu-fleet (AWS-RunPatchBaseline) execution ${base.id}`);
    expect(n.text).toContain(`POST /v1/executions/${base.id}/approve`);
    expect(sectionTexts(n.slack.blocks as KnownBlock[]).join('\n')).toContain(
      `\`POST /v1/executions/${base.id}/approve\``,
    );
    expect(n.alerts).toEqual([]);
  });

  it.each([
    ['InProgress', '[RUNBOOK STARTED]', 'has started'],
    ['Success', '[RUNBOOK SUCCEEDED]', 'succeeded'],
    ['Failed', '[RUNBOOK FAILED]', 'failed'],
  ] as const)('words a %s execution as %s', (status, tag, sentence) => {
    // Act
    const n = renderExecutionNotification('platform', { ...base, status });

    // Assess
    expect(n.subject.startsWith(`${tag} patch-gpu-fleet`)).toBe(true);
    expect(n.text).toContain(`Runbook patch-gpu-fleet ${sentence}.`);
    expect(n.text).not.toContain('/approve');
    expectWithinSlackLimits(n.slack.blocks as KnownBlock[]);
  });

  it('carries the failure detail, escaped, into text and Slack', () => {
    // Act
    const n = renderExecutionNotification('platform', {
      ...base,
      status: 'Failed',
      statusDetail: 'Step aws:runCommand failed: exit 1 <stderr>\nsecond line',
    });

    // Assess
    expect(n.text).toContain('Detail:        Step aws:runCommand failed: exit 1 <stderr>');
    const texts = sectionTexts(n.slack.blocks as KnownBlock[]).join('\n');
    expect(texts).toContain('>Step aws:runCommand failed: exit 1 &lt;stderr&gt;\n>second line');
    expect(texts).toContain('*SSM execution*\ncmd-0123');
  });
});
