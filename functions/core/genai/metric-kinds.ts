// What each GenAI usage metric means (Bedrock runtime, derived, custom): unit, statistic to read, bad direction.

/** CloudWatch namespace Bedrock publishes its runtime metrics to. */
export const BEDROCK_NAMESPACE = 'AWS/Bedrock';
/** The dimension Bedrock breaks its runtime metrics down by; also the key of the price table. */
export const BEDROCK_MODEL_DIMENSION = 'ModelId';

/** The CloudWatch statistic that turns one period of the metric into one point. */
export type Statistic = 'Sum' | 'Average';
/** Which way a change hurts: what an anomaly detector on the series should page on. */
export type BadDirection = 'up' | 'down' | 'both';

export interface MetricKind {
  name: string;
  /** CloudWatch unit name (`Count`, `Milliseconds`, ...) or a runwatch one (`USD`, `USD/Hour`). */
  unit: string;
  statistic: Statistic;
  bad: BadDirection;
  origin: 'bedrock' | 'derived' | 'custom';
  description: string;
}

export const BEDROCK_METRIC_NAMES = [
  'Invocations',
  'InputTokenCount',
  'OutputTokenCount',
  'InvocationLatency',
  'InvocationThrottles',
  'InvocationClientErrors',
  'InvocationServerErrors',
] as const;
export type BedrockMetricName = (typeof BEDROCK_METRIC_NAMES)[number];

// Units: the Bedrock user guide lists the counters as "SampleCount" in older revisions and "Count" in newer ones;
// CloudWatch stores them with the Count unit. Counters are read with Sum (per period), latency with Average.
export const BEDROCK_METRICS: Readonly<Record<BedrockMetricName, MetricKind>> = {
  Invocations: {
    name: 'Invocations',
    unit: 'Count',
    statistic: 'Sum',
    // A drop is an outage upstream, a spike is runaway cost or abuse.
    bad: 'both',
    origin: 'bedrock',
    description:
      'Requests (Converse, ConverseStream, InvokeModel, InvokeModelWithResponseStream) Bedrock accepted; excludes throttled ones.',
  },
  InputTokenCount: {
    name: 'InputTokenCount',
    unit: 'Count',
    statistic: 'Sum',
    bad: 'up',
    origin: 'bedrock',
    description: 'Tokens in the input (prompt) of the invocations.',
  },
  OutputTokenCount: {
    name: 'OutputTokenCount',
    unit: 'Count',
    statistic: 'Sum',
    bad: 'up',
    origin: 'bedrock',
    description: 'Tokens in the output of the invocations.',
  },
  InvocationLatency: {
    name: 'InvocationLatency',
    unit: 'Milliseconds',
    statistic: 'Average',
    bad: 'up',
    origin: 'bedrock',
    description: 'Time from the request to the last output token.',
  },
  InvocationThrottles: {
    name: 'InvocationThrottles',
    unit: 'Count',
    statistic: 'Sum',
    bad: 'up',
    origin: 'bedrock',
    description: 'Invocations the service throttled (counted in neither Invocations nor the error metrics).',
  },
  InvocationClientErrors: {
    name: 'InvocationClientErrors',
    unit: 'Count',
    statistic: 'Sum',
    bad: 'up',
    origin: 'bedrock',
    description: 'Invocations that ended in a client-side error.',
  },
  InvocationServerErrors: {
    name: 'InvocationServerErrors',
    unit: 'Count',
    statistic: 'Sum',
    bad: 'up',
    origin: 'bedrock',
    description: 'Invocations that ended in an AWS server-side error.',
  },
};

export const DERIVED_METRIC_NAMES = [
  'Cost',
  'CostPerRequest',
  'CostPerHour',
  'LatencyPerOutputToken',
  'ErrorRate',
  'ThrottleRate',
] as const;
export type DerivedMetricName = (typeof DERIVED_METRIC_NAMES)[number];

export const DERIVED_METRICS: Readonly<Record<DerivedMetricName, MetricKind>> = {
  Cost: {
    name: 'Cost',
    unit: 'USD',
    statistic: 'Sum',
    bad: 'up',
    origin: 'derived',
    description: 'Token cost of the period: input and output tokens priced per 1,000 from genai.prices.',
  },
  CostPerRequest: {
    name: 'CostPerRequest',
    unit: 'USD',
    statistic: 'Average',
    bad: 'up',
    origin: 'derived',
    description: 'Cost / Invocations.',
  },
  CostPerHour: {
    name: 'CostPerHour',
    unit: 'USD/Hour',
    statistic: 'Average',
    bad: 'up',
    origin: 'derived',
    description: 'Cost scaled from the period of the point to one hour.',
  },
  LatencyPerOutputToken: {
    name: 'LatencyPerOutputToken',
    unit: 'Milliseconds',
    statistic: 'Average',
    // Separates a slower model from longer answers: latency alone rises with both.
    bad: 'up',
    origin: 'derived',
    description: 'InvocationLatency / (OutputTokenCount / Invocations).',
  },
  ErrorRate: {
    name: 'ErrorRate',
    unit: 'Percent',
    statistic: 'Average',
    bad: 'up',
    origin: 'derived',
    description: '100 × (InvocationClientErrors + InvocationServerErrors) / Invocations.',
  },
  ThrottleRate: {
    name: 'ThrottleRate',
    unit: 'Percent',
    statistic: 'Average',
    bad: 'up',
    origin: 'derived',
    description: '100 × InvocationThrottles / (Invocations + InvocationThrottles): throttled share of all attempts.',
  },
};

/** A series the application publishes itself, described in `genai.customMetrics`. */
export interface CustomMetricInput {
  name: string;
  unit?: string | undefined;
  statistic?: Statistic | undefined;
  bad?: BadDirection | undefined;
  description?: string | undefined;
}

export function customMetricKind(input: CustomMetricInput): MetricKind {
  return {
    name: input.name,
    unit: input.unit ?? 'None',
    statistic: input.statistic ?? 'Average',
    bad: input.bad ?? 'both',
    origin: 'custom',
    description: input.description ?? '',
  };
}

export function isBedrockMetric(name: string): name is BedrockMetricName {
  return Object.hasOwn(BEDROCK_METRICS, name);
}

export function isDerivedMetric(name: string): name is DerivedMetricName {
  return Object.hasOwn(DERIVED_METRICS, name);
}

/** The kind of a metric by name: custom descriptions win, so an app may redefine what a name means for it. */
export function metricKind(name: string, custom: readonly CustomMetricInput[] = []): MetricKind | undefined {
  const own = custom.find((c) => c.name === name);
  if (own) return customMetricKind(own);
  if (isBedrockMetric(name)) return BEDROCK_METRICS[name];
  if (isDerivedMetric(name)) return DERIVED_METRICS[name];
  return undefined;
}
