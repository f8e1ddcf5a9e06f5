// The SecretSource port on SSM Parameter Store: webhook URLs and tokens the notifiers need, read as SecureStrings and cached.
import { GetParameterError } from '@aws-lambda-powertools/parameters';
import { SSMProvider } from '@aws-lambda-powertools/parameters/ssm';
import { SSMClient } from '@aws-sdk/client-ssm';
import type { SecretSource } from '../../ports';
import { awsErrorName, toDependencyError } from './errors';

export interface SsmSecretSourceOptions {
  client?: SSMClient;
  /** How long a value is reused before Parameter Store is asked again (seconds). */
  maxAgeSeconds?: number;
}

export class SsmSecretSource implements SecretSource {
  readonly #provider: SSMProvider;
  readonly #maxAge: number;

  constructor(options: SsmSecretSourceOptions = {}) {
    this.#provider = new SSMProvider({ awsSdkV3Client: options.client ?? new SSMClient({}) });
    this.#maxAge = options.maxAgeSeconds ?? 300;
  }

  async get(name: string): Promise<string | undefined> {
    try {
      const value = await this.#provider.get(name, { decrypt: true, maxAge: this.#maxAge });
      return typeof value === 'string' ? value : undefined;
    } catch (error) {
      // Powertools wraps the SDK error; the cause says whether the parameter is simply not there.
      const cause = error instanceof GetParameterError ? error.cause : error;
      if (awsErrorName(cause) === 'ParameterNotFound') return undefined;
      // Only the name goes into the message: values never leave this module.
      throw toDependencyError(`GetParameter ${name}`, cause);
    }
  }
}
