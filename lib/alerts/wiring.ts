import { createDynamoDbPort } from '../aws/dynamodb.js';
import { createSsmPort } from '../aws/ssm.js';
import type { NotifierConfig } from '../config.js';
import { log } from '../log.js';
import { createBotTokenSource } from './bot-token.js';
import type { DeliveryDeps } from './deliver.js';
import { createEventLedger } from './ledger.js';
import { type AppEditor, createAppPoster } from './slack-app.js';
import { createDeploymentRows } from './deployment-rows.js';
import { createWebhookSender } from './webhook.js';
import { createWebhookUrlResolver } from './webhook-url.js';

/**
 * What both notifier handlers build once per container to deliver: the webhook sender, the Slack
 * app's poster when the settings name a channel, the event ledger when the stack has a state
 * table, and with both, the deployments' conversations. The Web API client is loaded on the
 * first app-mode call (slack-app.ts), so no cold start pays for it.
 */
export const createDelivery = (
  config: NotifierConfig,
): Omit<DeliveryDeps, 'deadline' | 'log'> & { settings: NotifierConfig['settings'] } => {
  const ssm = createSsmPort({ region: config.region });
  const app = config.slack.app;
  const appEditor: AppEditor | undefined = app
    ? createAppPoster({
        tokens: createBotTokenSource({ ssm, parameterName: app.tokenParameter, override: app.tokenOverride }),
        apiUrl: app.apiUrl,
        timeoutMs: config.slack.timeoutMs,
        log,
      })
    : undefined;
  const dynamodb = config.stateTableName ? createDynamoDbPort({ region: config.region }) : undefined;
  return {
    settings: config.settings,
    defaultWebhookParameter: config.slack.defaultWebhookParameter,
    urls: createWebhookUrlResolver({ override: config.slack.webhookUrlOverride, ssm }),
    sender: createWebhookSender({ timeoutMs: config.slack.timeoutMs }),
    app: appEditor,
    ledger:
      dynamodb && config.stateTableName ? createEventLedger({ dynamodb, table: config.stateTableName }) : undefined,
    // One parent per deployment needs both the app and the table.
    conversations:
      dynamodb && config.stateTableName && appEditor
        ? { rows: createDeploymentRows({ dynamodb, table: config.stateTableName }), app: appEditor }
        : undefined,
  };
};
