import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type OutboxEntry, OutboxNotifier } from '../../../functions/adapters/local/outbox-notifier';
import { makeAlert } from '../../../functions/core/alert';
import { DependencyError } from '../../../functions/core/errors';
import { renderAlertNotification, renderExecutionNotification } from '../../../functions/core/render/notification';

const AT = new Date('2026-11-27T10:00:05.000Z');

const firing = makeAlert({
  status: 'firing',
  severity: 'critical',
  source: 'ecs',
  labels: { alertname: 'EcsTaskStopped', service: 'genai-inference' },
  annotations: { summary: 'Task stopped \u001b[2J cleared?' },
  startsAt: '2026-11-27T10:00:00.000Z',
});

function capture(): { out: PassThrough; printed: () => string } {
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on('data', (c: Buffer) => chunks.push(c));
  return { out, printed: () => Buffer.concat(chunks).toString('utf8') };
}

async function readEntries(path: string): Promise<OutboxEntry[]> {
  const raw = await readFile(path, 'utf8');
  return raw
    .trimEnd()
    .split('\n')
    .map((line) => JSON.parse(line) as OutboxEntry);
}

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'runwatch-outbox-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('OutboxNotifier', () => {
  it('appends one JSON line per notification, creating the directory', async () => {
    // Prepare
    const path = join(dir, 'nested', '.runwatch', 'outbox.jsonl');
    const { out } = capture();
    const notifier = new OutboxNotifier({ path, out, now: () => AT });
    const alertMessage = renderAlertNotification('oncall', [firing]);
    const executionMessage = renderExecutionNotification('platform', {
      id: 'exec-1',
      runbook: 'patch-gpu-fleet',
      document: 'AWS-RunPatchBaseline',
      kind: 'command',
      parameters: {},
      status: 'PendingApproval',
      trigger: 'policy:patch',
      createdAt: AT.toISOString(),
      updatedAt: AT.toISOString(),
    });

    // Act
    await notifier.send(alertMessage);
    await notifier.send(executionMessage);

    // Assess
    expect(notifier.kind).toBe('outbox');
    const entries = await readEntries(path);
    expect(entries).toEqual([
      {
        at: '2026-11-27T10:00:05.000Z',
        receiver: 'oncall',
        subject: alertMessage.subject,
        text: alertMessage.text,
        fingerprints: [firing.fingerprint],
        slack: alertMessage.slack,
      },
      {
        at: '2026-11-27T10:00:05.000Z',
        receiver: 'platform',
        subject: executionMessage.subject,
        text: executionMessage.text,
        fingerprints: [],
        slack: executionMessage.slack,
      },
    ]);
  });

  it('prints a boxed, uncolored summary by default, with terminal escapes defused', async () => {
    // Prepare
    const { out, printed } = capture();
    const notifier = new OutboxNotifier({ path: join(dir, 'outbox.jsonl'), out, now: () => AT });
    const message = renderAlertNotification('oncall', [firing]);

    // Act
    await notifier.send(message);

    // Assess
    const lines = printed().trimEnd().split('\n');
    expect(lines[0]?.startsWith('╭─ oncall · 2026-11-27T10:00:05.000Z ─')).toBe(true);
    expect(lines[1]).toBe(`│ ${message.subject}`);
    expect(lines.at(-1)?.startsWith('╰──')).toBe(true);
    expect(printed()).toContain('│ Summary:     Task stopped �[2J cleared?');
    expect(printed()).not.toContain('\u001b');
  });

  it('colors the box only when asked', async () => {
    // Prepare
    const { out, printed } = capture();
    const notifier = new OutboxNotifier({ path: join(dir, 'outbox.jsonl'), out, color: true, now: () => AT });

    // Act
    await notifier.send(renderAlertNotification('oncall', [firing]));

    // Assess: red for firing
    expect(printed()).toContain('\u001b[31m');
  });

  it('fails without retry when the outbox path cannot be a file', async () => {
    // Prepare: a file where the directory should be
    await writeFile(join(dir, 'blocker'), 'x');
    const { out, printed } = capture();
    const notifier = new OutboxNotifier({ path: join(dir, 'blocker', 'outbox.jsonl'), out, now: () => AT });

    // Act
    const error = await notifier.send(renderAlertNotification('oncall', [firing])).catch((e: unknown) => e);

    // Assess
    expect(error).toBeInstanceOf(DependencyError);
    expect((error as DependencyError).retryable).toBe(false);
    expect(printed()).toBe('');
  });
});
