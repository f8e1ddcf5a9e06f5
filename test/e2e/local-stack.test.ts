// End to end: start the local stack exactly as `npm start` does (a child process) and drive it over HTTP.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadEvent } from '../helpers/events';
import { type Receiver, startReceiver } from '../helpers/http-receiver';

const ROOT = resolve(__dirname, '..', '..');
const TSX = join(ROOT, 'node_modules', '.bin', 'tsx');

interface Started {
  child: ChildProcess;
  url: string;
  output: () => string;
  exited: Promise<number | null>;
}

async function startRunwatch(args: string[], env: Record<string, string>): Promise<Started> {
  const child = spawn(TSX, ['scripts/start.ts', ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env, FORCE_COLOR: '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.on('data', (c: Buffer) => {
    out += c.toString();
  });
  child.stderr?.on('data', (c: Buffer) => {
    out += c.toString();
  });
  const exited = new Promise<number | null>((res) => child.on('exit', (code) => res(code)));
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    const m = /listening on (http:\/\/localhost:\d+)/.exec(out);
    if (m?.[1]) return { child, url: m[1], output: () => out, exited };
    if (child.exitCode !== null) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill('SIGKILL');
  throw new Error(`runwatch did not start:\n${out}`);
}

async function eventually<T>(fn: () => Promise<T | undefined>, what: string, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  while (Date.now() < deadline) {
    last = await fn();
    if (last !== undefined) return last;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

function outbox(dir: string): { subject: string; receiver: string; fingerprints?: string[] }[] {
  const path = join(dir, 'outbox.jsonl');
  if (!existsSync(path)) return [];
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l));
}

describe('npm start -- --no-demo (local stack over HTTP)', () => {
  let dataDir: string;
  let slack: Receiver;
  let rw: Started;

  const post = async (path: string, body: unknown) => {
    const res = await fetch(`${rw.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-runwatch-user': 'e2e' },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };
  const get = async (path: string) => (await (await fetch(`${rw.url}${path}`)).json()) as Record<string, unknown>;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'runwatch-e2e-'));
    slack = await startReceiver();
    rw = await startRunwatch(['--no-demo', '--port', '0', '--data-dir', dataDir], {
      SLACK_WEBHOOK_URL: `${slack.url}/services/T000/B000/XXXX`,
    });
  }, 40_000);

  afterAll(async () => {
    rw?.child.kill('SIGKILL');
    await slack?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('serves /health', async () => {
    expect(await get('/health')).toMatchObject({ status: 'ok', stage: 'local' });
  });

  it('lists an alarm from each of the three CloudWatch shapes and an Alertmanager webhook', async () => {
    // Prepare: the SNS HTTP notification body and the alarm-action event are POSTed as they arrive.
    const bodies = [
      'cloudwatch-alarm.eventbridge',
      'cloudwatch-alarm.sns-notification',
      'cloudwatch-alarm.lambda-action',
      'alertmanager-webhook',
    ].map((n) => loadEvent(n));
    // Act
    const fingerprints: string[] = [];
    for (const body of bodies) {
      const r = await post('/v1/events', body);
      expect(r.status).toBe(202);
      fingerprints.push(...(r.body.fingerprints as string[]));
    }
    // Assess: every fingerprint is listed (the three alarm shapes share one identity).
    const listed = await eventually(async () => {
      const { alerts } = (await get('/v1/alerts')) as { alerts: { fingerprint: string }[] };
      const have = new Set(alerts.map((a) => a.fingerprint));
      return fingerprints.every((f) => have.has(f)) ? alerts : undefined;
    }, 'alerts to be listed');
    expect(new Set(fingerprints).size).toBeGreaterThanOrEqual(2);
    expect(listed.length).toBeGreaterThanOrEqual(new Set(fingerprints).size);
  });

  it('notifies once for an event delivered three times, in the outbox and on Slack', async () => {
    // Prepare: an ECS task stop (its policy starts a runbook), sent three times.
    const event = loadEvent('ecs-task-stopped.eventbridge');
    // Act
    const results = [];
    for (let i = 0; i < 3; i++) results.push(await post('/v1/events', event));
    const fingerprint = (results[0]?.body.fingerprints as string[] | undefined)?.[0] ?? '';
    // Assess: exactly one notification per receiver integration, one runbook execution, which succeeds (simulated).
    const execution = await eventually(async () => {
      const { executions } = (await get('/v1/executions')) as {
        executions: { id: string; runbook: string; status: string; alertFingerprint?: string }[];
      };
      const mine = executions.filter((e) => e.alertFingerprint === fingerprint);
      return mine.length === 1 && mine[0]?.status === 'Success' ? mine : undefined;
    }, 'the runbook execution to succeed');
    expect(execution[0]?.runbook).toBe('restart-ecs-service');
    const notes = outbox(dataDir).filter((n) => n.fingerprints?.includes(fingerprint));
    expect(notes).toHaveLength(1);
    expect(notes[0]?.subject).toContain('EcsTaskStopped');
    expect(slack.requests.filter((r) => r.body.includes('EcsTaskStopped'))).toHaveLength(1);
    const detail = (await get(`/v1/executions/${execution[0]?.id}`)) as { ssmExecutionId?: string };
    expect(detail.ssmExecutionId).toBeTruthy();
    expect(rw.output()).toContain('[simulated SSM]');
  });

  it('answers a malformed body with 400 naming the field', async () => {
    const bad = await post('/v1/events', '{"version": "0", "detail-type": "CloudWatch Alarm State Change"');
    expect(bad.status).toBe(400);
    expect((bad.body.issues as { path: string }[])[0]?.path).toBe('body');

    const alarm = structuredClone(loadEvent('cloudwatch-alarm.eventbridge')) as {
      detail: { state: Record<string, unknown> };
    };
    delete alarm.detail.state.value;
    const missing = await post('/v1/events', alarm);
    expect(missing.status).toBe(400);
    expect((missing.body.issues as { path: string }[]).map((i) => i.path)).toContain('detail.state.value');

    const metrics = await post('/v1/metrics', { points: 'nope' });
    expect(metrics.status).toBe(400);
    expect((metrics.body.issues as { path: string }[])[0]?.path).toBe('points');
  });

  it('stops every process it started on Ctrl-C (SIGINT)', async () => {
    rw.child.kill('SIGINT');
    expect(await rw.exited).toBe(0);
  });
});

describe('npm start (the demo incident)', () => {
  it('shows detection → alert → notification → runbook within 30 seconds', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'runwatch-demo-'));
    const started = Date.now();
    const rw = await startRunwatch(['--port', '0', '--data-dir', dataDir], {});
    try {
      await eventually(async () => (rw.output().includes('Ctrl-C to stop') ? true : undefined), 'the demo', 30_000);
      const out = rw.output();
      expect(Date.now() - started).toBeLessThan(30_000);
      expect(out).toMatch(/\[FIRING:1\] InvocationLatencyAnomaly/);
      expect(out).toMatch(/\[FIRING:1\] EcsTaskStopped/);
      expect(out).toMatch(/runbook +Success +restart-ecs-service/);
      expect(outbox(dataDir).length).toBeGreaterThanOrEqual(4);
    } finally {
      rw.child.kill('SIGINT');
      await rw.exited;
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 45_000);
});
