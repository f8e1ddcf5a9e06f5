// Routing: which receivers an alert goes to, from the config's ordered routes (first match wins unless `continue`).
import type { Labels } from '../alert';
import type { Config, Receiver } from '../config/schema';
import { matchesLabels } from '../matchers';

export interface RouteTarget {
  receiver: Receiver;
  repeatIntervalMs: number;
  /** Index of the matching route, or -1 for the default receiver. */
  route: number;
}

export function routeAlert(config: Config, labels: Labels): RouteTarget[] {
  const targets: RouteTarget[] = [];
  const seen = new Set<string>();
  const add = (name: string, repeat: number | undefined, route: number) => {
    const receiver = config.receivers.find((r) => r.name === name);
    if (!receiver || seen.has(name)) return;
    seen.add(name);
    targets.push({ receiver, repeatIntervalMs: repeat ?? config.defaults.repeatInterval, route });
  };
  for (const [i, route] of config.routes.entries()) {
    if (!matchesLabels(route.match, labels)) continue;
    add(route.receiver, route.repeatInterval, i);
    if (!route.continue) break;
  }
  if (targets.length === 0) {
    const fallback = config.defaults.receiver ?? config.receivers[0]?.name;
    if (fallback) add(fallback, undefined, -1);
  }
  return targets;
}
