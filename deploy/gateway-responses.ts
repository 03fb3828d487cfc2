/**
 * REST API only: every response API Gateway raises itself (throttling, payload too large,
 * IAM refusals, integration timeouts, a crashed function) rendered as the documented envelope,
 * from this one table. HTTP APIs have no gateway responses: their own errors stay
 * `{"message": "…"}` (README, "Which errors are in the envelope").
 *
 * A gateway response template is not VTL: API Gateway only substitutes `$context` variables.
 * So each body is the product's own renderer run on a fixed envelope whose RequestId and HostId
 * are `$context.requestId` and `$context.domainName` (the ids the function puts in its own
 * envelopes), and the status is the documented status of the code: the same code always comes
 * with the same status, whoever raises it.
 */
import { renderEnvelope } from '../src/codec/render.js';
import {
  type CodeSpelling,
  documentedMessage,
  documentedStatus,
  type KnownCode,
  respell,
} from '../src/kms/errors.js';

/** Every response type API Gateway has (the GatewayResponse API's list of valid values). */
export const RESPONSE_TYPES = [
  'ACCESS_DENIED',
  'API_CONFIGURATION_ERROR',
  'AUTHORIZER_CONFIGURATION_ERROR',
  'AUTHORIZER_FAILURE',
  'BAD_REQUEST_PARAMETERS',
  'BAD_REQUEST_BODY',
  'DEFAULT_4XX',
  'DEFAULT_5XX',
  'EXPIRED_TOKEN',
  'INTEGRATION_FAILURE',
  'INTEGRATION_TIMEOUT',
  'INVALID_API_KEY',
  'INVALID_SIGNATURE',
  'MISSING_AUTHENTICATION_TOKEN',
  'QUOTA_EXCEEDED',
  'REQUEST_TOO_LARGE',
  'RESOURCE_NOT_FOUND',
  'THROTTLED',
  'UNAUTHORIZED',
  'UNSUPPORTED_MEDIA_TYPE',
  'WAF_FILTERED',
] as const;

export type ResponseType = (typeof RESPONSE_TYPES)[number];

export interface GatewayResponseRule {
  readonly code: KnownCode;
  /** the name a `MissingParameter`/`InvalidParameter` message names */
  readonly parameter?: string;
  /** what happened, after the code's documented message */
  readonly detail: string;
}

/** The table (README, "REST API: gateway responses"). */
export const GATEWAY_RESPONSES: Readonly<Record<ResponseType, GatewayResponseRule>> = {
  ACCESS_DENIED: {
    code: 'Forbidden.NoPermission',
    detail: 'API Gateway denied the request (IAM policy or resource policy).',
  },
  API_CONFIGURATION_ERROR: {
    code: 'InternalFailure',
    detail: 'The API Gateway configuration is invalid.',
  },
  AUTHORIZER_CONFIGURATION_ERROR: {
    code: 'InternalFailure',
    detail: 'The API Gateway authorizer could not be reached.',
  },
  AUTHORIZER_FAILURE: {
    code: 'InternalFailure',
    detail: 'The API Gateway authorizer failed.',
  },
  BAD_REQUEST_PARAMETERS: {
    code: 'ParseRequestParameterException',
    detail: 'API Gateway refused the request parameters.',
  },
  BAD_REQUEST_BODY: {
    code: 'ParseRequestParameterException',
    detail: 'API Gateway refused the request body.',
  },
  DEFAULT_4XX: {
    code: 'ParseRequestParameterException',
    detail: 'API Gateway refused the request.',
  },
  DEFAULT_5XX: {
    code: 'InternalFailure',
    detail: 'API Gateway got no valid answer from the function.',
  },
  EXPIRED_TOKEN: {
    code: 'InvalidSecurityToken.Expired',
    detail: 'The AWS security token that signed the request has expired.',
  },
  INTEGRATION_FAILURE: {
    code: 'SerivceUnavailableTemporary',
    detail: 'API Gateway could not invoke the function.',
  },
  INTEGRATION_TIMEOUT: {
    code: 'SerivceUnavailableTemporary',
    detail: 'The function did not answer within the API Gateway timeout.',
  },
  INVALID_API_KEY: {
    code: 'Forbidden.NoPermission',
    detail: 'The API key is not valid.',
  },
  INVALID_SIGNATURE: {
    code: 'IncompleteSignature',
    detail: 'The AWS Signature Version 4 of the request does not match.',
  },
  MISSING_AUTHENTICATION_TOKEN: {
    code: 'MissingParameter',
    parameter: 'Authorization',
    detail: 'Requests to this API are signed with AWS Signature Version 4.',
  },
  QUOTA_EXCEEDED: {
    code: 'Throttling',
    detail: 'The usage plan quota is exhausted.',
  },
  REQUEST_TOO_LARGE: {
    code: 'ParseRequestParameterException',
    detail: 'The request is larger than API Gateway accepts.',
  },
  RESOURCE_NOT_FOUND: {
    code: 'InvalidAction.NotFound',
    detail: 'No route of this API matches the request.',
  },
  THROTTLED: {
    code: 'Throttling',
    detail: "The API Gateway stage's request rate limit was exceeded.",
  },
  UNAUTHORIZED: {
    code: 'Forbidden.NoPermission',
    detail: 'The API Gateway authorizer did not authenticate the caller.',
  },
  UNSUPPORTED_MEDIA_TYPE: {
    code: 'ParseRequestParameterException',
    detail: 'API Gateway cannot take a body of this Content-Type.',
  },
  WAF_FILTERED: {
    code: 'Forbidden.ProhibitedByRiskControl',
    detail: 'AWS WAF blocked the request.',
  },
};

