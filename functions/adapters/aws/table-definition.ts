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
/**
 * The watchdog's index of series by due time. Its own index, projecting only what the watchdog reads: every state
 * write moves a series' due time, and DynamoDB charges an index a delete and a put for that, each sized by the
 * projected item — with the ~4 KB state projected (gsi1 projects ALL, for the alert, silence and execution lists)
 * that tripled the cost of every state write.
 */
export const GSI2 = 'gsi2';
export const GSI2_ATTRIBUTES = ['version', 'labels', 'lastSeenMs', 'intervalMs', 'staleSince'];

export function tableDefinition(tableName: string): CreateTableCommandInput {
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [
      { AttributeName: 'pk', AttributeType: 'S' },
      { AttributeName: 'sk', AttributeType: 'S' },
      { AttributeName: 'gsi1pk', AttributeType: 'S' },
      { AttributeName: 'gsi1sk', AttributeType: 'S' },
      { AttributeName: 'gsi2pk', AttributeType: 'S' },
      { AttributeName: 'gsi2sk', AttributeType: 'S' },
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
      {
        IndexName: GSI2,
        KeySchema: [
          { AttributeName: 'gsi2pk', KeyType: 'HASH' },
          { AttributeName: 'gsi2sk', KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'INCLUDE', NonKeyAttributes: GSI2_ATTRIBUTES },
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
