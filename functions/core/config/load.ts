// Parses runwatch.yml text into a validated Config; every problem names its path.
import { parse as parseYaml, YAMLParseError } from 'yaml';
import { ConfigError, issuesFromZod } from '../errors';
import { type Config, configSchema } from './schema';

export function parseConfig(text: string): Config {
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (e) {
    const pos = e instanceof YAMLParseError && e.linePos ? ` (line ${e.linePos[0].line})` : '';
    throw new ConfigError([
      { path: '(root)', message: `not valid YAML${pos}: ${(e as Error).message.split('\n')[0]}` },
    ]);
  }
  return validateConfig(raw ?? {});
}

export function validateConfig(raw: unknown): Config {
  const result = configSchema.safeParse(raw);
  if (!result.success) throw new ConfigError(issuesFromZod(result.error.issues));
  return result.data;
}
