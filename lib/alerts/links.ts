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

/** How an account reads in alerts, and how its console links open. */
export interface AccountView {
  /** Its name from the settings' `accounts`. */
  name?: string;
  /** IAM Identity Center sign-in: the AWS access portal URL and the permission set to sign in with. */
  console?: { startUrl: string; role: string };
}

/** The view of an account the settings give (pure). */
export const accountViewOf = (
  settings: { accounts: Record<string, string>; consoleStartUrl?: string; consoleRole?: string },
  account: string,
): AccountView => ({
  ...(settings.accounts[account] ? { name: settings.accounts[account] } : {}),
  ...(settings.consoleStartUrl && settings.consoleRole
    ? { console: { startUrl: settings.consoleStartUrl, role: settings.consoleRole } }
    : {}),
});

/** `payments-prod (111122223333)`, or the id alone when the account has no name. */
export const accountWords = (account: string, view?: AccountView): string =>
  view?.name ? `${view.name} (${account})` : account;

/**
 * A console URL as the reader opens it: through the access portal's shortcut link when sign-in is
 * configured, so it lands in the event's account with the permission set
 * (https://docs.aws.amazon.com/singlesignon/latest/userguide/createshortcutlink.html); the plain URL
 * otherwise. The region is in the console URL itself.
 */
export const consoleLink = (url: string, account: string, view?: AccountView): string => {
  if (!view?.console) return url;
  const start = view.console.startUrl.replace(/\/+$/, '');
  return `${start}/#/console?account_id=${encodeURIComponent(account)}&role_name=${encodeURIComponent(view.console.role)}&destination=${encodeURIComponent(url)}`;
};
