/**
 * The documented KMS error table (source document `返回结果`, "公共错误码") and the spelling
 * aliases later Alibaba documents use for two of its codes.
 */
import { METADATA_ERROR_STATUS } from './actions.generated.js';

export interface DocumentedError {
  readonly status: number;
  readonly message: string;
}

/** Codes, statuses and messages exactly as the source document's table gives them. */
export const DOCUMENTED_ERRORS = {
  InternalFailure: { status: 500, message: 'Internal Failure.' },
  SerivceUnavailableTemporary: { status: 503, message: 'Service Unavailable Temporary.' },
  'InvalidAccessKeyId.NotFound': {
    status: 404,
    message: 'The AccessKey ID provided does not exist in our records.',
  },
  'Forbidden.KeyNotFound': { status: 404, message: 'The specified Key is not found.' },
  'Forbidden.AliasNotFound': { status: 404, message: 'The specified Alias is not found.' },
  'Forbidden.NoPermission': {
    status: 403,
    message: 'This operation is forbidden by permission system.',
  },
  'Forbidden.AccessKey': { status: 403, message: 'This AccessKey is not enabled.' },
  UnsupportedHTTPMethod: { status: 403, message: 'This http method is not supported.' },
  'Forbidden.UbsmsInvalidUserid': { status: 403, message: 'Userid Invalid For Ubsms.' },
  'Forbidden.UbsmsInvalidBid': {
    status: 403,
    message: 'Your account partner does not have KMS Service.',
  },
  'Forbidden.KmsServiceNotEnabled': {
    status: 403,
    message: 'Kms service is not Enabled for current user. Please get access permission first.',
  },
  'Forbidden.ProhibitedByRiskControl': {
    status: 403,
    message: 'Current user is Prohibited By Risk Control.',
  },
  'Forbidden.InDebtOverdue': { status: 403, message: 'Current user is indebted Overdue.' },
  'Forbidden.InDebt': { status: 403, message: 'Current user is indebted.' },
  ParseRequestParameterException: {
    status: 400,
    message: 'Server parse parameters exception. Please check your input params.',
  },
  MissingParameter: {
    status: 400,
    message: 'The parameter "<parameter name>" is needed but not provided.',
  },
  InvalidParameter: {
    status: 400,
    message: 'The specified parameter "<parameter name>" is not valid.',
  },
  IncompleteSignature: {
    status: 400,
    message: 'The request signature does not conform to Alibaba Cloud standards.',
  },
  IllegalTimestamp: {
    status: 400,
    message:
      'The input parameter "Timestamp" that is required for processing this request is not supplied.',
  },
  'Rejected.LimitExceeded': {
    status: 400,
    message: 'The request was rejected because user create resource limit was exceeded.',
  },
  AliasAlreadyExists: { status: 400, message: 'AliasName Already Exists.' },
  InvalidKeyMaterial: { status: 400, message: 'key material is invalid.' },
  InvalidImportToken: { status: 400, message: 'import token is invalid.' },
  ExpiredImportToken: { status: 400, message: 'import token is expired.' },
  'Unsupported.Origin': { status: 400, message: 'This key origin is not valid for this api.' },
  'Unsupported.Alias': { status: 400, message: 'Alias is not valid for this api.' },
  'Rejected.StateModifiedFailed': { status: 409, message: 'Keystate modified failed.' },
  'Rejected.Disabled': {
    status: 409,
    message: 'The request was rejected because the key state is Disabled.',
  },
  'Rejetced.PendingDeletion': {
    status: 409,
    message: 'The request was rejected because the key state is PendingDeletion.',
  },
  'Rejected.PendingImport': {
    status: 409,
    message: 'The request was rejected because the key state is PendingImport.',
  },
} as const satisfies Record<string, DocumentedError>;

export type DocumentedCode = keyof typeof DOCUMENTED_ERRORS;

/**
 * Codes this gateway raises that the table does not have. `Unsupported.Format` answers an
 * `Accept` header that excludes every format the gateway can produce.
 */
export const GATEWAY_ERRORS = {
  'Unsupported.Format': {
    status: 406,
    message:
      'None of the media types in the Accept header is offered. Offered: application/json, application/xml, text/xml.',
  },
} as const satisfies Record<string, DocumentedError>;

/**
 * Codes the live service answers that the documented table lacks (its API gateway's
 * authentication and routing codes, per-action codes), worded as the service words them. The
 * emulator answers with them, and the gateway when it authenticates its own callers.
 */
