// `npm start`: the embedded local default — serves the HTTP contract on localhost and plays the demo incident.

import { playDemo } from './local/demo';
import { startLocalStack } from './local/stack';

const args = process.argv.slice(2);
if (args.includes('--help')) {
  console.log(`usage: npm start [-- --no-demo] [--port N] [--verbose]

  --no-demo   only serve http://localhost:3000 (no demo incident)
  --port N    listen on port N (default 3000, or PORT)
  --data-dir D  where the outbox and dead letters go (default .runwatch/)
  --once      play the demo, print what happened and exit
  --verbose   show the functions' JSON logs and EMF metrics

Set SLACK_WEBHOOK_URL to also post notifications to Slack.`);
  process.exit(0);
}
const verbose = args.includes('--verbose');
const dataDirArg = args.indexOf('--data-dir');
const dataDir = dataDirArg >= 0 ? args[dataDirArg + 1] : undefined;
const portArg = args.indexOf('--port');
const port = portArg >= 0 ? Number(args[portArg + 1]) : Number(process.env.PORT ?? 3000);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`--port: must be a port number, got ${args[portArg + 1]}`);
  process.exit(2);
}
// Local defaults: readable terminal; the JSON logs and EMF lines are one flag away.
if (!verbose) {
  process.env.POWERTOOLS_LOG_LEVEL ??= 'ERROR';
  process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
}
process.env.AWS_REGION ??= 'us-east-1';
// Lambda runs Node 22; on the Node 20 development machines the SDK's upgrade notice is noise.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

async function main(): Promise<void> {
  const color = Boolean(process.stdout.isTTY);
  const stack = await startLocalStack({ port, env: process.env, color, ...(dataDir ? { dataDir } : {}) });
  console.log(`runwatch (local) listening on ${stack.url.replace('127.0.0.1', 'localhost')}
    state: embedded DynamoDB-compatible server (dynalite, in memory)
    runbooks: local executor — validates against runbooks/ and SIMULATES SSM (no AWS calls)
    notifications: this terminal + ${stack.outboxPath}${process.env.SLACK_WEBHOOK_URL ? ' + Slack' : ''}
    try: curl -s localhost:${stack.port}/v1/alerts | jq   ·   Ctrl-C stops everything`);

  let stopping = false;
  async function shutdown(signal: string) {
    if (stopping) return;
    stopping = true;
    console.log(`\n${signal}: stopping runwatch (local)…`);
    await stack.stop();
    process.exit(0);
  }
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));

  if (!args.includes('--no-demo')) {
    try {
      await playDemo(stack, (line) => console.log(line));
    } catch (e) {
      console.error(`demo failed: ${(e as Error).message}`);
    }
    if (args.includes('--once')) return shutdown('--once');
    console.log(`serving on ${stack.url.replace('127.0.0.1', 'localhost')} — Ctrl-C to stop`);
  }
}

main().catch((e) => {
  console.error((e as Error).message);
  process.exit(1);
});
