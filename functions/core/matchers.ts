// Label matching shared by routes, silences, detectors and policies: exact values or `~regex` (anchored).
import type { Labels } from './alert';

const cache = new Map<string, RegExp>();

function regexOf(source: string): RegExp {
  let re = cache.get(source);
  if (!re) {
    re = new RegExp(`^(?:${source})$`);
    cache.set(source, re);
  }
  return re;
}

/** True when every matcher holds; a missing label matches only an empty exact value or a regex that accepts "". */
export function matchesLabels(matchers: Record<string, string>, labels: Labels): boolean {
  for (const [name, expected] of Object.entries(matchers)) {
    const actual = labels[name] ?? '';
    if (expected.startsWith('~')) {
      if (!regexOf(expected.slice(1)).test(actual)) return false;
    } else if (actual !== expected) {
      return false;
    }
  }
  return true;
}
