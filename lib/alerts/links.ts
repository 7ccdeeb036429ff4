/**
 * AWS console links, by partition: China and GovCloud consoles live on other domains
 * (console.amazonaws.cn: "Amazon Web Services in China" getting-started guide;
 * console.amazonaws-us-gov.com: AWS GovCloud (US) user guide, "Signing in to the console").
 */

export const consoleBase = (region: string): string => {
  if (region.startsWith('cn-')) return `https://${region}.console.amazonaws.cn`;
  if (region.startsWith('us-gov-')) return `https://${region}.console.amazonaws-us-gov.com`;
  return `https://${region}.console.aws.amazon.com`;
};

const q = (region: string) => `region=${encodeURIComponent(region)}`;

export const deploymentUrl = (region: string, deploymentId: string): string =>
  `${consoleBase(region)}/codesuite/codedeploy/deployments/${encodeURIComponent(deploymentId)}?${q(region)}`;

export const deploymentGroupUrl = (region: string, application: string, group: string): string =>
  `${consoleBase(region)}/codesuite/codedeploy/applications/${encodeURIComponent(application)}/deployment-groups/${encodeURIComponent(group)}?${q(region)}`;

/** The alarm name sits in the URL fragment; encode it so spaces, `/` and `:` survive. */
export const alarmUrl = (region: string, alarmName: string): string =>
  `${consoleBase(region)}/cloudwatch/home?${q(region)}#alarmsV2:alarm/${encodeURIComponent(alarmName)}`;

export const autoScalingGroupUrl = (region: string, name: string): string =>
  `${consoleBase(region)}/ec2/home?${q(region)}#AutoScalingGroupDetails:id=${encodeURIComponent(name)}`;

export const instanceUrl = (region: string, instanceId: string): string =>
  `${consoleBase(region)}/ec2/home?${q(region)}#InstanceDetails:instanceId=${encodeURIComponent(instanceId)}`;
