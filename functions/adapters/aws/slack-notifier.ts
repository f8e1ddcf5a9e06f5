// Notify stage, Slack integration: posts a rendered notification to an incoming webhook and classifies failures.
import { DependencyError, RunwatchError } from '../../core/errors';
import type { Notification, Notifier } from '../../ports';

export interface SlackNotifierOptions {
  /** Resolves the webhook URL (a secret: SSM SecureString in AWS, env locally); undefined when none is configured. */
  webhookUrl: () => Promise<string | undefined>;
  fetch?: typeof fetch;
  timeoutMs?: number;
  /** Overrides the webhook's default channel (only honoured by legacy webhooks). */
  channel?: string;
}

const DEFAULT_TIMEOUT_MS = 5000;
const MAX_BODY_IN_ERROR = 200;

/**
 * The webhook URL is a bearer credential: whoever has it can post to the channel. It therefore never appears in
 * a message or a cause, not even the ones the runtime produces (undici puts the URL in some of its own errors).
 */
export class SlackNotifier implements Notifier {
  readonly kind = 'slack' as const;
  readonly #webhookUrl: () => Promise<string | undefined>;
  readonly #fetch: typeof fetch;
  readonly #timeoutMs: number;
  readonly #channel: string | undefined;

  constructor(options: SlackNotifierOptions) {
    this.#webhookUrl = options.webhookUrl;
    this.#fetch = options.fetch ?? fetch;
    this.#timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.#channel = options.channel;
  }

  async send(notification: Notification): Promise<void> {
    const receiver = notification.receiver;
    const url = await this.#resolveUrl(receiver);
    const payload: Record<string, unknown> = { text: notification.slack.text, blocks: notification.slack.blocks };
    if (this.#channel) payload.channel = this.#channel;

    let status: number;
    let retryAfter: string | null;
    let body: string;
    try {
      const response = await this.#fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json; charset=utf-8' },
        body: JSON.stringify(payload),
        signal: AbortSignal.timeout(this.#timeoutMs),
      });
      status = response.status;
      retryAfter = response.headers.get('retry-after');
      // Read the body even on success so the connection is released for the next notification.
      body = await response.text();
    } catch (error) {
      throw this.#transportError(receiver, error, url);
    }

    if (status >= 200 && status < 300) return;
    const said = truncateBody(redact(body, url));
    if (status === 429) {
      // Slack sends seconds; an HTTP-date is legal too and is passed on as it came.
      const after = truncateBody(retryAfter ?? '').slice(0, 40);
      const wait = retryAfter ? `; retry after ${/^\d+$/.test(after) ? `${after}s` : after}` : '';
      throw new DependencyError(`Slack rate-limited the webhook for receiver "${receiver}" (HTTP 429${wait})`);
    }
    if (status >= 500) {
      throw new DependencyError(`Slack answered HTTP ${status} for receiver "${receiver}": ${said}`);
    }
    // 4xx other than 429: the payload or the webhook itself is wrong (invalid_blocks, no_service, channel_not_found);
    // sending the same thing again cannot succeed.
    throw new DependencyError(
      `Slack rejected the message for receiver "${receiver}" (HTTP ${status}): ${said}`,
      undefined,
      false,
    );
  }

  async #resolveUrl(receiver: string): Promise<string> {
    let url: string | undefined;
    try {
      url = await this.#webhookUrl();
    } catch (error) {
      const retryable = error instanceof RunwatchError ? error.retryable : true;
      throw new DependencyError(`could not read the Slack webhook URL for receiver "${receiver}"`, error, retryable);
    }
    if (url === undefined || url.trim() === '') {
      throw new DependencyError(`receiver "${receiver}" has no Slack webhook URL configured`, undefined, false);
    }
    return url.trim();
  }

  #transportError(receiver: string, error: unknown, url: string): DependencyError {
    const name = error instanceof Error ? error.name : '';
    if (name === 'TimeoutError' || name === 'AbortError') {
      return new DependencyError(
        `Slack webhook for receiver "${receiver}" did not answer within ${this.#timeoutMs} ms`,
      );
    }
    // An unparseable URL is a configuration mistake, not a network blip.
    const code = errorCode(error);
    if (code === 'ERR_INVALID_URL' || /invalid url|failed to parse url/i.test(errorMessage(error))) {
      return new DependencyError(`receiver "${receiver}" has an invalid Slack webhook URL`, undefined, false);
    }
    const reason = code ?? truncateBody(redact(errorMessage(error), url));
    return new DependencyError(`could not reach the Slack webhook for receiver "${receiver}": ${reason}`);
  }
}

/** undici wraps socket errors as `TypeError: fetch failed` with the errno code on `cause`. */
function errorCode(error: unknown): string | undefined {
  for (let e: unknown = error, depth = 0; e && depth < 4; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') return code;
  }
  return undefined;
}

function errorMessage(error: unknown): string {
  const parts: string[] = [];
  for (let e: unknown = error, depth = 0; e && depth < 4; e = (e as { cause?: unknown }).cause, depth++) {
    parts.push(e instanceof Error ? e.message : String(e));
  }
  return parts.join(': ');
}

function truncateBody(text: string): string {
  const oneLine = text.replace(/\s+/g, ' ').trim();
  if (oneLine === '') return '(empty body)';
  return oneLine.length <= MAX_BODY_IN_ERROR ? oneLine : `${oneLine.slice(0, MAX_BODY_IN_ERROR - 1)}…`;
}

/** Removes the URL and its secret path wherever they show up, whole or in part. */
function redact(text: string, url: string): string {
  let out = text.split(url).join('[webhook URL]');
  try {
    const { pathname } = new URL(url);
    if (pathname.length > 1) out = out.split(pathname).join('[webhook path]');
  } catch {
    // not a URL: the whole-string replacement above is all we can do
  }
  return out;
}
