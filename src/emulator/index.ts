/**
 * An embedded Alibaba Cloud KMS (2016-01-20) emulator for local runs and tests: a real HTTP
 * server that verifies V1 and V3 signatures, answers JSON or XML, fails in Alibaba's two error
 * shapes, does real AES-256-GCM, and can be told to misbehave.
 */
export type { ActionContext, Handler } from './actions/index.js';
export { implementedActions, isImplementedAction } from './actions/index.js';
export { loadEmulatorConfig, parseEmulatorConfig } from './config.js';
export {
  type EncryptionContext,
  type Envelope,
  encryptionContextAad,
  IV_BYTES,
  KEY_VERSION_ID_BYTES,
  openEnvelope,
  TAG_BYTES,
} from './crypto.js';
export { STS_ERROR_CODES } from './errors.js';
export type { Fault, FaultScope } from './faults.js';
export { READ_ONLY_ACTIONS, STATE_FILE_MODE } from './persistence.js';
export type {
  AliasRecord,
  EmulatorData,
  KeyRecord,
  KeyState,
  KeyVersionRecord,
  Quotas,
} from './records.js';
export { DEFAULT_REQUEST_LOG_SIZE } from './request-log.js';
export type { Emulator, EmulatorOptions, InjectedFault, RequestRecord } from './server.js';
export { startEmulator } from './server.js';
export type { CreateKeyOptions, KeyMetadata } from './state.js';
export { EmulatorState } from './state.js';
export type { IssuedCredentials } from './sts-credentials.js';
export type { StsOptions, StsRole } from './sts-service.js';
export { STS_API_VERSION } from './sts-service.js';
export type { ThrottleOptions } from './throttle.js';
export type { AccessDeniedDetail, AccessKeyConfig, SignatureVersion } from './verify.js';