/** The `$context` variables a body holds; API Gateway substitutes them, nothing else. */
export const CONTEXT_VARIABLES = {
  RequestId: '$context.requestId',
  HostId: '$context.domainName',
} as const;

/**
 * The content types a gateway response is rendered in. API Gateway picks the template whose key
 * is the request's `Accept` header, exactly; an absent or unmatched `Accept` gets
 * `application/json` (README: what it can and cannot do).
 */
export const TEMPLATE_TYPES = {
  'application/json': 'JSON',
  'application/xml': 'XML',
  'text/xml': 'XML',
} as const;

/** The headers every answer of the function carries that a gateway response can carry too. */
const STATIC_HEADERS: Readonly<Record<string, string>> = {
  'Cache-Control': 'no-store',
  'X-Content-Type-Options': 'nosniff',
  Vary: 'Accept',
};

export interface RenderedResponse {
  readonly type: ResponseType;
  readonly status: number;
  readonly code: string;
  readonly message: string;
  /** content type → body template */
  readonly templates: Readonly<Record<string, string>>;
}

/** One row of the table, as the envelope it answers with (`$context` variables unsubstituted). */
export function renderResponse(type: ResponseType, spelling: CodeSpelling): RenderedResponse {
  const rule = GATEWAY_RESPONSES[type];
  const status = documentedStatus(rule.code);
  const code = respell(rule.code, spelling);
  const message = `${documentedMessage(rule.code, rule.parameter)} ${rule.detail}`;
  const envelope = { HttpStatus: status, Code: code, Message: message, ...CONTEXT_VARIABLES };
  const templates = Object.fromEntries(
    Object.entries(TEMPLATE_TYPES).map(([type, format]) => [
      type,
      renderEnvelope(envelope, format),
    ]),
  );
  return { type, status, code, message, templates };
}

/** `ACCESS_DENIED` → `GatewayResponseAccessDenied` */
export const logicalIdOf = (type: ResponseType) =>
  `GatewayResponse${type
    .toLowerCase()
    .split('_')
    .map((word) => word.charAt(0).toUpperCase() + word.slice(1))
    .join('')}`;

/** The CloudFormation resources of the whole table, for the REST API `restApiId` names. */
export function gatewayResponseResources(
  restApiId: unknown,
  spelling: CodeSpelling,
): Record<string, { Type: string; Properties: Record<string, unknown> }> {
  const headers = Object.fromEntries(
    Object.entries(STATIC_HEADERS).map(([name, value]) => [
      `gatewayresponse.header.${name}`,
      `'${value}'`,
    ]),
  );
  return Object.fromEntries(
    RESPONSE_TYPES.map((type) => {
      const rendered = renderResponse(type, spelling);
      return [
        logicalIdOf(type),
        {
          Type: 'AWS::ApiGateway::GatewayResponse',
          Properties: {
            RestApiId: restApiId,
            ResponseType: type,
            // Set on every type, DEFAULT_4XX/5XX too, so the status is always the envelope's.
            StatusCode: String(rendered.status),
            ResponseParameters: headers,
            ResponseTemplates: rendered.templates,
          },
        },
      ];
    }),
  );
}
