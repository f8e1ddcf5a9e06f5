// Last pure step before notify: turns a group of alerts or a runbook execution into plain text and Slack Block Kit.
import type { Button, ContextBlock, KnownBlock, MrkdwnElement, SectionBlock } from '@slack/types';
import type { ExecutionRecord, ExecutionStatus, Notification } from '../../ports';
import type { Alert, Severity } from '../alert';
import { ValidationError } from '../errors';
import {
  escapeMrkdwn,
  indentContinuation,
  isWebUrl,
  plural,
  singleLine,
  slackDate,
  truncate,
  truncateMrkdwn,
} from './text';

export { escapeMrkdwn, truncate } from './text';

/** Slack rejects a whole message (`invalid_blocks`) when any one of these is exceeded, so each is enforced here. */
export const SLACK_LIMITS = {
  blocks: 50,
  headerText: 150,
  sectionText: 3000,
  fields: 10,
  fieldText: 2000,
  contextElements: 10,
  buttonText: 75,
  url: 3000,
} as const;

/** Email and SNS bodies stay readable (and far below SNS's 256 KB) when a storm arrives as one group. */
const MAX_TEXT_ALERTS = 100;
/** Label values in the subject after the alert name: enough to tell groups apart, short enough for a phone. */
const MAX_SUBJECT_LABELS = 3;

export interface RenderOptions {
  links?: {
    /** Where the full list of alerts can be seen (API or dashboard), shown as a link after the alerts. */
    alerts?: string;
  };
}

const SEVERITY_RANK: Record<Severity, number> = { critical: 0, warning: 1, info: 2 };
const SEVERITY_EMOJI: Record<Severity, string> = {
  critical: ':rotating_light:',
  warning: ':warning:',
  info: ':information_source:',
};
const RESOLVED_EMOJI = ':white_check_mark:';

/** Labels shown on their own elsewhere in the message; repeating them as labels is noise. */
const SHOWN_APART = new Set(['alertname', 'severity', 'source']);
/** Labels that name what is affected come first in subjects, in this order; the rest follow alphabetically. */
const KEY_LABEL_ORDER = ['service', 'function', 'model', 'cluster', 'instance', 'resource', 'region', 'account'];
/** Annotations with a fixed place in the message. */
const ANNOTATIONS_APART = new Set(['summary', 'description', 'runbook_url']);

export function renderAlertNotification(receiver: string, alerts: Alert[], options: RenderOptions = {}): Notification {
  if (alerts.length === 0) {
    throw new ValidationError('nothing to render', [{ path: 'alerts', message: 'at least one alert is required' }]);
  }
  const ordered = orderForReading(alerts);
  const subject = alertSubject(alerts);
  const alertsLink = isWebUrl(options.links?.alerts) ? options.links?.alerts : undefined;
  return {
    receiver,
    subject,
    text: alertText(receiver, subject, ordered, alertsLink),
    slack: { text: escapeMrkdwn(subject), blocks: alertBlocks(receiver, subject, ordered, alertsLink) },
    alerts,
  };
}

// ---- alerts: subject ---------------------------------------------------------

/** Alertmanager's convention: `[FIRING:<n>] <alertname> <common label values> (<severity>)` or `[RESOLVED] ...`. */
function alertSubject(alerts: Alert[]): string {
  const firing = alerts.filter((a) => a.status === 'firing');
  const status = firing.length > 0 ? `FIRING:${firing.length}` : 'RESOLVED';
  const names = unique(alerts.map(alertName));
  const shownNames = names.length <= 3 ? names.join(', ') : `${names.slice(0, 3).join(', ')} +${names.length - 3}`;
  const values = keyLabelKeys(commonLabels(alerts))
    .slice(0, MAX_SUBJECT_LABELS)
    .map(([, v]) => v);
  const severity = highestSeverity(firing.length > 0 ? firing : alerts);
  return truncate(singleLine(`[${status}] ${[shownNames, ...values].join(' ')} (${severity})`), 200);
}

function commonLabels(alerts: Alert[]): Record<string, string> {
  const [first, ...rest] = alerts;
  const common: Record<string, string> = {};
  if (!first) return common;
  for (const [k, v] of Object.entries(first.labels)) {
    if (rest.every((a) => a.labels[k] === v)) common[k] = v;
  }
  return common;
}

/** Identifying labels other than the ones shown apart, most telling first. */
function keyLabelKeys(labels: Record<string, string>): [string, string][] {
  const rank = (k: string): number => {
    const i = KEY_LABEL_ORDER.indexOf(k);
    return i === -1 ? KEY_LABEL_ORDER.length : i;
  };
  return Object.entries(labels)
    .filter(([k]) => !SHOWN_APART.has(k))
    .sort(([a], [b]) => rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0));
}

