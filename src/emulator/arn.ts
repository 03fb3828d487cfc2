/**
 * Alibaba Cloud Resource Names, `acs:<service>:<region>:<account>:<resource>`: how the emulator
 * names its keys, aliases and secrets (`acs:kms:cn-hangzhou:1234…:key/<id>`) and reads the ones
 * callers send, and how STS roles are named (`acs:ram::1234…:role/<name>`, no region).
 */

export interface Arn {
  readonly service: string;
  /** `""` for global services (RAM) */
  readonly region: string;
  readonly account: string;
  /** everything after the fourth `:`, colons included (`key/<id>`, `alias/<name>`, …) */
  readonly resource: string;
}

/** Whose resources an emulator holds. */
export interface Owner {
  readonly region: string;
  readonly accountId: string;
}

const ARN = /^acs:([^:]*):([^:]*):([^:]*):(.+)$/;

export const formatArn = (arn: Arn): string =>
  `acs:${arn.service}:${arn.region}:${arn.account}:${arn.resource}`;

/** The parts of an ARN, or undefined when `text` is not one. */
export function parseArn(text: string): Arn | undefined {
  const match = ARN.exec(text);
  if (!match) return undefined;
  const [, service, region, account, resource] = match as unknown as [
    string,
    string,
    string,
    string,
    string,
  ];
  return { service, region, account, resource };
}

/** The ARN of a KMS resource (`key/<id>`, `alias/<name>`, `secret/<name>`) of `owner`. */
export const kmsArn = (owner: Owner, resource: string): string =>
  formatArn({ service: 'kms', region: owner.region, account: owner.accountId, resource });

/** Whether `arn` names a KMS resource of `owner`'s region and account. */
export const isOwnKmsArn = (arn: Arn | undefined, owner: Owner): arn is Arn =>
  arn !== undefined &&
  arn.service === 'kms' &&
  arn.region === owner.region &&
  arn.account === owner.accountId;
