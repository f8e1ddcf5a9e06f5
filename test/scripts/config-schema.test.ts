// The editor schema in docs/ is generated from the zod schema, is current, and accepts the shipped config.
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import Ajv2020 from 'ajv/dist/2020';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { configJsonSchema } from '../../scripts/config-schema';

const ROOT = resolve(__dirname, '..', '..');

describe('docs/config.schema.json', () => {
  it('matches what npm run schema generates', () => {
    const onDisk = JSON.parse(readFileSync(join(ROOT, 'docs', 'config.schema.json'), 'utf8'));
    expect(onDisk).toEqual(configJsonSchema());
  });

  it('accepts runwatch.yml and rejects a route without a receiver', () => {
    const ajv = new Ajv2020({ strict: false, allErrors: true });
    const validate = ajv.compile(configJsonSchema());
    const config = parse(readFileSync(join(ROOT, 'runwatch.yml'), 'utf8'));
    expect(validate(config)).toBe(true);
    const broken = { ...config, routes: [{ match: {} }] };
    expect(validate(broken)).toBe(false);
    expect(validate.errors?.some((e) => e.instancePath === '/routes/0' && e.message?.includes('receiver'))).toBe(true);
  });
});
