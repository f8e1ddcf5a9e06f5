// Contract of the event normalizers: any supported failure event in, normalized alerts out.
import type { Alert, AlertSource } from '../alert';

export interface NormalizeContext {
  /** ISO-8601 time runwatch received the event; used when a source carries no time of its own. */
  receivedAt: string;
}

export type NormalizeResult =
  | {
      kind: 'alerts';
      source: AlertSource;
      /** Which input shape was recognized, e.g. `eventbridge:cloudwatch-alarm`, `sns:cloudwatch-alarm`. */
      shape: string;
      alerts: Alert[];
    }
  | {
      /** Well-formed but not something runwatch alerts on: accepted, logged, counted. */
      kind: 'unsupported';
      shape: string;
      reason: string;
    };
