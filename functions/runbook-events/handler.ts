// runbook-events Lambda entry point.
import { defaultRuntime, runtimeEnv } from '../lib/wiring';
import { makeHandler } from './make-handler';

export const handler = makeHandler(defaultRuntime('runbook-events'), { documentPrefix: runtimeEnv().documentPrefix });
