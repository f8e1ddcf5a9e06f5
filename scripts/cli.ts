// `npm run runwatch -- <command>`: the on-call engineer's CLI over the HTTP API (local, or AWS with SigV4).
import { createHash, createHmac } from 'node:crypto';
import { defaultProvider } from '@aws-sdk/credential-provider-node';
import { SignatureV4 } from '@smithy/signature-v4';

const USAGE = `usage: npm run runwatch -- <command> [options]

commands:
  health
  alerts [--status firing|resolved]
  ack <alert-id> [--comment TEXT]
  silence --match key=value[,key=~regex...] --for 2h --comment TEXT
  silences
  runbooks
  run <runbook> [--param Name=value ...] [--target key=v1,v2] [--idempotency-key KEY]
  executions
  execution <id>
  approve <execution-id>
  reject <execution-id>

options:
  --url URL     API base URL (default $RUNWATCH_URL or http://localhost:3000)
  --sigv4       sign requests with your AWS credentials (the deployed API uses IAM auth)
  --region R    region for signing (default $AWS_REGION or us-east-1)
  --user NAME   who you are, for the local stack (x-runwatch-user)`;

class Sha256 {
  private readonly h;
  constructor(secret?: string | Uint8Array | ArrayBuffer | ArrayBufferView) {
    this.h = secret === undefined ? createHash('sha256') : createHmac('sha256', Buffer.from(secret as Uint8Array));
  }
  update(data: string | Uint8Array | ArrayBuffer | ArrayBufferView): void {
    this.h.update(typeof data === 'string' ? data : Buffer.from(data as Uint8Array));
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.h.digest());
  }
}

interface Options {
  positional: string[];
  flags: Map<string, string[]>;
}

export function parseArgs(argv: string[]): Options {
  const positional: string[] = [];
  const flags = new Map<string, string[]>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    if (a.startsWith('--')) {
      const name = a.slice(2);
      const boolean = name === 'sigv4';
      const value = boolean ? 'true' : (argv[++i] ?? '');
      flags.set(name, [...(flags.get(name) ?? []), value]);
    } else positional.push(a);
  }
  return { positional, flags };
}

function kv(pairs: string[], what: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of pairs.flatMap((p) => p.split(','))) {
    const i = pair.indexOf('=');
    if (i <= 0) throw new Error(`${what}: expected key=value, got "${pair}"`);
    out[pair.slice(0, i)] = pair.slice(i + 1);
  }
  return out;
}

async function call(opts: Options, method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
  const base = (opts.flags.get('url')?.[0] ?? process.env.RUNWATCH_URL ?? 'http://localhost:3000').replace(/\/$/, '');
  const url = new URL(`${base}${path}`);
  const payload = body === undefined ? undefined : JSON.stringify(body);
  let h: Record<string, string> = {
    host: url.host,
    'content-type': 'application/json',
    'x-runwatch-user': opts.flags.get('user')?.[0] ?? process.env.USER ?? 'cli',
    ...headers,
  };
  if (opts.flags.has('sigv4')) {
    const signer = new SignatureV4({
      service: 'execute-api',
      region: opts.flags.get('region')?.[0] ?? process.env.AWS_REGION ?? 'us-east-1',
      credentials: defaultProvider(),
      sha256: Sha256,
    });
    const query: Record<string, string> = {};
    url.searchParams.forEach((v, k) => {
      query[k] = v;
    });
    const signed = await signer.sign({
      method,
      protocol: url.protocol,
      hostname: url.hostname,
      path: url.pathname,
      query,
      headers: h,
      ...(payload === undefined ? {} : { body: payload }),
    });
    h = signed.headers as Record<string, string>;
  }
  const res = await fetch(url, { method, headers: h, ...(payload === undefined ? {} : { body: payload }) });
  const text = await res.text();
  let json: unknown = text;
  try {
    json = JSON.parse(text);
  } catch {
    // not JSON: print as is
  }
  return { status: res.status, json };
}

export async function main(argv: string[]): Promise<number> {
  const opts = parseArgs(argv);
  const [command, arg] = opts.positional;
  const flag = (n: string) => opts.flags.get(n)?.[0];
  let r: { status: number; json: unknown };
  switch (command) {
    case 'health':
      r = await call(opts, 'GET', '/health');
      break;
    case 'alerts':
      r = await call(
        opts,
        'GET',
        `/v1/alerts${flag('status') ? `?status=${encodeURIComponent(flag('status') as string)}` : ''}`,
      );
      break;
    case 'ack':
      if (!arg) throw new Error('ack: alert id required');
      r = await call(
        opts,
        'POST',
        `/v1/alerts/${encodeURIComponent(arg)}/ack`,
        flag('comment') ? { comment: flag('comment') } : {},
      );
      break;
    case 'silence':
      r = await call(opts, 'POST', '/v1/silences', {
        matchers: kv(opts.flags.get('match') ?? [], '--match'),
        duration: flag('for') ?? '2h',
        comment: flag('comment') ?? '',
      });
      break;
    case 'silences':
      r = await call(opts, 'GET', '/v1/silences');
      break;
    case 'runbooks':
      r = await call(opts, 'GET', '/v1/runbooks');
      break;
    case 'run': {
      if (!arg) throw new Error('run: runbook name required');
      const body: Record<string, unknown> = {};
      if (opts.flags.has('param')) body.parameters = kv(opts.flags.get('param') ?? [], '--param');
      const targets = opts.flags.get('target');
      if (targets) {
        body.targets = targets.map((t) => {
          const i = t.indexOf('=');
          if (i <= 0) throw new Error(`--target: expected key=v1,v2, got "${t}"`);
          return { key: t.slice(0, i), values: t.slice(i + 1).split(',') };
        });
      }
      const key = flag('idempotency-key');
      r = await call(
        opts,
        'POST',
        `/v1/runbooks/${encodeURIComponent(arg)}/executions`,
        body,
        key ? { 'idempotency-key': key } : {},
      );
      break;
    }
    case 'executions':
      r = await call(opts, 'GET', '/v1/executions');
      break;
    case 'execution':
      if (!arg) throw new Error('execution: id required');
      r = await call(opts, 'GET', `/v1/executions/${encodeURIComponent(arg)}`);
      break;
    case 'approve':
    case 'reject':
      if (!arg) throw new Error(`${command}: execution id required`);
      r = await call(opts, 'POST', `/v1/executions/${encodeURIComponent(arg)}/${command}`);
      break;
    default:
      console.log(USAGE);
      return command === undefined || command === 'help' ? 0 : 2;
  }
  console.log(typeof r.json === 'string' ? r.json : JSON.stringify(r.json, null, 2));
  return r.status >= 400 ? 1 : 0;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (e) => {
      console.error(`runwatch: ${(e as Error).message}`);
      process.exit(2);
    },
  );
}
