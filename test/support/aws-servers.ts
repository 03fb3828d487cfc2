/**
 * Real AWS API servers on 127.0.0.1 for the SDK to talk to, pointed at by the SDK's own
 * `AWS_ENDPOINT_URL_<SERVICE>` variables: DynamoDB is `dynalite` (the DynamoDB API in memory);
 * Secrets Manager is a small server speaking its JSON 1.1 protocol for GetSecretValue.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import dynalite from 'dynalite';

/** What the SDK needs to sign requests to the stand-ins (they do not check the signature). */
export const AWS_TEST_ENV = {
  AWS_REGION: 'eu-west-1',
  AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE',
  AWS_SECRET_ACCESS_KEY: 'aws-test-secret',
};

export interface SecretsManagerStandIn {
  readonly url: string;
  /** secret id (ARN or name) → SecretString; change it to rotate */
  readonly secrets: Map<string, string>;
  /** how many GetSecretValue calls were answered */
  readonly reads: () => number;
  close(): Promise<void>;
}

export async function startSecretsManager(): Promise<SecretsManagerStandIn> {
  const secrets = new Map<string, string>();
  let reads = 0;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const target = String(req.headers['x-amz-target']);
      const { SecretId } = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as {
        SecretId?: string;
      };
      const secret = SecretId === undefined ? undefined : secrets.get(SecretId);
      res.setHeader('content-type', 'application/x-amz-json-1.1');
      if (target !== 'secretsmanager.GetSecretValue' || secret === undefined) {
        res.writeHead(400);
        res.end(
          JSON.stringify({
            __type: 'ResourceNotFoundException',
            message: "Secrets Manager can't find the specified secret.",
          }),
        );
        return;
      }
      reads += 1;
      res.end(JSON.stringify({ ARN: SecretId, Name: SecretId, SecretString: secret }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    secrets,
    reads: () => reads,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

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
