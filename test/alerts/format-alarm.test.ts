import { describe, expect, it } from 'vitest';
import { toAlarmFacts } from '../../lib/alerts/alarm-facts.js';
import type { AlarmStateChange } from '../../lib/events/alarm.js';
import { LIMITS } from '../../lib/alerts/blocks.js';
import { alarmSeverity, formatAlarmMessage } from '../../lib/alerts/format-alarm.js';
import { listEvents, loadEvent } from '../support/fixtures.js';
import { slackText } from '../support/slack-text.js';

const alarm = (file: string) => loadEvent<AlarmStateChange>(`cloudwatch/${file}`);

describe('alarm alerts', () => {
  it.each(listEvents('cloudwatch'))('formats %s', (file) => {
    const message = formatAlarmMessage(toAlarmFacts(loadEvent<AlarmStateChange>(file)));
    expect(JSON.stringify(message).length).toBeLessThanOrEqual(LIMITS.message);
    expect(message).toMatchSnapshot();
  });

  it('states the transition, the threshold and the datapoints of a threshold alarm', () => {
    const text = slackText(formatAlarmMessage(toAlarmFacts(alarm('alarm.threshold-alarm.json'))));
    expect(text).toContain('checkout-5xx: OK → ALARM');
    expect(text).toContain('HTTPCode_Target_5XX_Count');
    expect(text).toMatch(/Threshold\*\n[>≥] 10/);
    expect(text).toContain('Recent datapoints (oldest first)*\n14, 23, 31');
  });

  it("escapes the threshold's comparison, which Slack would read as a quote or a link", () => {
    const fieldTexts = (file: string) =>
      JSON.stringify(formatAlarmMessage(toAlarmFacts(alarm(file))))
        .match(/\*Threshold\*\\n[^"]*/g)
        ?.map((t) => t.replace('*Threshold*\\n', ''));
    expect(fieldTexts('alarm.threshold-alarm.json')).toEqual(['&gt; 10']);
  });

  it('says how long the alarm lasted when it returns to OK', () => {
    const message = formatAlarmMessage(toAlarmFacts(alarm('alarm.threshold-ok.json')));
    expect(message.text).toContain('after 12 min');
    expect(slackText(message)).toContain('Lasted*\n12 min');
  });

  it('shows the rule and what triggered a composite alarm', () => {
    const text = slackText(formatAlarmMessage(toAlarmFacts(alarm('alarm.composite.json'))));
    expect(text).toContain('ALARM("checkout-5xx") OR ALARM("checkout-p99-latency")');
    expect(text).toContain('Triggered by');
  });

  it('shows the band of an anomaly detection alarm', () => {
    const text = slackText(formatAlarmMessage(toAlarmFacts(alarm('alarm.anomaly-detection.json'))));
    expect(text).toContain('ANOMALY_DETECTION_BAND');
    expect(text).toMatch(/\[\d[\d.]*–\d[\d.]*\]/);
  });

  it('names the deployments the alarm will stop and roll back', () => {
    const facts = toAlarmFacts(alarm('alarm.threshold-alarm.json'));
    const message = formatAlarmMessage(facts, {
      impact: [
        {
          application: 'checkout',
          deploymentGroup: 'checkout-prod',
          effect: 'stop-and-roll-back',
          inProgressDeployments: ['d-ABCDEFGH1'],
        },
        { application: 'checkout', deploymentGroup: 'checkout-canary', effect: 'stop', inProgressDeployments: [] },
      ],
    });
    const text = slackText(message);
    expect(text).toContain('This alarm will stop and roll back d-ABCDEFGH1');
    expect(text).toMatch(/checkout\/checkout-canary ‹[^›]+›: would stop a deployment \(none in progress\)/);
    expect(message.text).toContain('deployments in progress will be stopped');
  });

  it('says when the deployment groups could not be read, and still alerts', () => {
    const text = slackText(
      formatAlarmMessage(toAlarmFacts(alarm('alarm.threshold-alarm.json')), {
        impactUnavailable: 'ListApplications failed: throttled',
      }),
    );
    expect(text).toContain('Deployment groups unavailable: ListApplications failed');
  });

  it('falls back to the plain reason when reasonData is malformed', () => {
    const event = alarm('alarm.threshold-alarm.json');
    event.detail.state.reasonData = '{"version":"1.0","recentDatapoints":[1,2';
    const text = slackText(formatAlarmMessage(toAlarmFacts(event)));
    expect(text).toContain(event.detail.state.reason.slice(0, 40));
    expect(text).toContain('reason data could not be read');
  });

  it('escapes an alarm name that looks like a mention, in the notification text too', () => {
    const event = alarm('alarm.threshold-alarm.json');
    event.detail.alarmName = '<!channel> & <@U012AB3CD>';
    const message = formatAlarmMessage(toAlarmFacts(event), { mentions: ['<!here>'] });
    expect(message.text.startsWith('<!here> ')).toBe(true);
    expect(message.text).toContain('&lt;!channel&gt; &amp; &lt;@U012AB3CD&gt;');
    // Every text Slack reads as mrkdwn (plain_text headers and buttons show text as it is).
    const mrkdwn = JSON.stringify(message.attachments![0]!.blocks!, (key, value) =>
      value?.type === 'plain_text' ? undefined : value,
    );
    expect(mrkdwn).not.toContain('<!channel>');
  });

  it('takes severity from a severity tag, and from the state otherwise', () => {
    expect(alarmSeverity(toAlarmFacts(alarm('alarm.tagged.json')))).toBe('critical');
    expect(alarmSeverity(toAlarmFacts(alarm('alarm.threshold-alarm.json')))).toBe('critical');
    expect(alarmSeverity(toAlarmFacts(alarm('alarm.threshold-ok.json')))).toBe('success');
    expect(alarmSeverity(toAlarmFacts(alarm('alarm.insufficient-data.json')))).toBe('warning');
  });
});
