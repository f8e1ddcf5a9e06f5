import {
  CreateTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  ResourceInUseException,
  ResourceNotFoundException,
} from '@aws-sdk/client-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { ensureTable, tableDefinition } from '../../../functions/adapters/aws/table-definition';

const dynamo = mockClient(DynamoDBClient);
const notFound = () => new ResourceNotFoundException({ message: 'Requested resource not found', $metadata: {} });
const active = { Table: { TableName: 't', TableStatus: 'ACTIVE' as const } };

describe('tableDefinition', () => {
  it('describes pk/sk, the gsi1 and gsi2 indexes and on-demand billing', () => {
    // Act
    const def = tableDefinition('runwatch-dev');

    // Assess
    expect(def).toEqual({
      TableName: 'runwatch-dev',
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
          IndexName: 'gsi1',
          KeySchema: [
            { AttributeName: 'gsi1pk', KeyType: 'HASH' },
            { AttributeName: 'gsi1sk', KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'ALL' },
        },
        {
          IndexName: 'gsi2',
          KeySchema: [
            { AttributeName: 'gsi2pk', KeyType: 'HASH' },
            { AttributeName: 'gsi2sk', KeyType: 'RANGE' },
          ],
          Projection: {
            ProjectionType: 'INCLUDE',
            NonKeyAttributes: ['version', 'labels', 'lastSeenMs', 'intervalMs', 'staleSince'],
          },
        },
      ],
    });
  });
});

describe('ensureTable', () => {
  beforeEach(() => dynamo.reset());

  it('creates a missing table and waits until it exists', async () => {
    // Prepare
    dynamo.on(DescribeTableCommand).rejectsOnce(notFound()).resolves(active);
    dynamo.on(CreateTableCommand).resolves({});

    // Act
    await ensureTable(new DynamoDBClient({ region: 'us-east-1' }), 't');

    // Assess
    expect(dynamo.commandCalls(CreateTableCommand)[0]?.args[0].input).toEqual(tableDefinition('t'));
  });

  it('leaves an existing table alone', async () => {
    // Prepare
    dynamo.on(DescribeTableCommand).resolves(active);

    // Act
    await ensureTable(new DynamoDBClient({ region: 'us-east-1' }), 't');

    // Assess
    expect(dynamo.commandCalls(CreateTableCommand)).toHaveLength(0);
  });

  it('accepts losing the creation race to another process', async () => {
    // Prepare
    dynamo.on(DescribeTableCommand).rejectsOnce(notFound()).resolves(active);
    dynamo
      .on(CreateTableCommand)
      .rejects(new ResourceInUseException({ message: 'Table already exists', $metadata: {} }));

    // Act / Assess
    await expect(ensureTable(new DynamoDBClient({ region: 'us-east-1' }), 't')).resolves.toBeUndefined();
  });
});
