/**
 * The Lambda entry: reads the configuration once and composes the Middy stack. Nothing else.
 *
 *   event → read-request → negotiate-format → authenticate-caller → validate-call
 *         → authorize-call → proxy (upstream, answer check, typed, rendered)
 *   any throw → normalize-error (envelope + one log line)
 *
 * An invalid configuration gets a stack of its own that answers every request with the
 * InternalFailure envelope: the proxy only ever sees a valid configuration.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import { nonceTable } from './aws/nonce-table.js';
import { readSecretString } from './aws/secrets-manager.js';
import { createCallerStore } from './callers/caller-store.js';
import { memoryNonces } from './callers/nonce-store.js';
import { type Config, loadConfig } from './config.js';
import { queryParams } from './http/params.js';
import { type ApiGatewayEvent, toHttpRequest } from './http/request.js';
import type { ApiGatewayResult } from './http/response.js';
import { gatewayError } from './kms/envelope.js';
import { createLogger } from './log.js';
import { accessLog } from './middleware/access-log.js';
import { authenticateCaller } from './middleware/authenticate-caller.js';
import { authorizeCall } from './middleware/authorize-call.js';
import { operatorMetrics } from './middleware/metrics.js';
import { negotiateFormat } from './middleware/negotiate-format.js';
import { normalizeError } from './middleware/normalize-error.js';
import { readRequest } from './middleware/read-request.js';
import { validateCall } from './middleware/validate-call.js';
import { createProxy } from './proxy.js';
import type { KmsContext } from './request-state.js';
import { createCredentialProvider } from './upstream/credentials.js';
import { createHttpClient } from './upstream/http-client.js';
import { createKmsClient } from './upstream/kms-client.js';

export type Handler = (
  event: ApiGatewayEvent,
  context: import('aws-lambda').Context,
) => Promise<ApiGatewayResult>;

function baseStack(logger: Logger) {
  return middy<ApiGatewayEvent, ApiGatewayResult, Error, KmsContext>({
    // Middy's own deadline guard, inside the upstream margin: an envelope, never a bare 504.
    timeoutEarlyInMillis: 250,
  })
    .use(
      injectLambdaContext(logger, {
        correlationIdPath: 'requestContext.requestId',
        resetKeys: true,
      }),
    )
    .use(operatorMetrics({ logger }));
}

/** The stack of a valid configuration. Each call builds one instance (its own caches). */
export function buildHandler(config: Config, logger: Logger) {
  const invoke = createKmsClient({
    config,
    http: createHttpClient(config),
    credentials: createCredentialProvider(config.credentials, { log: logger }),
  });
  const callers = config.callers
    ? createCallerStore({
        source: config.callers,
        ...(config.callers.kind === 'secrets-manager'
          ? { read: readSecretString.bind(undefined, config.callers.secretArn) }
          : {}),
        refreshMs: config.callersRefreshMs,
        onFailure: (reason) => logger.warn('callers directory not read', { reason }),
      })
    : undefined;
  const staticSecrets =
    config.credentials.kind === 'static'
      ? [
          config.credentials.credentials.accessKeySecret,
          config.credentials.credentials.securityToken ?? '',
        ]
      : [];
  const stack = baseStack(logger);
  if (config.accessLog) stack.use(accessLog(logger));
  return stack
    .use(readRequest({ mode: config.mode }))
    .use(negotiateFormat())
    .use(
      authenticateCaller({
        auth: config.callerAuth,
        callers,
        nonces: config.nonceTable ? nonceTable(config.nonceTable) : memoryNonces(),
        deadlineMarginMs: config.deadlineMarginMs,
      }),
    )
    .use(validateCall({ allowedActions: config.allowedActions }))
    .use(authorizeCall({ config, invoke }))
    .use(
      normalizeError({
        logger,
        mode: config.mode,
        spelling: config.codeSpelling,
        configSecrets: staticSecrets.filter(Boolean),
      }),
    )
    .handler(createProxy({ config, invoke }));
}

/** The stack of an invalid configuration: every request is answered 500 InternalFailure. */
export function buildErrorOnlyHandler(logger: Logger) {
  return baseStack(logger)
    .use(normalizeError({ logger, mode: 'unknown', spelling: 'documented', configSecrets: [] }))
    .handler(async (event, context) => {
      // Enough of the request to answer in the format its query asked for; nothing is checked.
      try {
        const http = toHttpRequest(event, context.awsRequestId);
        context.kms = { startedAt: Date.now(), http, params: queryParams(http) };
      } catch {}
      throw gatewayError('InternalFailure', {
        origin: 'internal',
        reason: 'invalid configuration',
      });
    });
}

const logger = createLogger();
const loaded = loadConfig(process.env);
if (!loaded.ok) logger.error('invalid configuration', { problems: loaded.problems });
else if (loaded.config.mode === 'sign' && loaded.config.callerAuth === 'none') {
  logger.warn('caller authentication is off', {
    reason:
      "KMS_CALLER_AUTH=none: anyone who reaches this endpoint calls KMS with the function's AccessKey; fit only for a private network",
  });
}

export const handler = loaded.ok
  ? buildHandler(loaded.config, logger)
  : buildErrorOnlyHandler(logger);
