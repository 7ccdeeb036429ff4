import { describe, expect, it } from 'vitest';
import { toAlarmFacts } from '../../lib/alerts/alarm-facts.js';
import type { DeploymentDetails } from '../../lib/codedeploy/deployment.js';
import type { AlarmStateChange } from '../../lib/events/alarm.js';
import type { DeploymentStateChange } from '../../lib/events/codedeploy.js';
import { LIMITS, type SlackMessage, textOnly } from '../../lib/alerts/blocks.js';
import { formatAlarmMessage } from '../../lib/alerts/format-alarm.js';
import { formatDeploymentMessage } from '../../lib/alerts/format-deployment.js';
import { formatFallbackMessage } from '../../lib/alerts/format-other.js';
import { loadEvent } from '../support/fixtures.js';
import { sampleDetails } from '../support/sample-deployments.js';
import { loneSurrogatesIn } from '../support/unicode.js';

// Emoji outside the Basic Multilingual Plane are two UTF-16 code units: a cut between them leaves
// half a character, which Slack may refuse as invalid_payload (permanently).

const blocksOf = (message: SlackMessage) => message.attachments![0]!.blocks as any[];

/** Every text of a message is whole characters and within Slack's limits. */
const expectWholeAndWithinLimits = (message: SlackMessage) => {
  expect(loneSurrogatesIn(message)).toEqual([]);
  expect(loneSurrogatesIn(textOnly(message))).toEqual([]);
  expect(message.text.length).toBeLessThanOrEqual(LIMITS.sectionText);
  expect(JSON.stringify(message).length).toBeLessThanOrEqual(LIMITS.message);
  for (const b of blocksOf(message)) {
    if (b.type === 'header') expect(b.text.text.length).toBeLessThanOrEqual(LIMITS.header);
    if (b.type === 'section' && b.text) expect(b.text.text.length).toBeLessThanOrEqual(LIMITS.sectionText);
    for (const f of b.fields ?? []) expect(f.text.length).toBeLessThanOrEqual(LIMITS.fieldText);
  }
};

const failedDeployment = (change: (details: DeploymentDetails) => void) => {
  const details = sampleDetails('d-F41LED001')!;
  change(details);
  return formatDeploymentMessage(loadEvent<DeploymentStateChange>('codedeploy/deployment.failure.json'), details);
};

const alarm = (change: (event: AlarmStateChange) => void) => {
  const event = loadEvent<AlarmStateChange>('cloudwatch/alarm.threshold-alarm.json');
  change(event);
  return formatAlarmMessage(toAlarmFacts(event));
};

describe('Slack messages cut text between characters, never inside one', () => {
  it('keeps a log tail of 4 KB of 🟢 lines whole where it is cut', () => {
    const message = failedDeployment((d) => {
      d.failedTargets![0]!.logTail = '🟢'.repeat(2_048);
    });
    expectWholeAndWithinLimits(message);
    const log = blocksOf(message).find((b) => b.type === 'section' && b.text?.text.startsWith('```'));
    expect(log.text.text).toMatch(/^```…🟢/);
    expect(log.text.text).toMatch(/🟢```$/);
  });

  it('keeps an alarm name of 🔥 whole where the header is cut at 150', () => {
    const message = alarm((e) => {
      e.detail.alarmName = `checkout-5xx-${'🔥'.repeat(100)}`;
    });
    expectWholeAndWithinLimits(message);
    const header = blocksOf(message).find((b) => b.type === 'header');
    expect(header.text.text).toMatch(/🔥…$/);
  });

  it('keeps a deployment description of 🚀 whole where it is cut at 500', () => {
    const message = failedDeployment((d) => {
      d.description = '🚀'.repeat(300);
    });
    expectWholeAndWithinLimits(message);
    const description = blocksOf(message)
      .flatMap((b) => b.fields ?? [])
      .find((f: any) => f.text.startsWith('*Description*'));
    expect(description.text).toMatch(/🚀…$/);
  });

  it('keeps an alarm description of 🚀 whole where it is cut at 500', () => {
    const message = alarm((e) => {
      e.detail.configuration.description = '🚀'.repeat(300);
    });
    expectWholeAndWithinLimits(message);
  });

  it('keeps the notification text whole where it is cut at 3,000, also in the text-only resend', () => {
    const message = failedDeployment((d) => {
      d.errorCode = undefined;
      d.errorMessage = `x${'🚀'.repeat(2_000)}`;
    });
    expectWholeAndWithinLimits(message);
    expect(message.text).toMatch(/🚀…$/);
  });

  it('keeps the fallback alert for an unreadable event whole where its texts are cut', () => {
    const message = formatFallbackMessage(`detail.state: ${'🚀'.repeat(1_000)}`, {
      source: `custom.${'🚀'.repeat(100)}`,
      detail: { note: '🚀'.repeat(2_000) },
    });
    expectWholeAndWithinLimits(message);
  });
});
