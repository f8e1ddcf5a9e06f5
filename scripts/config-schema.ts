// `npm run schema`: writes docs/config.schema.json (JSON Schema of runwatch.yml) for editors, from the zod schema.
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { configSchema } from '../functions/core/config/schema';

export function configJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(configSchema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  return {
    ...schema,
    $id: 'https://github.com/runwatch/runwatch/docs/config.schema.json',
    title: 'runwatch configuration (runwatch.yml)',
  };
}

if (require.main === module) {
  const out = join(resolve(__dirname, '..'), 'docs', 'config.schema.json');
  writeFileSync(out, `${JSON.stringify(configJsonSchema(), null, 2)}\n`);
  console.log(`wrote ${out}`);
}
