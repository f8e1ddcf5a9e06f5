// poll-metrics Lambda entry point.
import { defaultPollDeps } from './deps';
import { makeHandler } from './make-handler';

export const handler = makeHandler(defaultPollDeps());
