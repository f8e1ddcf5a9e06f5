// Shared assertions for the event normalizer tests: unwrap results and capture validation issues.
import { expect } from 'vitest';
import type { Alert } from '../../../functions/core/alert';
import { type NormalizeResult, normalizeEvent } from '../../../functions/core/events';

export const ctx = { receivedAt: '2026-11-27T15:00:00.000Z' };

export function alertsOf(result: NormalizeResult): Alert[] {
  expect(result.kind).toBe('alerts');
  if (result.kind !== 'alerts') throw new Error(`expected alerts, got ${result.kind}: ${result.reason}`);
  return result.alerts;
}

export function normalizeAlerts(input: unknown): Alert[] {
  return alertsOf(normalizeEvent(input, ctx));
}

export { validationIssues } from '../../helpers/errors';

export const REMOVE = Symbol('remove');

/** A copy of `input` with the value at `path` replaced (or removed with REMOVE): for tests that break one field. */
export function withChange(input: unknown, path: ReadonlyArray<string | number>, value: unknown): unknown {
  const copy = structuredClone(input);
  let node = copy as Record<string | number, unknown>;
  for (const key of path.slice(0, -1)) node = node[key] as Record<string | number, unknown>;
  const last = path[path.length - 1]!;
  if (value === REMOVE) delete node[last];
  else node[last] = value;
  return copy;
}

/** Reads the value at `path` of a sample (for building variants from it). */
export function at(input: unknown, path: ReadonlyArray<string | number>): unknown {
  let node = input;
  for (const key of path) node = (node as Record<string | number, unknown>)[key];
  return node;
}
