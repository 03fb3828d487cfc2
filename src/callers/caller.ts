/** Who a request comes from, once authenticated, and what that caller may do. */
import type { CallerPolicy } from './policy.js';

export type Caller =
  /** signed with a caller key of the directory */
  | {
      readonly kind: 'key';
      readonly accessKeyId: string;
      readonly policy: CallerPolicy;
      /** the key's secret and token: kept out of every log line */
      readonly secrets: readonly string[];
    }
  /** an IAM principal API Gateway authenticated */
  | { readonly kind: 'iam'; readonly principal: string; readonly policy: CallerPolicy }
  /** KMS_CALLER_AUTH=none */
  | { readonly kind: 'anonymous'; readonly policy: CallerPolicy };
