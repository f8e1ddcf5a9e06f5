// Structured logs and EMF metrics (Powertools) so runwatch watches itself; one logger and metrics object per function.
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';

export function createLogger(functionName: string): Logger {
  return new Logger({ serviceName: 'runwatch', persistentKeys: { function: functionName } });
}

export function createMetrics(functionName: string): Metrics {
  return new Metrics({ namespace: 'Runwatch', serviceName: 'runwatch', defaultDimensions: { function: functionName } });
}

export function count(metrics: Metrics, name: string, value = 1): void {
  if (value > 0) metrics.addMetric(name, MetricUnit.Count, value);
}

/** The correlation id carried across hops: taken from the incoming event, else the Lambda request id. */
export const CORRELATION_HEADER = 'x-correlation-id';
