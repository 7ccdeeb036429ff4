import type { Clock, Deadline } from '../time.js';
import { realClock } from '../time.js';
import type { ParameterReader } from './ports.js';

/**
 * Turns a webhook's SSM parameter name into its URL. Deployed, URLs live only in SSM SecureString
 * parameters, read at run time and cached per container, so they never appear in the template,
 * the environment or a log line. `override` (SLACK_WEBHOOK_URL) serves local runs and tests.
 */

export class WebhookUrlError extends Error {
  override name = 'WebhookUrlError';
}

export interface WebhookUrlResolver {
  /** The URL held by the parameter; the SSM read, when one is needed, stays within `deadline`. */
  resolve(parameterName: string, deadline: Deadline): Promise<string>;
}

export const createWebhookUrlResolver = (options: {
  ssm: ParameterReader;
  override?: string;
  ttlMs?: number;
  clock?: Clock;
  callTimeoutMs?: number;
}): WebhookUrlResolver => {
  const cache = new Map<string, { url: string; at: number }>();
  const ttl = options.ttlMs ?? 5 * 60_000;
  const clock = options.clock ?? realClock;
  return {
    async resolve(parameterName, deadline) {
      if (options.override) return options.override;
      const hit = cache.get(parameterName);
      if (hit && clock() - hit.at < ttl) return hit.url;
      let value: string | undefined;
      try {
        value = await options.ssm.getParameter(parameterName, { deadline, timeoutMs: options.callTimeoutMs });
      } catch (error) {
        throw new WebhookUrlError(`could not read the webhook URL from SSM parameter ${parameterName}`, {
          cause: error,
        });
      }
      if (!value || !/^https?:\/\//.test(value)) {
        throw new WebhookUrlError(`SSM parameter ${parameterName} does not hold a webhook URL`);
      }
      cache.set(parameterName, { url: value, at: clock() });
      return value;
    },
  };
};
