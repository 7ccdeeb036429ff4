import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Scenario } from './state.js';
import type { StandInCall } from './aws.js';

/**
 * EC2 DescribeInstances, for the blue/green "existing instances" path. EC2's Query flavour has no
 * `<XResult>` wrapper (the answer's members sit right under `<DescribeInstancesResponse>`) and
 * lists are `<item>`s, so this stand-in writes its own envelope and runs its own small server;
 * point the SDK at it with `endpoint: ec2.url` or `AWS_ENDPOINT_URL_EC2`.
 */

/** The Query API version and XML namespace of EC2. */
export const EC2_VERSION = '2016-11-15';
export const EC2_NAMESPACE = 'http://ec2.amazonaws.com/doc/2016-11-15/';

const STATE_CODES: Record<string, number> = {
  pending: 0,
  running: 16,
  'shutting-down': 32,
  terminated: 48,
  stopping: 64,
  stopped: 80,
};

/** One instance, as plain data. */
export interface StandInEc2Instance {
  instanceId: string;
  instanceType?: string;
  state?: keyof typeof STATE_CODES;
  launchTime?: Date | string;
  availabilityZone?: string;
  tags?: Record<string, string>;
}

/** A running EC2 stand-in. */
export interface Ec2StandIn {
  url: string;
  calls: StandInCall[];
  instances: StandInEc2Instance[];
  close(): Promise<void>;
}

/**
 * The EC2 instances a scenario implies: those of its Auto Scaling groups (with the tags the groups
 * propagate) and the replacement instances of DISCOVER_EXISTING deployments (carrying the tags
 * the deployment selected them by).
 */
export const ec2InstancesFromScenario = (scenario: Scenario): StandInEc2Instance[] => {
  const byId = new Map<string, StandInEc2Instance>();
  for (const group of scenario.autoScalingGroups) {
    const tags = Object.fromEntries(group.tags.filter((t) => t.propagateAtLaunch).map((t) => [t.key, t.value]));
    for (const i of group.instances) {
      byId.set(i.instanceId, {
        instanceId: i.instanceId,
        instanceType: i.instanceType,
        availabilityZone: i.availabilityZone,
        launchTime: group.createdTime,
        tags: { ...tags, 'aws:autoscaling:groupName': group.name },
      });
    }
  }
  for (const d of scenario.deployments) {
    if (d.blueGreenDeploymentConfiguration?.greenFleetProvisioningOption?.action !== 'DISCOVER_EXISTING') continue;
    const tags = Object.fromEntries(
      (d.targetInstances?.tagFilters ?? [])
        .filter((f) => f.Key && f.Value !== undefined)
        .map((f) => [f.Key!, f.Value!]),
    );
    for (const target of scenario.deploymentTargets[d.deploymentId!] ?? []) {
      const instanceId = target.instanceTarget?.targetId;
      if (instanceId) byId.set(instanceId, { instanceId, instanceType: 'c6i.xlarge', launchTime: d.createTime, tags });
    }
  }
  return [...byId.values()];
};

const escape = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const el = (name: string, value: string | number | undefined) =>
  value === undefined ? '' : `<${name}>${typeof value === 'number' ? value : escape(value)}</${name}>`;

/** EC2 filter values accept `*` and `?` wildcards. */
const matches = (pattern: string, value: string) =>
  new RegExp(
    `^${pattern
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '.*')
      .replace(/\?/g, '.')}$`,
  ).test(value);

const readFilters = (params: URLSearchParams): Array<{ name: string; values: string[] }> => {
  const filters: Array<{ name: string; values: string[] }> = [];
  for (let i = 1; params.has(`Filter.${i}.Name`); i += 1) {
    const values: string[] = [];
    for (let j = 1; params.has(`Filter.${i}.Value.${j}`); j += 1) values.push(params.get(`Filter.${i}.Value.${j}`)!);
    filters.push({ name: params.get(`Filter.${i}.Name`)!, values });
  }
  return filters;
};

const fieldValues = (instance: StandInEc2Instance, name: string): string[] => {
  const tags = instance.tags ?? {};
  if (name === 'instance-state-name') return [instance.state ?? 'running'];
  if (name === 'instance-id') return [instance.instanceId];
  if (name === 'instance-type') return [instance.instanceType ?? 't3.micro'];
  if (name === 'tag-key') return Object.keys(tags);
  if (name === 'tag-value') return Object.values(tags);
  if (name.startsWith('tag:')) {
    const value = tags[name.slice(4)];
    return value === undefined ? [] : [value];
  }
  return [];
};

