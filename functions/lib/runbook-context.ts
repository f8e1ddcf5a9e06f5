// Builds the runbook lifecycle context from a runtime, logging and counting every decision.
import type { RunbookContext } from '../core/runbooks/lifecycle';
import { count } from './observability';
import type { Runtime } from './runtime';

export function runbookContext(rt: Runtime): RunbookContext {
  return {
    now: rt.clock.now(),
    config: rt.config,
    store: rt.store,
    executor: rt.executor,
    notifiersFor: rt.notifiersFor,
    decide: (d) => {
      count(rt.metrics, `Runbook_${d.outcome}`);
      rt.logger.info(`runbook ${d.outcome}: ${d.reason}`, { decision: d });
    },
  };
}