function highestSeverity(alerts: Alert[]): Severity {
  let best: Severity = 'info';
  for (const a of alerts) if (SEVERITY_RANK[a.severity] < SEVERITY_RANK[best]) best = a.severity;
  return best;
}

/** Firing before resolved, worst first: when a message must be cut short, what is cut matters least. */
function orderForReading(alerts: Alert[]): Alert[] {
  return alerts
    .map((alert, index) => ({ alert, index }))
    .sort(
      (x, y) =>
        Number(x.alert.status === 'resolved') - Number(y.alert.status === 'resolved') ||
        SEVERITY_RANK[x.alert.severity] - SEVERITY_RANK[y.alert.severity] ||
        x.index - y.index,
    )
    .map(({ alert }) => alert);
}

function alertName(alert: Alert): string {
  return alert.labels.alertname ?? 'unnamed';
}

function unique<T>(values: T[]): T[] {
  return [...new Set(values)];
}

function countLine(alerts: Alert[]): string {
  const firing = alerts.filter((a) => a.status === 'firing').length;
  return `${firing} firing, ${alerts.length - firing} resolved`;
}

// ---- alerts: plain text --------------------------------------------------------

function alertText(receiver: string, subject: string, alerts: Alert[], alertsLink: string | undefined): string {
  const lines = [subject, `Receiver: ${receiver} · ${countLine(alerts)}`];
  alerts.slice(0, MAX_TEXT_ALERTS).forEach((alert, i) => {
    lines.push('', ...alertTextLines(alert, i + 1, alerts.length));
  });
  if (alerts.length > MAX_TEXT_ALERTS) {
    lines.push('', `…and ${plural(alerts.length - MAX_TEXT_ALERTS, 'more alert')}`);
  }
  if (alertsLink) lines.push('', `All alerts: ${alertsLink}`);
  return lines.join('\n');
}

function alertTextLines(alert: Alert, position: number, total: number): string[] {
  const pad = 13;
  const row = (label: string, value: string): string =>
    `${`${label}:`.padEnd(pad)}${indentContinuation(value, ' '.repeat(pad))}`;
  const lines = [
    `── ${total > 1 ? `${position}/${total} ` : ''}${alert.status.toUpperCase()} · ${alert.severity.toUpperCase()} · ${alertName(alert)}`,
  ];
  const { summary, description, runbook_url: runbookUrl } = alert.annotations;
  if (summary) lines.push(row('Summary', summary));
  if (description) lines.push(row('Description', description));
  const labels = keyLabelKeys(alert.labels);
  if (labels.length > 0) lines.push(row('Labels', labels.map(([k, v]) => `${k}=${v}`).join(', ')));
  lines.push(row('Source', alert.source));
  lines.push(row('Started', alert.startsAt));
  if (alert.endsAt) lines.push(row('Ended', alert.endsAt));
  if (alert.generatorURL) lines.push(row('Link', alert.generatorURL));
  if (runbookUrl) lines.push(row('Runbook', runbookUrl));
  for (const [k, v] of Object.entries(alert.annotations).sort(([a], [b]) => (a < b ? -1 : 1))) {
    if (!ANNOTATIONS_APART.has(k) && v) lines.push(row(k, v));
  }
  lines.push(row('Fingerprint', alert.fingerprint));
  return lines;
}

// ---- alerts: Slack Block Kit ------------------------------------------------------

function alertBlocks(receiver: string, subject: string, alerts: Alert[], alertsLink: string | undefined): KnownBlock[] {
  const head: KnownBlock[] = [
    header(subject),
    context([`Receiver *${escapeMrkdwn(receiver)}* · ${countLine(alerts)}`]),
  ];
  const tail: KnownBlock[] = alertsLink ? [{ type: 'actions', elements: [linkButton('All alerts', alertsLink)] }] : [];
  const perAlert = alerts.map(blocksForAlert);
  const budget = SLACK_LIMITS.blocks - head.length - tail.length;
  const needed = perAlert.reduce((n, b) => n + b.length, 0);

  const body: KnownBlock[] = [];
  let shown = 0;
  if (needed <= budget) {
    for (const blocks of perAlert) body.push(...blocks);
    shown = alerts.length;
  } else {
    // One block stays free for the "…and N more" section.
    for (const blocks of perAlert) {
      if (body.length + blocks.length > budget - 1) break;
      body.push(...blocks);
      shown++;
    }
    body.push(moreAlertsSection(alerts.slice(shown)));
  }
  return [...head, ...body, ...tail];
}

