/**
 * The DynamoDB API on 127.0.0.1 (`dynalite`, in memory), for the SDK to talk to through its own
 * `AWS_ENDPOINT_URL_DYNAMODB` variable. (Secrets Manager's stand-in is `secrets-manager.ts`.)
 */
import type { AddressInfo } from 'node:net';
import dynalite from 'dynalite';

/** What the SDK needs to sign requests to the stand-ins (they do not check the signature). */
export const AWS_TEST_ENV = {
  AWS_REGION: 'eu-west-1',
  AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE',
  AWS_SECRET_ACCESS_KEY: 'aws-test-secret',
};

export interface DynamoDbServer {
  readonly url: string;
  close(): Promise<void>;
}

export async function startDynamoDb(): Promise<DynamoDbServer> {
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** The nonce table as `serverless.yml` creates it: key `Nonce`, TTL on `ExpiresAt`. */
export async function createNonceTable(endpoint: string, name: string): Promise<void> {
  const sdk = await import('@aws-sdk/client-dynamodb');
  const client = new sdk.DynamoDBClient({
    endpoint,
    region: AWS_TEST_ENV.AWS_REGION,
    credentials: {
      accessKeyId: AWS_TEST_ENV.AWS_ACCESS_KEY_ID,
      secretAccessKey: AWS_TEST_ENV.AWS_SECRET_ACCESS_KEY,
    },
  });
  await client.send(
    new sdk.CreateTableCommand({
      TableName: name,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [{ AttributeName: 'Nonce', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'Nonce', KeyType: 'HASH' }],
    }),
  );
  client.destroy();
}
