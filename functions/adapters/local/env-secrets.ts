// The SecretSource port for the local stack: secrets come from an environment map handed in at startup.

import type { SecretSource } from '../../ports';

/**
 * Looks a name up as given, then as an environment variable name, so a config that refers to
 * `/runwatch/slack/webhook` (its SSM name in AWS) finds `RUNWATCH_SLACK_WEBHOOK` locally.
 */
export class EnvSecretSource implements SecretSource {
  readonly #env: Record<string, string | undefined>;

  constructor(env: Record<string, string | undefined>) {
    this.#env = { ...env };
  }

  async get(name: string): Promise<string | undefined> {
    const value = this.#env[name] ?? this.#env[envName(name)];
    return value === undefined || value === '' ? undefined : value;
  }
}

export function envName(name: string): string {
  return name
    .replace(/[^A-Za-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .toUpperCase();
}