function blocksForAlert(alert: Alert): KnownBlock[] {
  const firing = alert.status === 'firing';
  const emoji = firing ? SEVERITY_EMOJI[alert.severity] : RESOLVED_EMOJI;
  const { summary, description, runbook_url: runbookUrl } = alert.annotations;
  const textParts = [`${emoji} *${escapeMrkdwn(alertName(alert))}* · ${firing ? '*FIRING*' : 'RESOLVED'}`];
  if (summary) textParts.push(escapeMrkdwn(summary));
  if (description) textParts.push(escapeMrkdwn(description));

  const section: SectionBlock = {
    type: 'section',
    text: mrkdwn(truncateMrkdwn(textParts.join('\n'), SLACK_LIMITS.sectionText)),
    fields: alertFields(alert),
  };

  const times = [`Started ${slackDate(alert.startsAt)}`];
  if (alert.endsAt) times.push(`ended ${slackDate(alert.endsAt)}`);
  const blocks: KnownBlock[] = [
    { type: 'divider' },
    section,
    context([times.join(' · '), `Fingerprint \`${escapeMrkdwn(alert.fingerprint)}\``]),
  ];

  const buttons: Button[] = [];
  if (isWebUrl(alert.generatorURL)) buttons.push(linkButton(`Open in ${alert.source}`, alert.generatorURL));
  if (isWebUrl(runbookUrl)) buttons.push(linkButton('Runbook', runbookUrl));
  if (buttons.length > 0) blocks.push({ type: 'actions', elements: buttons });
  return blocks;
}

function alertFields(alert: Alert): MrkdwnElement[] {
  const fields = [
    field('Severity', `${SEVERITY_EMOJI[alert.severity]} ${alert.severity}`),
    field('Source', alert.source),
  ];
  const labels = keyLabelKeys(alert.labels);
  const room = SLACK_LIMITS.fields - fields.length;
  // When labels overflow, the last field carries the rest as `k=v` pairs rather than dropping them.
  const own = labels.length <= room ? labels : labels.slice(0, room - 1);
  for (const [k, v] of own) fields.push(field(k, v));
  if (own.length < labels.length) {
    fields.push(
      field(
        'Other labels',
        labels
          .slice(own.length)
          .map(([k, v]) => `${k}=${v}`)
          .join(', '),
      ),
    );
  }
  return fields;
}

function moreAlertsSection(rest: Alert[]): SectionBlock {
  const lines = rest.map((a) => {
    const emoji = a.status === 'firing' ? SEVERITY_EMOJI[a.severity] : RESOLVED_EMOJI;
    const labels = keyLabelKeys(a.labels)
      .slice(0, MAX_SUBJECT_LABELS)
      .map(([k, v]) => `${k}=${v}`)
      .join(' ');
    return `• ${emoji} ${escapeMrkdwn(truncate(singleLine(`${alertName(a)} ${labels}`), 200))}`;
  });
  const text = [`*…and ${plural(rest.length, 'more alert')}*`, ...lines].join('\n');
  return { type: 'section', text: mrkdwn(truncateMrkdwn(text, SLACK_LIMITS.sectionText)) };
}

// ---- executions -------------------------------------------------------------------

interface StatusWording {
  tag: string;
  emoji: string;
  sentence: string;
}

const EXECUTION_WORDING: Record<ExecutionStatus, StatusWording> = {
  PendingApproval: { tag: 'APPROVAL NEEDED', emoji: ':raised_hand:', sentence: 'is waiting for approval' },
  Pending: { tag: 'RUNBOOK QUEUED', emoji: ':hourglass_flowing_sand:', sentence: 'is queued' },
  Starting: { tag: 'RUNBOOK STARTING', emoji: ':hourglass_flowing_sand:', sentence: 'is being started' },
  InProgress: { tag: 'RUNBOOK STARTED', emoji: ':gear:', sentence: 'has started' },
  Success: { tag: 'RUNBOOK SUCCEEDED', emoji: ':white_check_mark:', sentence: 'succeeded' },
  Failed: { tag: 'RUNBOOK FAILED', emoji: ':x:', sentence: 'failed' },
  TimedOut: { tag: 'RUNBOOK TIMED OUT', emoji: ':x:', sentence: 'timed out' },
  Cancelled: { tag: 'RUNBOOK CANCELLED', emoji: ':no_entry_sign:', sentence: 'was cancelled' },
  Rejected: { tag: 'RUNBOOK REJECTED', emoji: ':no_entry:', sentence: 'was rejected' },
};

export function approvePath(executionId: string): string {
  return `/v1/executions/${encodeURIComponent(executionId)}/approve`;
}

export function renderExecutionNotification(receiver: string, execution: ExecutionRecord): Notification {
  const wording = EXECUTION_WORDING[execution.status];
  const subject = truncate(
    singleLine(`[${wording.tag}] ${execution.runbook} (${execution.document}) execution ${execution.id}`),
    200,
  );
  return {
    receiver,
    subject,
    text: executionText(receiver, subject, execution, wording),
    slack: { text: escapeMrkdwn(subject), blocks: executionBlocks(receiver, execution, wording) },
    alerts: [],
  };
}

