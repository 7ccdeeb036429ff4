import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { createCodeDeployPort } from '../lib/aws/codedeploy.js';
import { createSsmPort } from '../lib/aws/ssm.js';
import { loadNotifierConfig } from '../lib/config.js';
import { log } from '../lib/log.js';
import { invocationLog } from '../lib/middleware.js';
import { notifyDeploymentEvent } from '../lib/alerts/notify-deployment.js';
import { createWebhookSender } from '../lib/alerts/webhook.js';
import { createWebhookUrlResolver } from '../lib/alerts/webhook-url.js';
import { deadlineFromContext } from '../lib/time.js';

const config = loadNotifierConfig();
const codedeploy = createCodeDeployPort({ region: config.region });
const urls = createWebhookUrlResolver({
  override: config.slack.webhookUrlOverride,
  ssm: createSsmPort({ region: config.region }),
});
const sender = createWebhookSender({ timeoutMs: config.slack.timeoutMs });

/** CodeDeploy deployment and instance state changes, and the cleanup's own events, to Slack. */
export const handler = middy(async (event: unknown, context: Context) =>
  notifyDeploymentEvent(event, {
    settings: config.settings,
    defaultWebhookParameter: config.slack.defaultWebhookParameter,
    codedeploy,
    urls,
    sender,
    deadline: deadlineFromContext(context, 1_000),
    log,
  }).then((outcome) => (outcome.posted ? { posted: true, route: outcome.route } : outcome)),
).use(invocationLog(log));
