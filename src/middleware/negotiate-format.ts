/** before: Format > Accept > JSON decides the format of the answer, errors included. */
import type { MiddlewareObj } from '@middy/core';
import { negotiate } from '../http/negotiate.js';
import type { ApiGatewayEvent } from '../http/request.js';
import type { ApiGatewayResult } from '../http/response.js';
import { gatewayError } from '../kms/envelope.js';
import type { KmsContext } from '../request-state.js';

/**
 * The format of the answer; its `before` throws as `@throws` says.
 * @throws KmsError InvalidParameter for a bad Format, Unsupported.Format when Accept excludes both
 */
export function negotiateFormat(): MiddlewareObj<
  ApiGatewayEvent,
  ApiGatewayResult,
  Error,
  KmsContext
> {
  return {
    before: ({ context }) => {
      const { params, http } = context.kms;
      const result = negotiate(params?.Format, http?.headers.accept);
      if (result.ok) {
        context.kms.negotiated = result;
        return;
      }
      context.kms.negotiated = result.renderAs;
      throw result.code === 'InvalidParameter'
        ? gatewayError('InvalidParameter', { parameter: 'Format' })
        : gatewayError('Unsupported.Format');
    },
  };
}