function executionFacts(execution: ExecutionRecord): [string, string][] {
  const facts: [string, string][] = [
    ['Runbook', execution.runbook],
    ['Document', `${execution.document} (${execution.kind})`],
    ['Status', execution.status],
    ['Trigger', execution.trigger],
    ['Execution', execution.id],
  ];
  if (execution.ssmExecutionId) facts.push(['SSM execution', execution.ssmExecutionId]);
  if (execution.approvedBy) facts.push(['Approved by', execution.approvedBy]);
  if (execution.alertFingerprint) facts.push(['Alert', execution.alertFingerprint]);
  if (execution.targets && execution.targets.length > 0) {
    facts.push(['Targets', execution.targets.map((t) => `${t.key}=${t.values.join(',')}`).join('; ')]);
  }
  const params = Object.entries(execution.parameters);
  if (params.length > 0) facts.push(['Parameters', params.map(([k, v]) => `${k}=${v.join(',')}`).join('; ')]);
  return facts;
}

function executionText(receiver: string, subject: string, execution: ExecutionRecord, wording: StatusWording): string {
  const pad = 15;
  const row = (label: string, value: string): string =>
    `${`${label}:`.padEnd(pad)}${indentContinuation(value, ' '.repeat(pad))}`;
  const lines = [subject, `Receiver: ${receiver}`, '', `Runbook ${execution.runbook} ${wording.sentence}.`];
  if (execution.status === 'PendingApproval') {
    lines.push(`To approve it: POST ${approvePath(execution.id)}`);
  }
  if (execution.statusDetail) lines.push(row('Detail', execution.statusDetail));
  lines.push('');
  for (const [k, v] of executionFacts(execution)) lines.push(row(k, v));
  lines.push(row('Created', execution.createdAt), row('Updated', execution.updatedAt));
  return lines.join('\n');
}

function executionBlocks(receiver: string, execution: ExecutionRecord, wording: StatusWording): KnownBlock[] {
  const blocks: KnownBlock[] = [header(`${wording.emoji} ${wording.tag}: ${execution.runbook}`)];
  const sentence = [`Runbook *${escapeMrkdwn(execution.runbook)}* ${wording.sentence}.`];
  if (execution.statusDetail) {
    sentence.push(
      escapeMrkdwn(execution.statusDetail)
        .split(/\r?\n/)
        .map((line) => `>${line}`)
        .join('\n'),
    );
  }
  blocks.push({ type: 'section', text: mrkdwn(truncateMrkdwn(sentence.join('\n'), SLACK_LIMITS.sectionText)) });
  if (execution.status === 'PendingApproval') {
    blocks.push({
      type: 'section',
      text: mrkdwn(
        truncateMrkdwn(
          `:point_right: To approve it: \`POST ${escapeMrkdwn(approvePath(execution.id))}\``,
          SLACK_LIMITS.sectionText,
        ),
      ),
    });
  }
  blocks.push({
    type: 'section',
    fields: executionFacts(execution)
      .slice(0, SLACK_LIMITS.fields)
      .map(([k, v]) => field(k, v)),
  });
  blocks.push(
    context([
      `Receiver *${escapeMrkdwn(receiver)}*`,
      `Created ${slackDate(execution.createdAt)} · updated ${slackDate(execution.updatedAt)}`,
    ]),
  );
  return blocks;
}

// ---- Block Kit builders ----------------------------------------------------------

function mrkdwn(text: string): MrkdwnElement {
  return { type: 'mrkdwn', text };
}

function header(text: string): KnownBlock {
  return {
    type: 'header',
    text: { type: 'plain_text', text: truncate(singleLine(text), SLACK_LIMITS.headerText), emoji: true },
  };
}

/** `*name*` on the first line, the value under it; both escaped, the whole within the per-field limit. */
function field(name: string, value: string): MrkdwnElement {
  const title = `*${escapeMrkdwn(truncate(singleLine(name), 100))}*\n`;
  return mrkdwn(title + truncateMrkdwn(escapeMrkdwn(value), SLACK_LIMITS.fieldText - title.length));
}

function context(texts: string[]): ContextBlock {
  return {
    type: 'context',
    elements: texts
      .slice(0, SLACK_LIMITS.contextElements)
      .map((t) => mrkdwn(truncateMrkdwn(t, SLACK_LIMITS.sectionText))),
  };
}

function linkButton(label: string, url: string): Button {
  return { type: 'button', text: { type: 'plain_text', text: truncate(label, SLACK_LIMITS.buttonText) }, url };
}
