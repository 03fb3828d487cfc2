/**
 * The Lambda entry: reads the configuration once and composes the Middy stack. Nothing else.
 *
 *   event → read-request → negotiate-format → validate-call → proxy (upstream, typed, rendered)
 *   any throw → normalize-error (envelope + one log line)
 */
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import { loadConfig } from './config.js';
import type { GatewayEvent } from './http/request.js';
import type { GatewayResult } from './http/response.js';
import { createLogger } from './log.js';
import { accessLog } from './middleware/access-log.js';
import { negotiateFormat } from './middleware/negotiate-format.js';
import { normalizeError } from './middleware/normalize-error.js';
import { readRequest } from './middleware/read-request.js';
import type { KmsContext } from './middleware/state.js';
import { validateCall } from './middleware/validate-call.js';
import { createProxy } from './proxy.js';
import { createCredentialProvider } from './upstream/credentials.js';
import { createHttpClient } from './upstream/http-client.js';
import { createKmsClient } from './upstream/kms-client.js';

const logger = createLogger();
const loaded = loadConfig(process.env);
if (!loaded.ok) logger.error('invalid configuration', { problems: loaded.problems });
const config = loaded.ok ? loaded.config : undefined;

const invoke = config
  ? createKmsClient({
      config,
      http: createHttpClient(config),
      credentials: createCredentialProvider(config.credentials),
    })
  : undefined;

const staticSecrets =
  config?.credentials.kind === 'static'
    ? [
        config.credentials.credentials.accessKeySecret,
        config.credentials.credentials.securityToken ?? '',
      ]
    : [];

const stack = middy<GatewayEvent, GatewayResult, Error, KmsContext>({
  // Middy's own deadline guard, inside the upstream margin: an envelope, never a bare 504.
  timeoutEarlyInMillis: 250,
}).use(
  injectLambdaContext(logger, { correlationIdPath: 'requestContext.requestId', resetKeys: true }),
);
if (config?.accessLog) stack.use(accessLog(logger));
export const handler = stack
  .use(readRequest())
  .use(negotiateFormat())
  .use(validateCall({ allowedActions: config?.allowedActions }))
  .use(
    normalizeError({
      logger,
      mode: config?.mode ?? 'unknown',
      spelling: config?.codeSpelling ?? 'documented',
      configSecrets: staticSecrets.filter(Boolean),
    }),
  )
  .handler(createProxy({ config: loaded, invoke }));
