// Text helpers for message rendering: safe truncation, Slack mrkdwn escaping, single-line subjects.

const ELLIPSIS = '…';

/**
 * Shortens `text` to at most `max` UTF-16 units, ending in `…` when cut. Cuts only between code points so an
 * emoji is never split in half; counting UTF-16 units over-estimates Slack's character count, which keeps us
 * under its limits whichever way it counts.
 */
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  if (max <= 0) return '';
  const budget = max - ELLIPSIS.length;
  let out = '';
  for (const codePoint of text) {
    if (out.length + codePoint.length > budget) break;
    out += codePoint;
  }
  return out + ELLIPSIS;
}

/** Slack mrkdwn treats only these three as control characters; everything else is literal. */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/**
 * Truncates already-escaped mrkdwn without leaving half an entity (`&am…`) or half a `<...>` link or date
 * token behind, either of which Slack would render as garbage or reject.
 */
export function truncateMrkdwn(mrkdwn: string, max: number): string {
  if (mrkdwn.length <= max) return mrkdwn;
  let cut = truncate(mrkdwn, max);
  if (!cut.endsWith(ELLIPSIS)) return cut;
  let body = cut.slice(0, -ELLIPSIS.length);
  body = body.replace(/&[a-z]{0,4}$/, '');
  const open = body.lastIndexOf('<');
  if (open > body.lastIndexOf('>')) body = body.slice(0, open);
  cut = body + ELLIPSIS;
  return cut;
}

/** Subjects go into email headers, SNS subjects and Slack headers: one line, no control characters. */
export function singleLine(text: string): string {
  let out = '';
  for (const ch of text) {
    const code = ch.codePointAt(0) ?? 0;
    out += code < 0x20 || code === 0x7f ? ' ' : ch;
  }
  return out.replace(/\s{2,}/g, ' ').trim();
}

/** Indents continuation lines so multi-line annotations stay under their label in plain text. */
export function indentContinuation(text: string, indent: string): string {
  return text.replace(/\r?\n/g, `\n${indent}`);
}

/**
 * Slack's date token shows the time in the reader's own time zone; the escaped ISO string is the fallback
 * for clients that cannot format it. Unparseable input is shown as it came.
 */
export function slackDate(iso: string): string {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return escapeMrkdwn(iso);
  const seconds = Math.floor(ms / 1000);
  return `<!date^${seconds}^{date_short_pretty} {time_secs}|${escapeMrkdwn(iso)}>`;
}

/** Only http(s) links become buttons: Slack rejects other schemes and they are no use in a browser anyway. */
export function isWebUrl(value: string | undefined, maxLength = 3000): value is string {
  if (value === undefined || value.length === 0 || value.length > maxLength) return false;
  try {
    const url = new URL(value);
    return url.protocol === 'https:' || url.protocol === 'http:';
  } catch {
    return false;
  }
}

export function plural(count: number, singular: string, pluralForm = `${singular}s`): string {
  return `${count} ${count === 1 ? singular : pluralForm}`;
}
