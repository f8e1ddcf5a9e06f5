// Stage 1: keep the alert's record current (what GET /v1/alerts shows) and drop stale redeliveries.

import type { AlertRecord } from '../../ports';
import type { Alert } from '../alert';
import type { Stage } from './stage';

/** A firing that starts before the stored resolve ended is an old event arriving late: never page for it. */
function isStale(alert: Alert, prev: AlertRecord | undefined): boolean {
  if (!prev) return false;
  if (alert.status === 'firing' && prev.status === 'resolved' && prev.endsAt) {
    return Date.parse(alert.startsAt) < Date.parse(prev.endsAt);
  }
  if (alert.status === 'resolved' && prev.status === 'firing') {
    return alert.endsAt !== undefined && Date.parse(alert.endsAt) < Date.parse(prev.startsAt);
  }
  return false;
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
    out.push(alert);
  }
  return out;
};