export const SERVICE_ERRORS = {
  InvalidVersion: { status: 400, message: 'Specified parameter Version is not valid.' },
  SignatureNonceUsed: { status: 400, message: 'Specified signature nonce was used already.' },
  'InvalidAction.NotFound': {
    status: 404,
    message: 'Specified api is not found, please check your url and method.',
  },
  'InvalidSecurityToken.MismatchWithAccessKey': {
    status: 400,
    message: 'Specified SecurityToken mismatch with the AccessKey.',
  },
  'InvalidSecurityToken.Expired': { status: 400, message: 'Specified SecurityToken is expired.' },
  // The live service spells this code correctly; the documented table has `Rejetced.`.
  'Rejected.PendingDeletion': DOCUMENTED_ERRORS['Rejetced.PendingDeletion'],
  ServiceUnavailableTemporary: DOCUMENTED_ERRORS.SerivceUnavailableTemporary,
  InvalidCiphertext: { status: 400, message: 'The specified Ciphertext is not valid.' },
  // Keys (the 2020 error table and the metadata's per-action lists).
  'Forbidden.KeyVersionNotFound': {
    status: 404,
    message: 'The specified Key version is not found.',
  },
  'Rejected.UnsupportedOperation': { status: 400, message: 'Unsupported operation.' },
  // Secrets Manager (messages from the metadata's per-action error lists and the secrets docs).
  'Forbidden.ResourceNotFound': { status: 404, message: 'The resource is not found.' },
  'Rejected.ResourceExist': { status: 409, message: 'The resource already exists.' },
  'Rejected.ResourceInDeleteWindow': {
    status: 409,
    message: 'The secret is planned to be deleted.',
  },
  'Rejected.ResourceInUse': { status: 409, message: 'restore normal secret' },
  'Rejected.InvalidRequest': { status: 400, message: 'param mismatch' },
  UnsupportedOperation: { status: 400, message: 'This action is not supported.' },
  'Forbidden.DKMSInstanceNotFound': {
    status: 403,
    message: 'The specified DKMS Instance is not found.',
  },
  Throttling: { status: 400, message: 'Request was denied due to request throttling.' },
} as const satisfies Record<string, DocumentedError>;

export type ServiceCode = keyof typeof SERVICE_ERRORS;

/** Every code whose status and message this project knows. */
export type KnownCode = DocumentedCode | keyof typeof GATEWAY_ERRORS | ServiceCode;

function known(code: KnownCode): DocumentedError {
  if (Object.hasOwn(DOCUMENTED_ERRORS, code)) return DOCUMENTED_ERRORS[code as DocumentedCode];
  if (Object.hasOwn(GATEWAY_ERRORS, code)) {
    return GATEWAY_ERRORS[code as keyof typeof GATEWAY_ERRORS];
  }
  return SERVICE_ERRORS[code as ServiceCode];
}

/** Fills a documented message template (`"<parameter name>"`) with a parameter name. */
export function documentedMessage(code: KnownCode, parameter?: string): string {
  const { message } = known(code);
  return parameter === undefined ? message : message.replace('<parameter name>', parameter);
}

export function documentedStatus(code: KnownCode): number {
  return known(code).status;
}

export type CodeSpelling = 'documented' | 'corrected';

/**
 * Every known spelling of a misspelt code, grouped: [documented, corrected, ...other variants].
 * The documented table has `SerivceUnavailableTemporary` and `Rejetced.PendingDeletion`; later
 * documents fix them, and the 2024 metadata has a third spelling of the first.
 */
const SPELLING_GROUPS: readonly (readonly string[])[] = [
  ['SerivceUnavailableTemporary', 'ServiceUnavailableTemporary', 'SerivceUnvailableTemporary'],
  ['Rejetced.PendingDeletion', 'Rejected.PendingDeletion'],
];

const SPELLINGS = new Map<string, readonly string[]>(
  SPELLING_GROUPS.flatMap((group) => group.map((spelling) => [spelling, group] as const)),
);

/** The code in the operator's chosen spelling; codes with one spelling come back unchanged. */
export function respell(code: string, spelling: CodeSpelling): string {
  const group = SPELLINGS.get(code);
  if (!group) return code;
  return (spelling === 'documented' ? group[0] : group[1]) as string;
}

/**
 * The documented HTTP status of an upstream code (any spelling): the source document's table
 * first, then the per-action codes of the metadata. `undefined` when neither knows it.
 */
export function statusOfCode(code: string): number | undefined {
  const documented = respell(code, 'documented');
  if (documented in DOCUMENTED_ERRORS)
    return DOCUMENTED_ERRORS[documented as DocumentedCode].status;
  for (const spelling of SPELLINGS.get(code) ?? [code]) {
    const status = METADATA_ERROR_STATUS[spelling];
    if (status !== undefined) return status;
  }
  return Object.hasOwn(SERVICE_ERRORS, code)
    ? SERVICE_ERRORS[code as ServiceCode].status
    : undefined;
}

/** Codes after which a read may be retried (throttling and temporary unavailability). */
export function isRetryableCode(code: string): boolean {
  return (
    /throttling/i.test(code) ||
    respell(code, 'documented') === 'SerivceUnavailableTemporary' ||
    code === 'ServiceUnavailable'
  );
}
