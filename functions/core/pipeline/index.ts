// The alert pipeline, wired in exactly one place: record → silence → ack → route → dedup → notify.
import { ackStage } from './ack';
import { routeAndNotifyStage } from './notify';
import { recordStage } from './record';
import { silenceStage } from './silence';
import { sequence } from './stage';

export const alertPipeline = sequence(recordStage, silenceStage, ackStage, routeAndNotifyStage);

export { notificationKey } from './notify';
export { routeAlert } from './route';
export type { Decision, PipelineContext, Stage } from './stage';
