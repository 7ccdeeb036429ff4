import type { MiddlewareObj } from '@middy/core';
import type { Logger } from './log.js';

/**
 * Logs what an invocation is about (ids and types, never the payload, which can be large and carry
 * account data) and any error before it propagates: the error still fails the invocation so that
 * Lambda retries it and, in the end, the dead-letter queue receives it.
 */
export const invocationLog = (log: Logger): MiddlewareObj<unknown, unknown, Error> => ({
  before: (request) => {
    const e = (request.event ?? {}) as Record<string, unknown>;
    const detail = (e.detail ?? {}) as Record<string, unknown>;
    log.info('invocation', {
      requestId: request.context?.awsRequestId,
      eventId: e.id,
      source: e.source,
      detailType: e['detail-type'],
      deploymentId: detail.deploymentId ?? e.DeploymentId,
      state: typeof detail.state === 'string' ? detail.state : undefined,
      alarmName: detail.alarmName,
    });
  },
  onError: (request) => {
    log.error('invocation failed; Lambda will retry, then send the event to the dead-letter queue', {
      requestId: request.context?.awsRequestId,
      error: request.error,
    });
  },
});
