/** An Alibaba Cloud AccessKey pair, with the STS token that comes with a temporary one. */
export interface Credentials {
  readonly accessKeyId: string;
  readonly accessKeySecret: string;
  readonly securityToken?: string | undefined;
}