/** Every filter must match; within a filter, any value. */
export const selectInstances = (
  instances: StandInEc2Instance[],
  filters: Array<{ name: string; values: string[] }>,
  ids: string[] = [],
): StandInEc2Instance[] =>
  instances.filter(
    (instance) =>
      (ids.length === 0 || ids.includes(instance.instanceId)) &&
      filters.every((f) => fieldValues(instance, f.name).some((v) => f.values.some((p) => matches(p, v)))),
  );

const instanceXml = (i: StandInEc2Instance) => {
  const state = i.state ?? 'running';
  const tags = Object.entries(i.tags ?? {})
    .map(([key, value]) => `<item>${el('key', key)}${el('value', value)}</item>`)
    .join('');
  return (
    `<item>${el('instanceId', i.instanceId)}${el('imageId', 'ami-0123456789abcdef0')}` +
    `<instanceState>${el('code', STATE_CODES[state])}${el('name', state)}</instanceState>` +
    `${el('instanceType', i.instanceType ?? 't3.micro')}${el('launchTime', new Date(i.launchTime ?? 0).toISOString())}` +
    `<placement>${el('availabilityZone', i.availabilityZone ?? 'us-east-1a')}</placement>` +
    `<tagSet>${tags}</tagSet></item>`
  );
};

/** The DescribeInstances answer, one reservation per instance, as EC2 writes it. */
export const describeInstancesXml = (instances: StandInEc2Instance[], nextToken?: string): string =>
  `<?xml version="1.0" encoding="UTF-8"?>\n<DescribeInstancesResponse xmlns="${EC2_NAMESPACE}">` +
  `<requestId>00000000-0000-0000-0000-000000000000</requestId><reservationSet>` +
  instances
    .map(
      (i, n) =>
        `<item>${el('reservationId', `r-${String(n).padStart(17, '0')}`)}${el('ownerId', '123456789012')}<groupSet/><instancesSet>${instanceXml(i)}</instancesSet></item>`,
    )
    .join('') +
  `</reservationSet>${el('nextToken', nextToken)}</DescribeInstancesResponse>`;

const errorXml = (code: string, message: string) =>
  `<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error><Code>${escape(code)}</Code><Message>${escape(message)}</Message></Error></Errors>` +
  `<RequestID>00000000-0000-0000-0000-000000000000</RequestID></Response>`;

const readBody = async (req: IncomingMessage) => {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
};

/** Starts the EC2 stand-in on 127.0.0.1 (a free port unless given). */
export const startEc2StandIn = async (instances: StandInEc2Instance[], port = 0): Promise<Ec2StandIn> => {
  const calls: StandInCall[] = [];
  const server: Server = createServer(async (req, res) => {
    const params = new URLSearchParams(await readBody(req));
    const action = params.get('Action') ?? '';
    calls.push({ service: 'ec2', operation: action, input: Object.fromEntries(params) });
    const answer = (status: number, xml: string) => {
      res.writeHead(status, { 'content-type': 'text/xml;charset=UTF-8' });
      res.end(xml);
    };
    if (action !== 'DescribeInstances' || params.get('Version') !== EC2_VERSION) {
      return answer(
        400,
        errorXml('InvalidAction', `${action} (${params.get('Version')}) is not served by the stand-in`),
      );
    }
    const ids: string[] = [];
    for (let i = 1; params.has(`InstanceId.${i}`); i += 1) ids.push(params.get(`InstanceId.${i}`)!);
    const selected = selectInstances(instances, readFilters(params), ids);
    const max = Number(params.get('MaxResults') ?? 1000);
    if (ids.length > 0 && params.has('MaxResults')) {
      return answer(
        400,
        errorXml(
          'InvalidParameterCombination',
          'The parameter instancesSet cannot be used with the parameter maxResults',
        ),
      );
    }
    const offset = Number(params.get('NextToken') ?? 0);
    const page = selected.slice(offset, offset + max);
    answer(200, describeInstancesXml(page, offset + max < selected.length ? String(offset + max) : undefined));
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const { port: bound } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${bound}`,
    calls,
    instances,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
};
