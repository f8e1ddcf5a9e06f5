// The HTTP contract of DESIGN.md as a route table: method + path pattern → operation.
import type { HttpEvent } from '../lib/http';

export interface Match {
  operation: string;
  params: Record<string, string>;
}

/** Every API route (method, path pattern, operation); serverless.yml deploys each (a packaging test checks). */
export const ROUTES: readonly (readonly [string, string, string])[] = [
  ['GET', '/health', 'health'],
  ['GET', '/v1/alerts', 'listAlerts'],
  ['GET', '/v1/alerts/{id}', 'getAlert'],
  ['POST', '/v1/alerts/{id}/ack', 'ackAlert'],
  ['GET', '/v1/silences', 'listSilences'],
  ['POST', '/v1/silences', 'createSilence'],
  ['GET', '/v1/runbooks', 'listRunbooks'],
  ['POST', '/v1/runbooks/{name}/executions', 'startRunbook'],
  ['GET', '/v1/executions', 'listExecutions'],
  ['GET', '/v1/executions/{id}', 'getExecution'],
  ['POST', '/v1/executions/{id}/approve', 'approveExecution'],
  ['POST', '/v1/executions/{id}/reject', 'rejectExecution'],
];

const COMPILED = ROUTES.map(([method, pattern, operation]) => {
  const names: string[] = [];
  const re = new RegExp(
    `^${pattern.replace(/\{(\w+)\}/g, (_m, n: string) => {
      names.push(n);
      return '([^/]+)';
    })}/?$`,
  );
  return { method, re, names, operation };
});

/** Matches on the raw path (API Gateway's routeKey says the same in AWS; locally there is only the path). */
export function matchRoute(event: HttpEvent): Match | { notFound: true; allowed: string[] } {
  const method = event.requestContext.http.method.toUpperCase();
  const path = event.rawPath;
  const allowed: string[] = [];
  for (const r of COMPILED) {
    const m = r.re.exec(path);
    if (!m) continue;
    if (r.method !== method) {
      allowed.push(r.method);
      continue;
    }
    const params: Record<string, string> = {};
    r.names.forEach((n, i) => {
      params[n] = decodeURIComponent(m[i + 1] ?? '');
    });
    return { operation: r.operation, params };
  }
  return { notFound: true, allowed };
}
