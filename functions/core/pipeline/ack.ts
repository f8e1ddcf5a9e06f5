// Stage 3: an acknowledged firing alert stops repeating; its resolve still goes out.
import type { Stage } from './stage';

export const ackStage: Stage = async (ctx, alerts) => {
  const out = [];
  for (const alert of alerts) {
    if (alert.status === 'firing') {
      const record = await ctx.store.getAlert(alert.fingerprint);
      if (record?.ackedBy && record.startsAt === alert.startsAt) {
        ctx.decide({
          stage: 'ack',
          fingerprint: alert.fingerprint,
          outcome: 'drop',
          reason: `acknowledged by ${record.ackedBy}`,
        });
        continue;
      }
    }
    out.push(alert);
  }
  return out;
};
