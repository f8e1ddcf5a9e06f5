// The CLI drives the HTTP API: run a runbook that needs approval, approve it, see it succeed (simulated SSM).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { main, parseArgs } from '../../scripts/cli';
import { type LocalStack, startLocalStack } from '../../scripts/local/stack';

describe('runwatch CLI', () => {
  let stack: LocalStack;
  let dir: string;
  const printed: string[] = [];

  async function cli(...args: string[]): Promise<{ code: number; json: Record<string, unknown> }> {
    printed.length = 0;
    const code = await main([...args, '--url', stack.url, '--user', 'alice']);
    return { code, json: JSON.parse(printed.join('\n')) };
  }

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'runwatch-cli-'));
    stack = await startLocalStack({ port: 0, dataDir: dir, out: new PassThrough(), stepMs: 20 });
    vi.spyOn(console, 'log').mockImplementation((line: unknown) => {
      printed.push(String(line));
    });
  });

  afterAll(async () => {
    vi.restoreAllMocks();
    await stack.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('parses repeated flags and positionals', () => {
    const o = parseArgs(['run', 'x', '--param', 'A=1', '--param', 'B=2', '--sigv4']);
    expect(o.positional).toEqual(['run', 'x']);
    expect(o.flags.get('param')).toEqual(['A=1', 'B=2']);
    expect(o.flags.get('sigv4')).toEqual(['true']);
  });

  it('runs a runbook that needs approval, approves it and sees it succeed', async () => {
    const run = await cli(
      'run',
      'rollback-lambda-alias',
      '--param',
      'FunctionName=chat-api',
      '--param',
      'AliasName=live',
      '--param',
      'FunctionVersion=41',
      '--idempotency-key',
      'inc-42',
    );
    expect(run.code).toBe(0);
    expect(run.json.status).toBe('PendingApproval');
    const id = run.json.id as string;

    const again = await cli(
      'run',
      'rollback-lambda-alias',
      '--param',
      'FunctionName=chat-api',
      '--idempotency-key',
      'inc-42',
    );
    expect(again.json.id).toBe(id);

    const approved = await cli('approve', id);
    expect(approved.json).toMatchObject({ status: 'Pending', approvedBy: 'alice' });
    await stack.settle();
    const done = await cli('execution', id);
    expect(done.json.status).toBe('Success');
    expect(done.json.parameters).toMatchObject({
      FunctionName: ['chat-api'],
      AliasName: ['live'],
      FunctionVersion: ['41'],
    });
  });

  it('a runbook whose parameters the document refuses ends Failed, naming the parameter (as SSM would)', async () => {
    const run = await cli('run', 'patch-scan', '--param', 'Operation=Explode');
    expect(run.json.status).toBe('Pending');
    await stack.settle();
    const done = await cli('execution', run.json.id as string);
    expect(done.json.status).toBe('Failed');
    expect(done.json.statusDetail).toMatch(/parameters\.Operation/);
  });

  it('exits non-zero and prints the field when the API says 400', async () => {
    const r = await cli('silence', '--match', 'alertname=Foo', '--for', '1h');
    expect(r.code).toBe(1);
    expect((r.json.issues as { path: string }[])[0]?.path).toBe('comment');
  });
});
