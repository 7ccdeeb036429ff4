import { AwsFault, type AwsStandInOptions, type Caller } from './aws.js';
import { type AutoScalingAccount, autoScalingAccountFromScenario, autoScalingOperations } from './autoscaling.js';
import { CODEDEPLOY_TARGET_PREFIX, codeDeployOperations } from './codedeploy.js';
import type { Scenario } from './state.js';
import { accountOfAccessKey } from './sts.js';

/**
 * Many accounts and regions behind one stand-in endpoint, each with its own CodeDeploy and Auto
 * Scaling state: a call is served by the account its credentials were assumed in (the hub's own keys
 * serve the hub's account) and the region it was signed for, so a call that goes to the wrong
 * account or region finds that account's state, or nothing, exactly as on AWS.
 */

/** One account and region of the organisation. */
export interface Place {
  account: string;
  region: string;
  scenario: Scenario;
  autoscaling: AutoScalingAccount;
  operations: Pick<AwsStandInOptions, 'json' | 'query'>;
}

/** The state of a scenario re-homed to an account and region, and the operations that serve it. */
export const placeOf = (scenario: Scenario, account: string, region: string): Place => {
  scenario.account = account;
  scenario.region = region;
  const autoscaling = autoScalingAccountFromScenario(scenario);
  return {
    account,
    region,
    scenario,
    autoscaling,
    operations: {
      json: { [CODEDEPLOY_TARGET_PREFIX]: codeDeployOperations(scenario) },
      query: autoScalingOperations(autoscaling),
    },
  };
};

export const placeKey = (account: string, region: string) => `${account}/${region}`;

/**
 * The stand-in's `route`: the caller's account (from its assumed key; the home account otherwise) and
 * region pick the place. The home account in its home region is served by the stand-in's own
 * operations (undefined); a place that does not exist is refused as AWS refuses a region the account
 * has not enabled.
 */
export const organisationRoute =
  (home: { account: string; region: string }, places: Map<string, Place>) =>
  (caller: Caller): Pick<AwsStandInOptions, 'json' | 'query'> | undefined => {
    const account = accountOfAccessKey(caller.accessKeyId) ?? home.account;
    const region = caller.region ?? home.region;
    const place = places.get(placeKey(account, region));
    if (place) return place.operations;
    if (account === home.account && region === home.region) return undefined;
    throw new AwsFault('UnrecognizedClientException', 'The security token included in the request is invalid.', 400);
  };
