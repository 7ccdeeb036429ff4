import { MemberAccessError } from '../aws/accounts.js';
import { errorText } from '../aws/errors.js';
import type { DeploymentDetails } from '../codedeploy/deployment.js';
import { describeDeployment, enrichmentBudget } from '../codedeploy/describe.js';
import { classifyEvent } from '../events/classify.js';
import { cleanupSeverity, formatCleanupMessage, formatFallbackMessage } from './format-other.js';
import {
  deploymentSeverity,
  formatDeploymentMessage,
  formatInstanceMessage,
  stateSeverity,
} from './format-deployment.js';
import { skipCleanup, skipDeployment, skipInstance } from './filter.js';
import { accountViewOf } from './links.js';
import type { DeploymentReader } from './ports.js';
import { type DeliveryDeps, type NotifyOutcome, deliver } from './deliver.js';
import { converseDeployment, converseDetail } from './converse.js';
import type { RouteSubject } from './route.js';

export interface DeploymentNotifierDeps extends DeliveryDeps {
  /** GetDeployment and the failed targets: why a deployment failed. */
  codedeploy: DeploymentReader;
}

const skipped = (deps: DeliveryDeps, reason: string, fields: Record<string, unknown>): NotifyOutcome => {
  deps.log.info('alert skipped', { reason, ...fields });
  return { posted: false, skipped: reason };
};

/**
 * Deployment, instance and cleanup events to Slack. Enrichment is best effort (the alert goes out
 * with what the event carried); delivery is not (a failed post fails the invocation).
 */
export const notifyDeploymentEvent = async (raw: unknown, deps: DeploymentNotifierDeps): Promise<NotifyOutcome> => {
  const classified = classifyEvent(raw);
  switch (classified.kind) {
    case 'deployment': {
      const change = classified.event;
      const { application, deploymentGroup, deploymentId, state } = change.detail;
      const skip = skipDeployment(change, deps.settings);
      if (skip) return skipped(deps, skip, { deploymentId, state });
      let details: DeploymentDetails | undefined;
      let unavailable: string | undefined;
      try {
        details = await describeDeployment(deps.codedeploy, deploymentId, {
          includeFailedTargets: state === 'FAILURE' || state === 'STOP',
          budget: enrichmentBudget(deps.deadline),
        });
        if (!details) {
          unavailable = 'CodeDeploy does not know this deployment';
          deps.log.warn('deployment details unavailable; alerting with what the event carried', {
            deploymentId,
            reason: unavailable,
          });
        }
      } catch (error) {
        // A member whose role cannot be assumed: say which role, where and why, as the error does.
        unavailable =
          error instanceof MemberAccessError ? error.message : `CodeDeploy did not answer (${errorText(error)})`;
        deps.log.warn('deployment details unavailable; alerting with what the event carried', { deploymentId, error });
      }
      const view = accountViewOf(deps.settings, change.account);
      const subject: RouteSubject = {
        kind: 'deployment',
        severity: deploymentSeverity(state, details),
        application,
        deploymentGroup,
        account: change.account,
        accountName: view.name,
      };
      // App mode: the deployment's conversation; otherwise (or without one to join) one message per event.
      const conversed = await converseDeployment(
        raw,
        { eventId: change.id, change, details, detailsUnavailable: unavailable, view },
        subject,
        deps,
      );
      if (conversed) return conversed;
      return deliver(
        subject,
        (mentions) => formatDeploymentMessage(change, details, { mentions, detailsUnavailable: unavailable, view }),
        deps,
        raw,
      );
    }
    case 'instance': {
      const change = classified.event;
      const skip = skipInstance(change, deps.settings);
      if (skip)
        return skipped(deps, skip, { deploymentId: change.detail.deploymentId, instanceId: change.detail.instanceId });
      const view = accountViewOf(deps.settings, change.account);
      const subject: RouteSubject = {
        kind: 'instance',
        severity: stateSeverity(change.detail.state),
        application: change.detail.application,
        deploymentGroup: change.detail.deploymentGroup,
        account: change.account,
        accountName: view.name,
      };
      const conversed = await converseDetail(
        raw,
        { account: change.account, region: change.region, deploymentId: change.detail.deploymentId },
        subject,
        formatInstanceMessage(change, { view }),
        (mentions) => formatInstanceMessage(change, { mentions, view }),
        deps,
      );
      if (conversed) return conversed;
      return deliver(subject, (mentions) => formatInstanceMessage(change, { mentions, view }), deps, raw);
    }
    case 'cleanup': {
      const event = classified.event;
      const skip = skipCleanup(event, deps.settings);
      if (skip) return skipped(deps, skip, { autoScalingGroupName: event.detail.autoScalingGroupName });
      const view = accountViewOf(deps.settings, event.account);
      const subject: RouteSubject = {
        kind: 'cleanup',
        severity: cleanupSeverity(event.detail.action),
        application: event.detail.application,
        deploymentGroup: event.detail.deploymentGroup,
        account: event.account,
        accountName: view.name,
      };
      const { deploymentId } = event.detail;
      // The group's own account and region, when the cleanup names them (an organisation hub).
      const where = event.detail as { account?: unknown; region?: unknown };
      const conversed = deploymentId
        ? await converseDetail(
            raw,
            {
              account: typeof where.account === 'string' ? where.account : event.account,
              region: typeof where.region === 'string' ? where.region : event.region,
              deploymentId,
            },
            subject,
            formatCleanupMessage(event, [], view),
            (mentions) => formatCleanupMessage(event, mentions, view),
            deps,
          )
        : undefined;
      if (conversed) return conversed;
      return deliver(subject, (mentions) => formatCleanupMessage(event, mentions, view), deps, raw);
    }
    case 'alarm':
    case 'unknown': {
      const reason =
        classified.kind === 'unknown' ? classified.reason : 'an alarm event reached the deployment notifier';
      deps.log.error('event not understood; posting a fallback alert', { reason });
      return deliver(
        { kind: 'unknown', severity: 'warning' },
        (mentions) => formatFallbackMessage(reason, raw, mentions),
        deps,
        raw,
      );
    }
  }
};
