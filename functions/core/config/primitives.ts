// The building blocks every section of runwatch.yml spells the same way: names, durations, label matchers.
import { z } from 'zod';

export const name = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'must be lower-case letters, digits and dashes (max 63)');

const DURATION = /^(\d+)(ms|s|m|h|d)$/;
const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

export function parseDuration(s: string): number {
  const m = DURATION.exec(s);
  if (!m) throw new Error(`bad duration ${s}`);
  return Number(m[1]) * UNIT_MS[m[2] as keyof typeof UNIT_MS];
}

/** Durations like `30s`, `5m`, `4h`, `1d`, as milliseconds; zero is refused. */
export const duration = z
  .string()
  .regex(DURATION, 'must be a duration such as 30s, 5m, 4h or 1d')
  .transform((s) => parseDuration(s))
  .refine((ms) => ms > 0, 'must be longer than zero');

/** Label matchers: exact values, or `~regex` for a regular expression (anchored). */
export const matchers = z.record(z.string(), z.string()).superRefine((m, ctx) => {
  for (const [k, v] of Object.entries(m)) {
    if (!v.startsWith('~')) continue;
    try {
      new RegExp(`^(?:${v.slice(1)})$`);
    } catch (e) {
      ctx.addIssue({ code: 'custom', path: [k], message: `invalid regular expression: ${(e as Error).message}` });
    }
  }
});
