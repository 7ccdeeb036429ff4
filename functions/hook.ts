import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { createCloudWatchPort } from '../lib/aws/cloudwatch.js';
import { createCodeDeployPort } from '../lib/aws/codedeploy.js';
import { createElbv2Port } from '../lib/aws/elbv2.js';
import { createLambdaPort } from '../lib/aws/lambda.js';
import { loadHookConfig } from '../lib/config.js';
import { createHttpFetch } from '../lib/hooks/http-probe.js';
import { runHook } from '../lib/hooks/run-hook.js';
import { parseHooksSettings } from '../lib/hooks/settings.js';
import { log } from '../lib/log.js';
import { invocationLog } from '../lib/middleware.js';
import { deadlineFromContext, realClock, realSleep } from '../lib/time.js';

// A hook that throws at init never reports and hangs the deployment for an hour: a bad
// configuration is kept as a value and turned into a Failed report by runHook.
const loaded = loadHookConfig(parseHooksSettings);
const region = loaded.ok ? loaded.config.region : undefined;
const codedeploy = createCodeDeployPort({ region });
const elbv2 = createElbv2Port({ region });
const cloudwatch = createCloudWatchPort({ region });
const lambda = createLambdaPort({ region });
const fetch = createHttpFetch();

/** The verdict was decided but CodeDeploy could not be told. */
class HookReportError extends Error {
  override name = 'HookReportError';
}

/** One of the five lifecycle hooks (ECS, and Lambda's two); HOOK_ID says which. Reports exactly once. */
export const handler = middy(async (event: unknown, context: Context) => {
  const verdict = await runHook({
    hookId: loaded.ok ? loaded.config.hookId : loaded.hookId,
    event,
    settings: loaded.ok ? loaded.config.hooks : loaded.error,
    deps: {
      codedeploy,
      elbv2,
      cloudwatch,
      lambda,
      fetch,
      clock: realClock,
      sleep: realSleep,
      deadline: deadlineFromContext(context, 0),
      log,
    },
  });
  // CodeDeploy never heard the verdict: fail the invocation so it reaches the dead-letter queue
  // and its alarm (retries are off, so nothing reports twice).
  if (verdict.report.outcome === 'failed') {
    throw new HookReportError(
      `${verdict.hook}: the ${verdict.status} verdict could not be reported to CodeDeploy; the deployment waits for its hook timeout`,
      { cause: verdict.report.error },
    );
  }
  return verdict;
}).use(invocationLog(log));
