// The EventBridge envelope every aws.* event arrives in; normalizers read account, region and time from it.
import { z } from 'zod';
import { isoTime, isRecord, nonEmpty, parseOrThrow } from './common';

/** Structural test only: the three keys that make an object an EventBridge event. */
export function isEventBridgeEvent(input: unknown): input is Record<string, unknown> {
  return (
    isRecord(input) && typeof input['detail-type'] === 'string' && typeof input.source === 'string' && 'detail' in input
  );
}

export const envelopeSchema = z.object({
  version: z.string().optional(),
  id: z.string().optional(),
  'detail-type': nonEmpty,
  source: nonEmpty,
  account: nonEmpty,
  time: isoTime,
  region: nonEmpty,
  resources: z.array(z.string()).optional(),
  detail: z.record(z.string(), z.unknown()),
});

export type Envelope = z.output<typeof envelopeSchema>;

/** Validates the envelope fields a normalizer relies on (paths are top-level: `time`, `region`, ...). */
export function parseEnvelope(input: unknown): Envelope {
  return parseOrThrow(envelopeSchema, input, 'EventBridge event');
}
