// Stage 1: keep the alert's record current (what GET /v1/alerts shows) and drop stale redeliveries.

import type { AlertRecord } from '../../ports';
import type { Alert } from '../alert';
import type { Stage } from './stage';

/**
 * Old events arriving late never page: a firing that starts before the stored resolve ended, an event
 * of an earlier incident than the stored one, or a resolve that ends before the stored firing began.
 */
function isStale(alert: Alert, prev: AlertRecord | undefined): boolean {
  if (!prev) return false;
  const starts = Date.parse(alert.startsAt);
  if (starts < Date.parse(prev.startsAt)) return true;
  if (alert.status === 'firing' && prev.status === 'resolved' && prev.endsAt) {
    return starts < Date.parse(prev.endsAt);
  }
  if (alert.status === 'resolved' && prev.status === 'firing') {
    return alert.endsAt !== undefined && Date.parse(alert.endsAt) < Date.parse(prev.startsAt);
  }
  return false;
}

/**
 * Like Alertmanager, a resolve is only worth telling when its firing was told: never seen firing
 * (e.g. an alarm that went OK after runwatch was deployed mid-incident) or muted while firing.
 */
function resolveWithoutFiring(alert: Alert, prev: AlertRecord | undefined): string | undefined {
  if (alert.status !== 'resolved') return undefined;
  if (!prev) return 'resolve for an alert never seen firing';
  if (prev.status === 'firing' && prev.startsAt === alert.startsAt && prev.mutedBy)
    return `firing was muted (${prev.mutedBy})`;
  if (prev.status === 'resolved' && prev.startsAt !== alert.startsAt)
    return 'resolve for an incident never seen firing';
  return undefined;
}

export const recordStage: Stage = async (ctx, alerts) => {
  const out: Alert[] = [];
  const nowIso = ctx.now.toISOString();
  for (const alert of alerts) {
    const prev = await ctx.store.getAlert(alert.fingerprint);
    if (isStale(alert, prev)) {
      ctx.decide({
        stage: 'record',
        fingerprint: alert.fingerprint,
        outcome: 'drop',
        reason: 'stale: newer state already recorded',
      });
      continue;
    }
    const sameIncident = prev !== undefined && prev.startsAt === alert.startsAt;
    const record: AlertRecord = {
      ...alert,
      id: alert.fingerprint,
      receivedAt: sameIncident && prev ? prev.receivedAt : nowIso,
      updatedAt: nowIso,
    };
    if (sameIncident && prev?.ackedBy) {
      record.ackedBy = prev.ackedBy;
      if (prev.ackedAt) record.ackedAt = prev.ackedAt;
    }
    await ctx.store.putAlert(record);
    const quiet = resolveWithoutFiring(alert, prev);
    if (quiet) {
      ctx.decide({ stage: 'record', fingerprint: alert.fingerprint, outcome: 'drop', reason: quiet });
      continue;
    }
    out.push(alert);
  }
  return out;
};
