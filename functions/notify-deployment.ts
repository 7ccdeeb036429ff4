import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { createCodeDeployPort } from '../lib/aws/codedeploy.js';
import { loadNotifierConfig } from '../lib/config.js';
import { log } from '../lib/log.js';
import { invocationLog } from '../lib/middleware.js';
import { notifyDeploymentEvent } from '../lib/alerts/notify-deployment.js';
import { createDelivery } from '../lib/alerts/wiring.js';
import { deadlineFromContext } from '../lib/time.js';

const config = loadNotifierConfig();
const codedeploy = createCodeDeployPort({ region: config.region });
const delivery = createDelivery(config);

/** CodeDeploy deployment and instance state changes, and the cleanup's own events, to Slack. */
export const handler = middy(async (event: unknown, context: Context) =>
  notifyDeploymentEvent(event, {
    ...delivery,
    codedeploy,
    deadline: deadlineFromContext(context, 1_000),
    log,
  }).then((outcome) => (outcome.posted ? { posted: true, route: outcome.route } : outcome)),
).use(invocationLog(log));
