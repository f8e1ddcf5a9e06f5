// The `quality` section of runwatch.yml: data-quality checks on metric series (owned by the data-quality work).
import { z } from 'zod';

export const qualityConfigSchema = z.strictObject({}).prefault({});

export type QualityConfig = z.output<typeof qualityConfigSchema>;
