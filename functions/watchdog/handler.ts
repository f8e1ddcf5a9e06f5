// watchdog Lambda entry point.
import { defaultRuntime } from '../lib/wiring';
import { makeHandler } from './make-handler';

export const handler = makeHandler(defaultRuntime('watchdog'));
