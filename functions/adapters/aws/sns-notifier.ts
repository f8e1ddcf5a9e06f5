// The Notifier port for SNS receivers: dispatch publishes rendered notifications to a topic (email, SMS, chat bridges).
import { type MessageAttributeValue, PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { SEVERITIES } from '../../core/alert';
import type { Notification, Notifier } from '../../ports';
import { callAws } from './errors';

export interface SnsNotifierOptions {
  topicArn: string;
  client?: SNSClient;
}

/** SNS wants subjects "less than 100 characters". */
const MAX_SUBJECT = 99;
const FALLBACK_SUBJECT = 'runwatch notification';

export class SnsNotifier implements Notifier {
  readonly kind = 'sns' as const;
  readonly #topicArn: string;
  readonly #client: SNSClient;

  constructor(options: SnsNotifierOptions) {
    this.#topicArn = options.topicArn;
    this.#client = options.client ?? new SNSClient({});
  }

  async send(notification: Notification): Promise<void> {
    await callAws(`Publish to ${this.#topicArn}`, () =>
      this.#client.send(
        new PublishCommand({
          TopicArn: this.#topicArn,
          Subject: snsSubject(notification.subject),
          Message: notification.text === '' ? notification.subject || FALLBACK_SUBJECT : notification.text,
          MessageAttributes: messageAttributes(notification),
        }),
      ),
    );
  }
}

/**
 * SNS rejects subjects with line breaks, control or non-ASCII characters, or 100+ characters:
 * fold accents to ASCII, turn anything else unprintable into spaces, and cut at a word.
 */
export function snsSubject(subject: string): string {
  const ascii = subject
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[^\x20-\x7e]+/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  if (ascii === '') return FALLBACK_SUBJECT;
  if (ascii.length <= MAX_SUBJECT) return ascii;
  const cut = ascii.slice(0, MAX_SUBJECT - 3);
  const atWord = cut.lastIndexOf(' ');
  return `${(atWord > MAX_SUBJECT / 2 ? cut.slice(0, atWord) : cut).trimEnd()}...`;
}

/**
 * Subscribers filter on these (e.g. pager only for critical). A grouped notification carries its fingerprints as a
 * String.Array, which filter policies match element by element. SNS rejects empty values, so none are sent then.
 */
function messageAttributes(notification: Notification): Record<string, MessageAttributeValue> | undefined {
  const { alerts } = notification;
  if (alerts.length === 0) return undefined;
  const severity = SEVERITIES.find((s) => alerts.some((a) => a.severity === s)) ?? alerts[0]!.severity;
  const fingerprints = [...new Set(alerts.map((a) => a.fingerprint))];
  return {
    severity: { DataType: 'String', StringValue: severity },
    fingerprint:
      fingerprints.length === 1
        ? { DataType: 'String', StringValue: fingerprints[0] }
        : { DataType: 'String.Array', StringValue: JSON.stringify(fingerprints) },
  };
}
