import { CodeDeployClient } from '@aws-sdk/client-codedeploy';
import { SSMClient } from '@aws-sdk/client-ssm';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { describeDeployment } from '../lib/codedeploy/describe.js';
import { loadNotifierConfig } from '../lib/config.js';
import { log } from '../lib/log.js';
import { invocationLog } from '../lib/middleware.js';
import { notifyDeploymentEvent } from '../lib/notify/notify-deployment.js';
import { createWebhookSender } from '../lib/slack/webhook.js';
import { createWebhookUrlResolver } from '../lib/slack/webhook-url.js';
import { deadlineFromContext } from '../lib/time.js';

const config = loadNotifierConfig();
const codedeploy = new CodeDeployClient({ region: config.region });
let ssm: SSMClient | undefined;
const urls = createWebhookUrlResolver({
  override: config.slack.webhookUrlOverride,
  ssm: () => (ssm ??= new SSMClient({ region: config.region })),
});
const sender = createWebhookSender({ timeoutMs: config.slack.timeoutMs });

/** CodeDeploy deployment and instance state changes, and the cleanup's own events, to Slack. */
export const handler = middy(async (event: unknown, context: Context) =>
  notifyDeploymentEvent(event, {
    settings: config.settings,
    defaultWebhookParameter: config.slack.defaultWebhookParameter,
    describe: (id, options) => describeDeployment(codedeploy, id, options),
    urls,
    sender,
    deadline: deadlineFromContext(context, 1_000),
    log,
  }).then((outcome) => (outcome.posted ? { posted: true, route: outcome.route } : outcome)),
).use(invocationLog(log));
