// Stage 2: mute alerts that an active silence matches (they stay listed, marked as muted).

import type { Silence } from '../../ports';
import { matchesLabels } from '../matchers';
import type { Stage } from './stage';

export function isActive(silence: Silence, now: Date): boolean {
  const t = now.getTime();
  return Date.parse(silence.startsAt) <= t && t < Date.parse(silence.endsAt);
}

export const silenceStage: Stage = async (ctx, alerts) => {
  const active = (await ctx.store.listSilences()).filter((s) => isActive(s, ctx.now));
  if (active.length === 0) return alerts;
  const out = [];
  for (const alert of alerts) {
    const silence = active.find((s) => matchesLabels(s.matchers, alert.labels));
    if (!silence) {
      out.push(alert);
      continue;
    }
    const record = await ctx.store.getAlert(alert.fingerprint);
    if (record) await ctx.store.putAlert({ ...record, mutedBy: `silence:${silence.id}` });
    ctx.decide({
      stage: 'silence',
      fingerprint: alert.fingerprint,
      outcome: 'drop',
      reason: `silenced by ${silence.id}`,
    });
  }
  return out;
};
