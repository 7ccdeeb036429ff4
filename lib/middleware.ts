import type { MiddlewareObj } from '@middy/core';
import type { Context } from 'aws-lambda';
import { EventInProgressError } from './alerts/once.js';
import type { Fields, InvocationLogger } from './log.js';
import { type MetricsRecorder, metrics as processMetrics } from './metrics.js';

const text = (value: unknown): string | undefined =>
  typeof value === 'string' && value.length > 0 && value.length <= 256 ? value : undefined;

/**
 * The keys every line of an invocation carries (pure): the EventBridge event id as the correlation
 * id and, for a hook (whose payload is only these two ids, per CodeDeploy's AppSpec hooks section,
 * https://docs.aws.amazon.com/codedeploy/latest/userguide/reference-appspec-file-structure-hooks.html),
 * the deployment and lifecycle execution ids. Only short strings: the event is not trusted.
 */
export const invocationKeys = (event: unknown): Fields => {
  const e = (event && typeof event === 'object' ? event : {}) as Record<string, unknown>;
  const detail = (e.detail && typeof e.detail === 'object' ? e.detail : {}) as Record<string, unknown>;
  const keys: Fields = {
    correlationId: text(e.id),
    deploymentId: text(e.DeploymentId) ?? text(detail.deploymentId),
    lifecycleEventHookExecutionId: text(e.LifecycleEventHookExecutionId),
  };
  return Object.fromEntries(Object.entries(keys).filter(([, v]) => v !== undefined));
};

/**
 * Gives every log line of the invocation its context (request id, cold start, function name, the
 * keys above), logs what the invocation is about (ids and types, never the payload, which can be
 * large and carry account data), and any error before it propagates: the error still fails the
 * invocation so that Lambda retries it and, in the end, the dead-letter queue receives it. The
 * metrics recorded during the invocation are written last, after the handler (and a hook's report).
 */
export const invocationLog = (
  log: InvocationLogger,
  metrics: MetricsRecorder = processMetrics,
): MiddlewareObj<unknown, unknown, Error, Context> => ({
  before: (request) => {
    const e = (request.event ?? {}) as Record<string, unknown>;
    const detail = (e.detail ?? {}) as Record<string, unknown>;
    log.startInvocation(request.context, invocationKeys(request.event));
    log.info('invocation', {
      eventId: e.id,
      source: e.source,
      detailType: e['detail-type'],
      state: typeof detail.state === 'string' ? detail.state : undefined,
      alarmName: detail.alarmName,
    });
  },
  after: () => metrics.flush(),
  onError: (request) => {
    if (request.error instanceof EventInProgressError) {
      // At-least-once delivery, not a fault: counted apart so the error alarm can leave it out.
      metrics.add('ExpectedRetries', {});
      log.warn('event in progress in another invocation; Lambda will run this one again', { error: request.error });
    } else {
      log.error('invocation failed; Lambda will retry, then send the event to the dead-letter queue', {
        error: request.error,
      });
    }
    metrics.flush();
  },
});
