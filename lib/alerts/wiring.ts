import { createDynamoDbPort } from '../aws/dynamodb.js';
import { createSsmPort } from '../aws/ssm.js';
import type { NotifierConfig } from '../config.js';
import { log } from '../log.js';
import { createBotTokenSource } from './bot-token.js';
import type { DeliveryDeps } from './deliver.js';
import { createEventLedger } from './ledger.js';
import type { AppPoster } from './slack-app.js';
import { createWebhookSender } from './webhook.js';
import { createWebhookUrlResolver } from './webhook-url.js';

/**
 * What both notifier handlers build once per container to deliver: the webhook sender, the Slack
 * app's poster when the settings name a channel, and the event ledger when the stack has a state
 * table. The Web API client is loaded on the first app-mode post, so a webhook-only stage never
 * pays for it at cold start.
 */
export const createDelivery = (
  config: NotifierConfig,
): Omit<DeliveryDeps, 'deadline' | 'log'> & { settings: NotifierConfig['settings'] } => {
  const ssm = createSsmPort({ region: config.region });
  const app = config.slack.app;
  let poster: Promise<AppPoster> | undefined;
  const tokens = app
    ? createBotTokenSource({ ssm, parameterName: app.tokenParameter, override: app.tokenOverride })
    : undefined;
  return {
    settings: config.settings,
    defaultWebhookParameter: config.slack.defaultWebhookParameter,
    urls: createWebhookUrlResolver({ override: config.slack.webhookUrlOverride, ssm }),
    sender: createWebhookSender({ timeoutMs: config.slack.timeoutMs }),
    app:
      app && tokens
        ? {
            async post(...args) {
              poster ??= import('./slack-app.js').then(({ createAppPoster }) =>
                createAppPoster({ tokens, apiUrl: app.apiUrl, timeoutMs: config.slack.timeoutMs, log }),
              );
              return (await poster).post(...args);
            },
          }
        : undefined,
    ledger: config.stateTableName
      ? createEventLedger({ dynamodb: createDynamoDbPort({ region: config.region }), table: config.stateTableName })
      : undefined,
  };
};
