// Wraps a handler core with the Powertools middlewares every runwatch function uses (middy onion).
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { count } from './observability';
import type { Runtime } from './runtime';

export function withObservability<E, R>(rt: Runtime, core: (event: E, context: Context) => Promise<R>) {
  return middy<E, R>(async (event: E, context: Context) => {
    // Every invocation counts itself, so the EMF document is never empty (and traffic per function is visible).
    count(rt.metrics, 'Invocations');
    return core(event, context);
  })
    .use(injectLambdaContext(rt.logger, { resetKeys: true }))
    .use(logMetrics(rt.metrics, { captureColdStartMetric: true }));
}
