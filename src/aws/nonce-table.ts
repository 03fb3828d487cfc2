/**
 * Replay protection shared by every instance of the function: each (AccessKeyId, nonce) is put
 * into a DynamoDB table once, with a condition that it is not there yet. The item expires (by
 * the table's TTL on `ExpiresAt`) just past the signature window, after which the timestamp
 * check refuses the request anyway.
 *
 * Table: partition key `Nonce` (string), TTL attribute `ExpiresAt` (epoch seconds).
 */
import type { NonceStore } from '../callers/nonce-store.js';
import { SIGNATURE_WINDOW_MS } from '../protocol/timestamp.js';

/** The table could not be asked; `reason` is safe to log. */
export class NonceTableUnavailable extends Error {
  override readonly name = 'NonceTableUnavailable';
}

type Sender = { send(command: unknown, options: { abortSignal: AbortSignal }): Promise<unknown> };

/** A minute past the window, so clock skew between instances cannot reopen a spent nonce. */
const KEEP_MS = SIGNATURE_WINDOW_MS + 60_000;

export function nonceTable(tableName: string): NonceStore {
  let client: Sender | undefined;
  return {
    async claim(accessKeyId, nonce, signedAt, signal) {
      const sdk = await import('@aws-sdk/client-dynamodb');
      client ??= new sdk.DynamoDBClient({});
      const expiresAt = Math.ceil((Math.max(signedAt, Date.now()) + KEEP_MS) / 1000);
      try {
        await client.send(
          new sdk.PutItemCommand({
            TableName: tableName,
            Item: {
              // Two keys could only collide into a refusal, never into letting a replay through.
              Nonce: { S: `${accessKeyId}\n${nonce}` },
              ExpiresAt: { N: String(expiresAt) },
            },
            ConditionExpression: 'attribute_not_exists(Nonce)',
          }),
          { abortSignal: signal },
        );
        return true;
      } catch (error) {
        if ((error as Error).name === 'ConditionalCheckFailedException') return false;
        throw new NonceTableUnavailable(`DynamoDB PutItem failed (${(error as Error).name})`, {
          cause: error,
        });
      }
    },
  };
}
