import { GetParameterCommand, type SSMClient } from '@aws-sdk/client-ssm';
import type { Clock } from '../time.js';
import { realClock } from '../time.js';

/**
 * Turns a webhook's SSM parameter name into its URL. Deployed, URLs live only in SSM SecureString
 * parameters, read at run time and cached per container, so they never appear in the template,
 * the environment or a log line. `override` (SLACK_WEBHOOK_URL) serves local runs and tests.
 */

export class WebhookUrlError extends Error {
  override name = 'WebhookUrlError';
}

export interface WebhookUrlResolver {
  resolve(parameterName: string): Promise<string>;
}

export const createWebhookUrlResolver = (options: {
  ssm: () => SSMClient;
  override?: string;
  ttlMs?: number;
  clock?: Clock;
  callTimeoutMs?: number;
}): WebhookUrlResolver => {
  const cache = new Map<string, { url: string; at: number }>();
  const ttl = options.ttlMs ?? 5 * 60_000;
  const clock = options.clock ?? realClock;
  return {
    async resolve(parameterName) {
      if (options.override) return options.override;
      const hit = cache.get(parameterName);
      if (hit && clock() - hit.at < ttl) return hit.url;
      let value: string | undefined;
      try {
        const answer = await options
          .ssm()
          .send(new GetParameterCommand({ Name: parameterName, WithDecryption: true }), {
            abortSignal: AbortSignal.timeout(options.callTimeoutMs ?? 3_000),
          });
        value = answer.Parameter?.Value;
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
