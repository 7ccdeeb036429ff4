import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { createAccountPorts } from '../lib/aws/accounts.js';
import { createCodeDeployPort } from '../lib/aws/codedeploy.js';
import { createSsmPort } from '../lib/aws/ssm.js';
import { loadNotifierConfig } from '../lib/config.js';
import { log } from '../lib/log.js';
import { invocationLog } from '../lib/middleware.js';
import { notifyDeploymentEvent } from '../lib/alerts/notify-deployment.js';
import { createWebhookSender } from '../lib/alerts/webhook.js';
import { createWebhookUrlResolver } from '../lib/alerts/webhook-url.js';
import { targetOfEvent } from '../lib/events/target.js';
import { deadlineFromContext, realClock } from '../lib/time.js';

const config = loadNotifierConfig();
// In a hub, CodeDeploy is read in the account and region of each event (a member through its role).
const home = { account: config.hub?.homeAccount ?? '', region: config.region };
const accounts = createAccountPorts(config.hub, {
  region: config.region,
  log,
  sessionName: `${config.service}-${config.stage}-notify-deployment`,
  clock: realClock,
});
const codedeployFor = accounts.of(createCodeDeployPort);
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
    codedeploy: codedeployFor(targetOfEvent(event, home)),
    urls,
    sender,
    deadline: deadlineFromContext(context, 1_000),
    log,
  }).then((outcome) => (outcome.posted ? { posted: true, route: outcome.route } : outcome)),
).use(invocationLog(log));
