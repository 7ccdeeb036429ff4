import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { createAccountPorts } from '../lib/aws/accounts.js';
import { createCodeDeployPort } from '../lib/aws/codedeploy.js';
import { loadNotifierConfig } from '../lib/config.js';
import { log } from '../lib/log.js';
import { invocationLog } from '../lib/middleware.js';
import { notifyDeploymentEvent } from '../lib/alerts/notify-deployment.js';
import { createDelivery } from '../lib/alerts/wiring.js';
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
const delivery = createDelivery(config);

/** CodeDeploy deployment and instance state changes, and the cleanup's own events, to Slack. */
export const handler = middy(async (event: unknown, context: Context) =>
  notifyDeploymentEvent(event, {
    ...delivery,
    codedeploy: codedeployFor(targetOfEvent(event, home)),
    deadline: deadlineFromContext(context, 1_000),
    log,
  }).then((outcome) => (outcome.posted ? { posted: true, route: outcome.route } : outcome)),
).use(invocationLog(log));
