// The one DynamoDB table behind the Store port: its definition (mirrors serverless.yml) and creation for the local stack and tests.
import {
  CreateTableCommand,
  type CreateTableCommandInput,
  DescribeTableCommand,
  type DynamoDBClient,
  waitUntilTableExists,
} from '@aws-sdk/client-dynamodb';
import { awsErrorName, callAws } from './errors';

/** Attribute DynamoDB TTL reads (epoch seconds); set on notification-log entries and silences. */
export const TTL_ATTRIBUTE = 'expiresAt';
export const GSI1 = 'gsi1';

export function tableDefinition(tableName: string): CreateTableCommandInput {
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [
      { AttributeName: 'pk', AttributeType: 'S' },
      { AttributeName: 'sk', AttributeType: 'S' },
      { AttributeName: 'gsi1pk', AttributeType: 'S' },
      { AttributeName: 'gsi1sk', AttributeType: 'S' },
    ],
    KeySchema: [
      { AttributeName: 'pk', KeyType: 'HASH' },
      { AttributeName: 'sk', KeyType: 'RANGE' },
    ],
    GlobalSecondaryIndexes: [
      {
        IndexName: GSI1,
        KeySchema: [
          { AttributeName: 'gsi1pk', KeyType: 'HASH' },
          { AttributeName: 'gsi1sk', KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'ALL' },
      },
    ],
  };
}

/** Creates the table unless it exists, then waits until it is ACTIVE. Local stack and tests only; the cloud uses CloudFormation. */
export async function ensureTable(client: DynamoDBClient, tableName: string): Promise<void> {
  const exists = await callAws(`DescribeTable ${tableName}`, async () => {
    try {
      await client.send(new DescribeTableCommand({ TableName: tableName }));
      return true;
    } catch (error) {
      if (awsErrorName(error) === 'ResourceNotFoundException') return false;
      throw error;
    }
  });
  if (!exists) {
    await callAws(`CreateTable ${tableName}`, async () => {
      try {
        await client.send(new CreateTableCommand(tableDefinition(tableName)));
      } catch (error) {
        // Another process created it between our describe and create: fine, we only wait for it.
        if (awsErrorName(error) !== 'ResourceInUseException') throw error;
      }
    });
  }
  await callAws(`waiting for table ${tableName}`, () =>
    waitUntilTableExists({ client, minDelay: 1, maxWaitTime: 30 }, { TableName: tableName }),
  );
}
