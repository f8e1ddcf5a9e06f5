// Notify stage, embedded default: appends each notification to a local outbox file and shows it in the terminal.
import { appendFile, mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { DependencyError } from '../../core/errors';
import type { Notification, Notifier } from '../../ports';

export interface OutboxNotifierOptions {
  /** JSON Lines file; its directory is created on first use. */
  path: string;
  out?: NodeJS.WritableStream;
  color?: boolean;
  now?: () => Date;
}

/** One line of the outbox file. */
export interface OutboxEntry {
  at: string;
  receiver: string;
  subject: string;
  text: string;
  fingerprints: string[];
  slack: Notification['slack'];
}

/** File-system conditions that another attempt will not fix. */
// EEXIST: mkdir met a file where a directory of the path should be.
const PERMANENT_FS_CODES = new Set(['EACCES', 'EPERM', 'EEXIST', 'EISDIR', 'ENOTDIR', 'EROFS']);
const RULE_WIDTH = 72;

const ANSI = {
  reset: '\u001b[0m',
  bold: '\u001b[1m',
  dim: '\u001b[2m',
  red: '\u001b[31m',
  green: '\u001b[32m',
  cyan: '\u001b[36m',
};

export class OutboxNotifier implements Notifier {
  readonly kind = 'outbox' as const;
  readonly #path: string;
  readonly #out: NodeJS.WritableStream;
  readonly #color: boolean;
  readonly #now: () => Date;

  constructor(options: OutboxNotifierOptions) {
    this.#path = options.path;
    this.#out = options.out ?? process.stdout;
    this.#color = options.color ?? false;
    this.#now = options.now ?? (() => new Date());
  }

  async send(notification: Notification): Promise<void> {
    const entry: OutboxEntry = {
      at: this.#now().toISOString(),
      receiver: notification.receiver,
      subject: notification.subject,
      text: notification.text,
      fingerprints: notification.alerts.map((a) => a.fingerprint),
      slack: notification.slack,
    };
    try {
      await mkdir(dirname(this.#path), { recursive: true });
      // One write per line: O_APPEND keeps concurrent writers from interleaving within a line.
      await appendFile(this.#path, `${JSON.stringify(entry)}\n`, 'utf8');
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      const retryable = !(typeof code === 'string' && PERMANENT_FS_CODES.has(code));
      throw new DependencyError(
        `could not append to the outbox ${this.#path}${typeof code === 'string' ? ` (${code})` : ''}`,
        error,
        retryable,
      );
    }
    this.#out.write(this.#box(entry, notification));
  }

  #box(entry: OutboxEntry, notification: Notification): string {
    const paint = (codes: string, text: string): string => (this.#color ? `${codes}${text}${ANSI.reset}` : text);
    const tone =
      notification.alerts.length === 0
        ? ANSI.cyan
        : notification.alerts.some((a) => a.status === 'firing')
          ? ANSI.red
          : ANSI.green;
    const title = `─ ${entry.receiver} · ${entry.at} `;
    const lines = [
      paint(tone, `╭${title}${'─'.repeat(Math.max(0, RULE_WIDTH - title.length))}`),
      `${paint(tone, '│')} ${paint(`${ANSI.bold}${tone}`, printable(entry.subject))}`,
      paint(tone, '│'),
      // The subject is already on top; the text repeats it as its first line.
      ...printable(entry.text)
        .split('\n')
        .slice(entry.text.startsWith(entry.subject) ? 1 : 0)
        .map((line) => `${paint(tone, '│')} ${line}`),
      paint(tone, `╰${'─'.repeat(RULE_WIDTH)}`),
    ];
    return `${lines.join('\n')}\n`;
  }
}

/** Alert text comes from outside; escape sequences in it must not drive the operator's terminal. */
function printable(text: string): string {
  let out = '';
  for (const ch of text) {
    const code = ch.codePointAt(0) ?? 0;
    out += (code < 0x20 && ch !== '\n' && ch !== '\t') || (code >= 0x7f && code < 0xa0) ? '�' : ch;
  }
  return out;
}
