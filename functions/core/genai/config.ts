// The `genai` section of runwatch.yml: model prices, token budgets (owned by the GenAI usage-signals work).
import { z } from 'zod';

export const genaiConfigSchema = z.strictObject({}).prefault({});

export type GenaiConfig = z.output<typeof genaiConfigSchema>;
