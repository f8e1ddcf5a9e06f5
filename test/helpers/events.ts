// Test helper: loads the real-shaped sample events in events/ by name, so every test reads the same samples.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const EVENTS_DIR = join(__dirname, '..', '..', 'events');

/** `loadEvent('health.eventbridge')` parses events/health.eventbridge.json (`metrics/x` reads events/metrics/x.json); a fresh copy every call. */
export function loadEvent(name: string): unknown {
  if (/^(?:[\w.-]+\/)?[\w.-]+$/.exec(name) === null) throw new Error(`bad sample event name: ${name}`);
  return JSON.parse(readFileSync(join(EVENTS_DIR, `${name}.json`), 'utf8'));
}
