import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { type PackagedFunction, ROOT } from './harness.js';
import { createScenario } from './scenario.js';
import { type Invocation, type Runner, STAGE, type World, createRunner } from './world.js';

/**
 * The organisation hub part of `npm start`: the same packaged bundles, in containers of their own
 * with the environment a `deploymentMode=hub` stage gives them (serverless/organization.cjs), serve
 * events of member accounts held by the same stand-ins, each account and region with its own state.
 */

const require = createRequire(import.meta.url);
const organization = require('../serverless/organization.cjs') as {
  organizationOf(raw: Record<string, string>, names: { service: string; stage: string }): unknown;
  hubEnvironment(settings: unknown, key: string, schedule?: string): Record<string, unknown> | undefined;
};

/** A member account of the demo organisation; names and the members swept are in settings/local.yml. */
export interface DemoMember {
  account: string;
  name: string;
  region: string;
  /** Whether its member stack created the roles the hub assumes. */
  hasRoles: boolean;
}

export const DEMO_MEMBERS: DemoMember[] = [
  { account: '210987654321', name: 'payments-prod', region: 'us-east-1', hasRoles: true },
  { account: '210987654322', name: 'search-prod', region: 'eu-west-1', hasRoles: true },
  { account: '210987654323', name: 'legacy-sandbox', region: 'eu-west-1', hasRoles: false },
];

const settings = () =>
  organization.organizationOf(
    { deploymentMode: 'hub', memberAccountIds: DEMO_MEMBERS.map((m) => m.account).join(',') },
    { service: 'deploy-sentinel', stage: STAGE },
  ) as { memberRolePrefix: string };

/** The roles a member stack of the local stage creates (the hub assumes them). */
export const memberRoleNames = (): string[] => {
  const prefix = settings().memberRolePrefix;
  return [`${prefix}-read`, `${prefix}-cleanup`];
};

/** The environment packaging gives a function in a hub, with the hub's account filled in. */
export const hubOverrides =
  (account: string, base: Record<string, string>) =>
  (fn: PackagedFunction): Record<string, string> => {
    const schedule = fn.rules.find((r) => r.schedule)?.schedule;
    const env = organization.hubEnvironment(settings(), fn.key, schedule) ?? {};
    return {
      ...base,
      ...Object.fromEntries(Object.entries(env).map(([k, v]) => [k, k === 'HUB_ACCOUNT_ID' ? account : String(v)])),
    };
  };

/** A member's copy of a sample event, as the hub bus delivers it: the member's account and region. */
export const memberEvent = (file: string, member: DemoMember): Record<string, unknown> => {
  const text = readFileSync(join(ROOT, 'events', file), 'utf8')
    .replaceAll('123456789012', member.account)
    .replaceAll('us-east-1', member.region);
  // Each account's event is an event of its own.
  return { ...(JSON.parse(text) as Record<string, unknown>), id: randomUUID() };
};

export interface Hub {
  runner: Runner;
  /** Each member's place in the stand-ins. */
  members: Array<DemoMember & { groups(): string[] }>;
}

/** Adds the members to the world's stand-ins and loads the hub's containers. */
export const startHub = (world: World, functions: PackagedFunction[], base: Record<string, string>): Hub => {
  const members = DEMO_MEMBERS.map((member) => {
    const place = world.addPlace(
      createScenario(world.scenario.now.getTime()),
      member.account,
      member.region,
      member.hasRoles ? memberRoleNames() : [],
    );
    return { ...member, groups: () => place.scenario.autoScalingGroups.map((g) => g.name) };
  });
  const runner = createRunner(world, functions, hubOverrides(world.scenario.account, base), {
    unpackInto: join(ROOT, '.local', 'hub-functions'),
  });
  return { runner, members };
};

/** A failed invocation the demo means to show: the member whose role is missing. */
export const isExpectedFailure = (inv: Invocation): boolean =>
  !inv.ok && DEMO_MEMBERS.some((m) => !m.hasRoles && String(inv.error?.message).includes(m.account));
