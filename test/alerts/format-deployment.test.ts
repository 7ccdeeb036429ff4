import { describe, expect, it } from 'vitest';
import type { DeploymentDetails } from '../../lib/codedeploy/deployment.js';
import { classifyEvent } from '../../lib/events/classify.js';
import type { DeploymentStateChange } from '../../lib/events/codedeploy.js';
import { LIMITS } from '../../lib/alerts/blocks.js';
import { formatDeploymentMessage, formatDuration, formatInstanceMessage } from '../../lib/alerts/format-deployment.js';
import { listEvents, loadEvent } from '../support/fixtures.js';
import { slackText } from '../support/slack-text.js';
import { sampleDetails } from '../support/sample-deployments.js';

const failure = () => loadEvent<DeploymentStateChange>('codedeploy/deployment.failure.json');

const withinLimits = (message: ReturnType<typeof formatDeploymentMessage>) => {
  const blocks = message.attachments![0]!.blocks as any[];
  expect(JSON.stringify(message).length).toBeLessThanOrEqual(LIMITS.message);
  expect(blocks.length).toBeLessThanOrEqual(LIMITS.blocks);
  for (const b of blocks) {
    if (b.type === 'header') expect(b.text.text.length).toBeLessThanOrEqual(LIMITS.header);
    if (b.type === 'section' && b.text) expect(b.text.text.length).toBeLessThanOrEqual(LIMITS.sectionText);
    for (const f of b.fields ?? []) expect(f.text.length).toBeLessThanOrEqual(LIMITS.fieldText);
  }
  expect(message.text.length).toBeGreaterThan(0);
};

describe('deployment alerts', () => {
  it.each(listEvents('codedeploy'))('formats %s with its enrichment', (file) => {
    const classified = classifyEvent(loadEvent(file));
    if (classified.kind === 'deployment') {
      const message = formatDeploymentMessage(classified.event, sampleDetails(classified.event.detail.deploymentId));
      withinLimits(message);
      expect(message).toMatchSnapshot();
    } else if (classified.kind === 'instance') {
      const message = formatInstanceMessage(classified.event);
      withinLimits(message);
      expect(message).toMatchSnapshot();
    } else {
      throw new Error(`${file} is not a CodeDeploy event: ${JSON.stringify(classified)}`);
    }
  });

  it('says why a deployment failed: error code, lifecycle event, script and log tail', () => {
    const text = slackText(formatDeploymentMessage(failure(), sampleDetails('d-F41LED001')));
    expect(text).toContain('HEALTH_CONSTRAINTS');
    expect(text).toContain('ValidateService');
    expect(text).toContain('scripts/validate.sh');
    expect(text).toContain('ScriptFailed');
    expect(text).toContain('password authentication failed');
  });

  it('links a failed deployment to its rollback, and the rollback back to it', () => {
    const failed = slackText(formatDeploymentMessage(failure(), sampleDetails('d-F41LED001')));
    expect(failed).toContain('Rolled back by d-R0LLBK001');
    const rollback = loadEvent<DeploymentStateChange>('codedeploy/deployment.rollback-success.json');
    const text = slackText(formatDeploymentMessage(rollback, sampleDetails('d-R0LLBK001')));
    expect(text).toContain('rollback succeeded');
    expect(text).toContain('This rolls back d-F41LED001');
  });

  it('still alerts with what the event carried when details are unavailable', () => {
    const message = formatDeploymentMessage(failure(), undefined, {
      detailsUnavailable: 'CodeDeploy did not answer (TimeoutError)',
    });
    const text = slackText(message);
    expect(message.text).toContain('checkout/checkout-prod');
    expect(message.text).toContain('d-F41LED001');
    expect(text).toContain('Details unavailable: CodeDeploy did not answer');
  });

  it('stays inside Slack limits with a 4 KB log tail, 300-character names and 50 failed targets', () => {
    const event = failure();
    const long = 'n'.repeat(300);
    event.detail.application = long;
    event.detail.deploymentGroup = long;
    const base = sampleDetails('d-F41LED001')!;
    const targets = Array.from({ length: 50 }, (_, i) => ({
      targetId: `i-${String(i).padStart(17, '0')}${'x'.repeat(280)}`,
      lifecycleEvent: 'ValidateService',
      errorCode: 'ScriptFailed',
      scriptName: `scripts/${'deep/'.repeat(50)}validate.sh`,
      message: 'm'.repeat(1_000),
      logTail: `${'log line\n'.repeat(450)}LAST LINE`,
    }));
    const details: DeploymentDetails = {
      ...base,
      description: 'd'.repeat(5_000),
      failedTargets: targets,
      failedTargetCount: 50,
    };
    const message = formatDeploymentMessage(event, details);
    withinLimits(message);
    expect(slackText(message)).toContain('more failed target(s)');
    expect(slackText(message)).toContain('LAST LINE');
  });

  it('escapes text that came from outside', () => {
    const details = {
      ...sampleDetails('d-F41LED001')!,
      errorMessage: 'bad <!channel> & <https://evil.example|click>',
    };
    const json = JSON.stringify(formatDeploymentMessage(failure(), details));
    expect(json).not.toContain('<!channel>');
    expect(json).not.toContain('<https://evil.example|click>');
    expect(json).toContain('&lt;!channel&gt; &amp; &lt;https://evil.example|click&gt;');
  });

  it('puts mentions in the notification text and the message', () => {
    const message = formatDeploymentMessage(failure(), sampleDetails('d-F41LED001'), { mentions: ['<!here>'] });
    expect(message.text.startsWith('<!here> ')).toBe(true);
    expect(JSON.stringify(message.attachments)).toContain('<!here>');
  });

  it.each([
    [42_000, '42 s'],
    [9 * 60_000 + 5_000, '9 min 5 s'],
    [3 * 3_600_000 + 4 * 60_000, '3 h 4 min'],
    [3 * 86_400_000 + 3_600_000, '3 d 1 h'],
  ])('formats %i ms as %s', (ms, words) => {
    expect(formatDuration(ms)).toBe(words);
  });
});
