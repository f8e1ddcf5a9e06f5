import { afterEach, describe, expect, it } from 'vitest';
import { SlackNotifier } from '../../../functions/adapters/aws/slack-notifier';
import { makeAlert } from '../../../functions/core/alert';
import { DependencyError } from '../../../functions/core/errors';
import { renderAlertNotification } from '../../../functions/core/render/notification';
import { type Receiver, startReceiver } from '../../helpers/http-receiver';

const SECRET_PATH = '/services/T0000SECRET/B0000SECRET/XXXXtokenXXXX';

const notification = renderAlertNotification('oncall', [
  makeAlert({
    status: 'firing',
    severity: 'critical',
    source: 'ecs',
    labels: { alertname: 'EcsTaskStopped', service: 'genai-inference' },
    annotations: { summary: 'Task stopped' },
    startsAt: '2026-11-27T10:00:00.000Z',
  }),
]);

let receiver: Receiver | undefined;
afterEach(async () => {
  await receiver?.stop();
  receiver = undefined;
});

function notifierFor(url: string | undefined, extra: { timeoutMs?: number; channel?: string } = {}): SlackNotifier {
  return new SlackNotifier({ webhookUrl: async () => url, ...extra });
}

/** Runs `send` expecting a DependencyError, and checks the secret never leaks into anything it carries. */
async function sendFailing(notifier: SlackNotifier): Promise<DependencyError> {
  const error = await notifier.send(notification).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(DependencyError);
  const everything = `${String(error)} ${JSON.stringify(error)} ${String((error as Error).cause ?? '')} ${(error as Error).stack}`;
  expect(everything).not.toContain('SECRET');
  expect(everything).not.toContain('XXXXtokenXXXX');
  return error as DependencyError;
}

describe('SlackNotifier', () => {
  it('posts the Block Kit payload as JSON to the webhook', async () => {
    // Prepare
    receiver = await startReceiver();
    const notifier = notifierFor(receiver.url + SECRET_PATH, { channel: '#genai-oncall' });

    // Act
    await notifier.send(notification);

    // Assess
    expect(notifier.kind).toBe('slack');
    expect(receiver.requests).toHaveLength(1);
    const [request] = receiver.requests;
    expect(request?.method).toBe('POST');
    expect(request?.path).toBe(SECRET_PATH);
    expect(request?.headers['content-type']).toMatch(/^application\/json/);
    expect(JSON.parse(request?.body ?? '')).toEqual({
      text: notification.slack.text,
      blocks: notification.slack.blocks,
      channel: '#genai-oncall',
    });
  });

  it('leaves channel out when none is configured', async () => {
    // Prepare
    receiver = await startReceiver();

    // Act
    await notifierFor(receiver.url + SECRET_PATH).send(notification);

    // Assess
    expect(Object.keys(JSON.parse(receiver.requests[0]?.body ?? '{}'))).toEqual(['text', 'blocks']);
  });

  it('treats 429 as retryable and passes on Retry-After', async () => {
    // Prepare
    receiver = await startReceiver();
    receiver.setResponse(429, 'rate_limited', { 'retry-after': '30' });

    // Act
    const error = await sendFailing(notifierFor(receiver.url + SECRET_PATH));

    // Assess
    expect(error.retryable).toBe(true);
    expect(error.message).toContain('HTTP 429');
    expect(error.message).toContain('retry after 30s');
  });

  it('treats 5xx as retryable', async () => {
    // Prepare
    receiver = await startReceiver();
    receiver.setResponse(500, 'internal_error');

    // Act
    const error = await sendFailing(notifierFor(receiver.url + SECRET_PATH));

    // Assess
    expect(error.retryable).toBe(true);
    expect(error.message).toBe('Slack answered HTTP 500 for receiver "oncall": internal_error');
  });

  it('treats 400 invalid_blocks as final, quoting Slack', async () => {
    // Prepare
    receiver = await startReceiver();
    receiver.setResponse(400, 'invalid_blocks');

    // Act
    const error = await sendFailing(notifierFor(receiver.url + SECRET_PATH));

    // Assess
    expect(error.retryable).toBe(false);
    expect(error.message).toBe('Slack rejected the message for receiver "oncall" (HTTP 400): invalid_blocks');
  });

  it('keeps at most 200 characters of a long error body and redacts the URL if it is echoed', async () => {
    // Prepare
    receiver = await startReceiver();
    receiver.setResponse(404, `no_service for ${receiver.url}${SECRET_PATH} ${'y'.repeat(500)}`);

    // Act
    const error = await sendFailing(notifierFor(receiver.url + SECRET_PATH));

    // Assess
    expect(error.retryable).toBe(false);
    const quoted = error.message.split('(HTTP 404): ')[1] ?? '';
    expect(quoted.length).toBeLessThanOrEqual(200);
    expect(quoted.startsWith('no_service for [webhook URL]')).toBe(true);
  });

  it('gives up after the timeout with a retryable error', async () => {
    // Prepare: the receiver never answers
    receiver = await startReceiver(() => {});
    const started = performance.now();

    // Act
    const error = await sendFailing(notifierFor(receiver.url + SECRET_PATH, { timeoutMs: 200 }));

    // Assess
    expect(error.retryable).toBe(true);
    expect(error.message).toContain('did not answer within 200 ms');
    expect(performance.now() - started).toBeLessThan(5000);
  });

  it('treats a refused connection as retryable', async () => {
    // Prepare: a port that was just free
    const gone = await startReceiver();
    await gone.stop();

    // Act
    const error = await sendFailing(notifierFor(gone.url + SECRET_PATH));

    // Assess
    expect(error.retryable).toBe(true);
    expect(error.message).toContain('ECONNREFUSED');
  });

  it('says which receiver has no webhook URL, without retrying', async () => {
    // Act
    const error = await sendFailing(notifierFor(undefined));

    // Assess
    expect(error.retryable).toBe(false);
    expect(error.message).toBe('receiver "oncall" has no Slack webhook URL configured');
  });

  it('reports an unparseable URL as configuration, without echoing it', async () => {
    // Act
    const error = await sendFailing(notifierFor('hooks.slack.com/services/T0000SECRET/XXXXtokenXXXX'));

    // Assess
    expect(error.retryable).toBe(false);
    expect(error.message).toBe('receiver "oncall" has an invalid Slack webhook URL');
  });

  it('keeps the retryability of a failing secret lookup', async () => {
    // Prepare
    const notifier = new SlackNotifier({
      webhookUrl: async () => {
        throw new DependencyError('ssm throttled');
      },
    });

    // Act
    const error = await sendFailing(notifier);

    // Assess
    expect(error.retryable).toBe(true);
    expect(error.message).toBe('could not read the Slack webhook URL for receiver "oncall"');
  });
});
