import { describe, expect, it } from 'vitest';
import { alarmUrl, consoleBase, deploymentUrl } from '../../lib/alerts/links.js';

describe('console links', () => {
  it.each([
    ['us-east-1', 'https://us-east-1.console.aws.amazon.com'],
    ['eu-west-3', 'https://eu-west-3.console.aws.amazon.com'],
    ['cn-north-1', 'https://cn-north-1.console.amazonaws.cn'],
    ['us-gov-west-1', 'https://us-gov-west-1.console.amazonaws-us-gov.com'],
  ])('uses the right console for %s', (region, base) => {
    expect(consoleBase(region)).toBe(base);
    expect(deploymentUrl(region, 'd-ABCDEFGHI')).toBe(
      `${base}/codesuite/codedeploy/deployments/d-ABCDEFGHI?region=${region}`,
    );
  });

  it.each([
    ['checkout 5xx errors', 'checkout%205xx%20errors'],
    ['team/checkout/5xx', 'team%2Fcheckout%2F5xx'],
    ['arn:like:name', 'arn%3Alike%3Aname'],
  ])('encodes the alarm name %j in the link', (name, encoded) => {
    const url = alarmUrl('us-east-1', name);
    expect(url).toBe(
      `https://us-east-1.console.aws.amazon.com/cloudwatch/home?region=us-east-1#alarmsV2:alarm/${encoded}`,
    );
    expect(decodeURIComponent(url.split('alarm/')[1]!)).toBe(name);
  });
});
