// Stage 4: route, dedup through the notification log (one conditional write per alert and integration), notify.

import type { Notifier } from '../../ports';
import type { Alert } from '../alert';
import { RunwatchError } from '../errors';
import { renderAlertNotification } from '../render/notification';
import { type RouteTarget, routeAlert } from './route';
import type { PipelineContext, Stage } from './stage';

const NFLOG_TTL_SECONDS = 7 * 24 * 3600;

/**
 * The notification-log key. A firing alert is notified once per repeat interval since it started
 * (bucket 0, 1, 2, ...), a resolve once; redeliveries of the same event land on the same key.
 */
export function notificationKey(
  alert: Alert,
  receiver: string,
  integration: string,
  now: Date,
  repeatMs: number,
): string {
  const bucket =
    alert.status === 'firing' ? Math.max(0, Math.floor((now.getTime() - Date.parse(alert.startsAt)) / repeatMs)) : 0;
  return `${receiver}/${integration}/${alert.fingerprint}/${alert.status}/${alert.startsAt}/${bucket}`;
}

interface Group {
  target: RouteTarget;
  alerts: Alert[];
}

async function notifyIntegration(
  ctx: PipelineContext,
  group: Group,
  notifier: Notifier,
): Promise<RunwatchError | undefined> {
  const receiver = group.target.receiver.name;
  const fresh: { alert: Alert; key: string }[] = [];
  for (const alert of group.alerts) {
    const key = notificationKey(alert, receiver, notifier.kind, ctx.now, group.target.repeatIntervalMs);
    const first = await ctx.store.recordNotificationOnce(key, {
      fingerprint: alert.fingerprint,
      receiver,
      at: ctx.now.toISOString(),
      ttlSeconds: NFLOG_TTL_SECONDS,
    });
    if (first) fresh.push({ alert, key });
    else
      ctx.decide({
        stage: 'notify',
        fingerprint: alert.fingerprint,
        outcome: 'drop',
        reason: 'already notified',
        receiver,
        integration: notifier.kind,
      });
  }
  if (fresh.length === 0) return undefined;
  const notification = renderAlertNotification(
    receiver,
    fresh.map((f) => f.alert),
  );
  try {
    await notifier.send(notification);
    for (const { alert, key } of fresh) {
      ctx.decide({
        stage: 'notify',
        fingerprint: alert.fingerprint,
        outcome: 'notified',
        reason: key.endsWith('/0') ? 'first notification' : 'repeat interval elapsed',
        receiver,
        integration: notifier.kind,
      });
    }
    return undefined;
  } catch (e) {
    const err =
      e instanceof RunwatchError
        ? e
        : new RunwatchError(String((e as Error)?.message ?? e), { retryable: true, cause: e });
    // A retryable failure gives the keys back so the redelivery can notify; a permanent one keeps them (no retry storm).
    if (err.retryable) for (const { key } of fresh) await ctx.store.releaseNotification(key);
    for (const { alert } of fresh) {
      ctx.decide({
        stage: 'notify',
        fingerprint: alert.fingerprint,
        outcome: 'failed',
        reason: `${err.retryable ? 'retryable' : 'permanent'} failure: ${err.message}`,
        receiver,
        integration: notifier.kind,
      });
    }
    return err;
  }
}

export const routeAndNotifyStage: Stage = async (ctx, alerts) => {
  const groups = new Map<string, Group>();
  for (const alert of alerts) {
    for (const target of routeAlert(ctx.config, alert.labels)) {
      // One message per receiver, alert name and status: a burst of the same alert reads as one page.
      const id = `${target.receiver.name}\u0000${alert.labels.alertname}\u0000${alert.status}`;
      let g = groups.get(id);
      if (!g) {
        g = { target, alerts: [] };
        groups.set(id, g);
      }
      g.alerts.push(alert);
    }
  }
  const failures: RunwatchError[] = [];
  for (const group of groups.values()) {
    const notifiers = ctx.notifiersFor(group.target.receiver);
    if (notifiers.length === 0) {
      for (const a of group.alerts)
        ctx.decide({
          stage: 'notify',
          fingerprint: a.fingerprint,
          outcome: 'drop',
          reason: 'receiver has no integration configured here',
          receiver: group.target.receiver.name,
        });
    }
    for (const notifier of notifiers) {
      const err = await notifyIntegration(ctx, group, notifier);
      if (err) failures.push(err);
    }
  }
  const retryable = failures.find((f) => f.retryable);
  if (retryable) throw retryable;
  return alerts;
};
