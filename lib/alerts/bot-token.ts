import type { Clock, Deadline } from '../time.js';
import { realClock } from '../time.js';
import type { ParameterReader } from './ports.js';

/**
 * The Slack app's bot token, read from its SSM SecureString parameter at run time and cached per
 * container like the webhook URLs, so it never appears in the template, the environment or a log
 * line. `override` (SLACK_BOT_TOKEN) serves local runs and tests. After Slack refuses the token
 * the cache is dropped, so a token rotated in SSM is used from the next attempt on.
 */

export class BotTokenError extends Error {
  override name = 'BotTokenError';
}

export interface BotTokenSource {
  /** The token; the SSM read, when one is needed, stays within `deadline`. */
  token(deadline: Deadline): Promise<string>;
  /** Forgets the cached token (Slack said it is invalid, revoked or expired). */
  forget(): void;
}

/** Bot tokens start `xoxb-` (https://docs.slack.dev/authentication/tokens); `xoxe.xoxb-` when rotating. */
const TOKEN_SHAPE = /^(xoxe\.)?xox[a-z]-\S+$/;

export const createBotTokenSource = (options: {
  ssm: ParameterReader;
  parameterName: string;
  override?: string;
  ttlMs?: number;
  clock?: Clock;
  callTimeoutMs?: number;
}): BotTokenSource => {
  const ttl = options.ttlMs ?? 5 * 60_000;
  const clock = options.clock ?? realClock;
  let cached: { token: string; at: number } | undefined;
  return {
    async token(deadline) {
      if (options.override) return options.override;
      if (cached && clock() - cached.at < ttl) return cached.token;
      const name = options.parameterName;
      let value: string | undefined;
      try {
        value = await options.ssm.getParameter(name, { deadline, timeoutMs: options.callTimeoutMs });
      } catch (error) {
        throw new BotTokenError(`could not read the Slack bot token from SSM parameter ${name}`, { cause: error });
      }
      // The value is never part of a message: only whether it has a token's shape.
      if (!value || !TOKEN_SHAPE.test(value.trim()))
        throw new BotTokenError(`SSM parameter ${name} does not hold a Slack token (xoxb-…)`);
      cached = { token: value.trim(), at: clock() };
      return cached.token;
    },
    forget() {
      cached = undefined;
    },
  };
};
