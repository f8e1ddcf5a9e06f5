// The demo incident `npm start` plays: a GenAI service's usage with an injected spike, an alarm and an ECS task failure.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { LocalStack } from './stack';
import { ROOT } from './stack';

/** Deterministic noise (an LCG) so the demo looks the same on every run. */
function noise(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32 - 0.5;
  };
}

export interface DemoPoint {
  metric: string;
  dimensions: Record<string, string>;
  timestamp: string;
  value: number;
}

/**
 * Six hours of Bedrock-style runtime metrics for one model at one-minute resolution, ending at `end`;
 * the last three minutes carry a latency spike and a burst of server errors.
 */
export function demoUsage(end: Date, minutes = 360, spikeMinutes = 3): DemoPoint[] {
  const rand = noise(42);
  const dims = { ModelId: 'anthropic.claude-3-5-sonnet-20240620-v1:0', service: 'genai-chat' };
  const points: DemoPoint[] = [];
  for (let i = minutes - 1; i >= 0; i--) {
    const t = new Date(end.getTime() - i * 60_000).toISOString();
    const spike = i < spikeMinutes;
    const invocations = Math.round(120 + 10 * rand());
    points.push(
      { metric: 'Invocations', dimensions: dims, timestamp: t, value: invocations },
      {
        metric: 'InputTokenCount',
        dimensions: dims,
        timestamp: t,
        value: Math.round(invocations * (850 + 40 * rand())),
      },
      {
        metric: 'OutputTokenCount',
        dimensions: dims,
        timestamp: t,
        value: Math.round(invocations * (310 + 20 * rand())),
      },
      {
        metric: 'InvocationLatency',
        dimensions: dims,
        timestamp: t,
        value: Math.round(spike ? 9200 + 400 * rand() : 2100 + 120 * rand()),
      },
      {
        metric: 'InvocationServerErrors',
        dimensions: dims,
        timestamp: t,
        value: spike ? 18 + Math.round(4 * rand()) : Math.max(0, Math.round(1 + 2 * rand())),
      },
    );
  }
  return points;
}

function loadEvent(name: string): Record<string, unknown> {
  return JSON.parse(readFileSync(join(ROOT, 'events', `${name}.json`), 'utf8'));
}

/** The sample events with their times moved to now, so each run is a fresh incident. */
export function demoEvents(now: Date): { name: string; body: Record<string, unknown> }[] {
  const iso = now.toISOString();
  const alarm = loadEvent('cloudwatch-alarm.eventbridge');
  alarm.time = iso.replace(/\.\d{3}Z$/, 'Z');
  const alarmDetail = alarm.detail as { state: { timestamp: string } };
  alarmDetail.state.timestamp = iso.replace('Z', '+0000');
  const ecs = loadEvent('ecs-task-stopped.eventbridge');
  ecs.time = iso.replace(/\.\d{3}Z$/, 'Z');
  const task = ecs.detail as Record<string, unknown>;
  for (const k of ['stoppedAt', 'stoppingAt', 'updatedAt', 'executionStoppedAt']) if (k in task) task[k] = iso;
  return [
    { name: 'CloudWatch alarm (EventBridge)', body: alarm },
    { name: 'ECS task stopped (EventBridge)', body: ecs },
  ];
}

async function post(stack: LocalStack, path: string, body: unknown): Promise<{ status: number; json: unknown }> {
  const res = await fetch(`${stack.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-runwatch-user': 'demo' },
    body: JSON.stringify(body),
  });
  return { status: res.status, json: await res.json() };
}

export async function playDemo(stack: LocalStack, say: (line: string) => void, now = new Date()): Promise<void> {
  say('── demo incident ─────────────────────────────────────────────────────────');
  const points = demoUsage(now);
  say(
    `▶ POST /v1/metrics: ${points.length} points (tokens, latency, errors of genai-chat; spike in the last 3 minutes)`,
  );
  const metrics = await post(stack, '/v1/metrics', { points });
  say(`  ← ${metrics.status} ${JSON.stringify(metrics.json)}`);
  // Garbage in: late points and malformed points get their own data-quality alerts instead of poisoning the model.
  const late = points.filter((p) => p.metric === 'InvocationLatency').slice(-60, -55);
  say(`▶ POST /v1/metrics: ${late.length} InvocationLatency points again, an hour late (out of order)`);
  const lateRes = await post(stack, '/v1/metrics', { points: late.map((p) => ({ ...p, value: p.value + 1 })) });
  say(`  ← ${lateRes.status} ${JSON.stringify(lateRes.json)}`);
  const broken = Array.from({ length: 12 }, (_, i) => ({
    metric: 'InvocationLatency',
    dimensions: { ModelId: 'anthropic.claude-3-5-sonnet-20240620-v1:0', service: 'genai-chat' },
    timestamp: now.toISOString(),
    value: i % 2 ? 'NaN' : null,
  }));
  say(`▶ POST /v1/metrics: ${broken.length} malformed points (value "NaN" / null)`);
  const brokenRes = await post(stack, '/v1/metrics', { points: broken });
  say(`  ← ${brokenRes.status} ${JSON.stringify(brokenRes.json).slice(0, 200)}…`);
  for (const event of demoEvents(now)) {
    say(`▶ POST /v1/events: ${event.name}`);
    const r = await post(stack, '/v1/events', event.body);
    say(`  ← ${r.status} ${JSON.stringify(r.json)}`);
  }
  await stack.settle();
  const alerts = (await (await fetch(`${stack.url}/v1/alerts`)).json()) as {
    alerts: { labels: Record<string, string>; status: string; severity: string }[];
  };
  const executions = (await (await fetch(`${stack.url}/v1/executions`)).json()) as {
    executions: { runbook: string; status: string; trigger: string; id: string }[];
  };
  say('── what happened ─────────────────────────────────────────────────────────');
  for (const a of alerts.alerts)
    say(`  alert      ${a.status.padEnd(8)} ${a.severity.padEnd(8)} ${a.labels.alertname} (${a.labels.source})`);
  for (const e of executions.executions)
    say(`  runbook    ${e.status.padEnd(12)} ${e.runbook} ← ${e.trigger} [${e.id}]`);
  say(`  outbox     ${stack.outboxPath}`);
  say('──────────────────────────────────────────────────────────────────────────');
}
