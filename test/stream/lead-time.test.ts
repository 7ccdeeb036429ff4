import { describe, expect, it } from 'vitest';
import type { CallBudget } from '../../lib/aws/call.js';
import type { DeploymentDetails, RegisteredRevision } from '../../lib/codedeploy/deployment.js';
import { classifyEvent } from '../../lib/events/classify.js';
import { createLogger } from '../../lib/log.js';
import { type StateRecord, toStateRecord } from '../../lib/stream/record.js';
import { streamStateChange } from '../../lib/stream/stream-state.js';
import type { RecordWriter } from '../../lib/stream/writer.js';
import { deadlineAt } from '../../lib/time.js';
import { loadEvent } from '../support/fixtures.js';
import { schemaErrors } from './schema.js';

/**
 * Lead time as far as CodeDeploy can tell it: on a deployment's SUCCESS, the stream asks when its
 * revision was registered (GetApplicationRevision) and records that time and the lead time from it
 * to the success. Enrichment only: without an answer the record is written without them.
 */

const NOW = Date.parse('2026-11-18T14:21:30Z');
const BUNDLE: RegisteredRevision = {
  revisionType: 'S3',
  s3Location: { bucket: 'shop-artifacts', key: 'shop/shop-1.4.2.zip', bundleType: 'zip', eTag: '"5d41402a"' },
};
const REGISTERED = new Date('2026-11-18T12:47:31Z');
const CREATED = new Date('2026-11-18T14:11:55Z');
const COMPLETED = new Date('2026-11-18T14:21:09Z');

/** A SUCCESS (or other) deployment event of our own, named as the tests need. */
const deploymentEvent = (state: string, time = '2026-11-18T14:21:10Z') => {
  const event = loadEvent('codedeploy/deployment.success.json');
  return {
    ...event,
    id: `evt-${state.toLowerCase()}`,
    time,
    detail: { ...event.detail, application: 'shop', deploymentGroup: 'shop-prod', deploymentId: 'd-L34DT1ME1', state },
  };
};

const details = (more: Partial<DeploymentDetails> = {}): DeploymentDetails => ({
  deploymentId: 'd-L34DT1ME1',
  application: 'shop',
  deploymentGroup: 'shop-prod',
  status: 'Succeeded',
  computePlatform: 'Server',
  creator: 'user',
  createTime: CREATED,
  completeTime: COMPLETED,
  revision: 's3://shop-artifacts/shop/shop-1.4.2.zip (etag "5d41402a")',
  revisionLocation: BUNDLE,
  ...more,
});

interface Asked {
  application: string;
  revision: RegisteredRevision;
  remainingMs: number;
}

/** In-memory CodeDeploy: GetDeployment answers `found`, GetApplicationRevision `registered` (or throws it). */
const codeDeploy = (found: DeploymentDetails | undefined, registered: Date | undefined | Error) => {
  const asked: Asked[] = [];
  return {
    asked,
    port: {
      getDeployment: async () => found,
      getRevisionRegisterTime: async (application: string, revision: RegisteredRevision, budget: CallBudget) => {
        asked.push({ application, revision, remainingMs: budget.deadline.remainingMs() });
        if (registered instanceof Error) throw registered;
        return registered;
      },
    },
  };
};

const setup = () => {
  const written: StateRecord[] = [];
  const lines: Record<string, unknown>[] = [];
  const writer: RecordWriter = {
    put: async (records) => {
      written.push(...records);
      return { attempts: 1, batches: 1, records: records.length };
    },
  };
  const log = createLogger({ write: (line) => lines.push(JSON.parse(line)) });
  return { written, lines, writer, log, deadline: deadlineAt(NOW + 8_000, () => NOW), clock: () => NOW };
};

describe('a SUCCESS record', () => {
  it('carries when its revision was registered and the lead time from then to the success', async () => {
    const s = setup();
    const cd = codeDeploy(details(), REGISTERED);
    const { record } = await streamStateChange(deploymentEvent('SUCCESS'), { ...s, codedeploy: cd.port });

    expect(cd.asked).toEqual([{ application: 'shop', revision: BUNDLE, remainingMs: expect.any(Number) }]);
    expect(record.enrichment).toMatchObject({
      status: 'Succeeded',
      completeTime: '2026-11-18T14:21:09.000Z',
      revisionRegisteredAt: '2026-11-18T12:47:31.000Z',
      leadTimeMs: COMPLETED.getTime() - REGISTERED.getTime(),
    });
    expect(s.written).toEqual([record]);
    expect(schemaErrors(record)).toEqual([]);
    expect(s.lines.filter((l) => l.level !== 'info')).toEqual([]);
  });

  it('asks within the enrichment budget GetDeployment had: a quarter of the time left', async () => {
    const s = setup();
    const cd = codeDeploy(details(), REGISTERED);
    await streamStateChange(deploymentEvent('SUCCESS'), { ...s, codedeploy: cd.port });

    expect(cd.asked.map((a) => a.remainingMs)).toEqual([2_000]);
  });

  it("measures to the event's time when GetDeployment gave no completeTime", async () => {
    const s = setup();
    const cd = codeDeploy(details({ completeTime: undefined }), REGISTERED);
    const { record } = await streamStateChange(deploymentEvent('SUCCESS', '2026-11-18T14:21:10Z'), {
      ...s,
      codedeploy: cd.port,
    });

    expect(record.enrichment?.leadTimeMs).toBe(Date.parse('2026-11-18T14:21:10Z') - REGISTERED.getTime());
  });

  it('leaves a negative lead time out, keeping when CodeDeploy says the revision was registered', async () => {
    const s = setup();
    const later = new Date(COMPLETED.getTime() + 60_000);
    const cd = codeDeploy(details(), later);
    const { record } = await streamStateChange(deploymentEvent('SUCCESS'), { ...s, codedeploy: cd.port });

    expect(record.enrichment?.revisionRegisteredAt).toBe(later.toISOString());
    expect(record.enrichment).not.toHaveProperty('leadTimeMs');
    expect(schemaErrors(record)).toEqual([]);
  });

  it('is still written when GetApplicationRevision fails, without the lead time, with one warning', async () => {
    const s = setup();
    const cd = codeDeploy(details(), Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }));
    const { record } = await streamStateChange(deploymentEvent('SUCCESS'), { ...s, codedeploy: cd.port });

    expect(s.written).toEqual([record]);
    expect(record.enrichment).toMatchObject({ status: 'Succeeded', completeTime: '2026-11-18T14:21:09.000Z' });
    expect(record.enrichment).not.toHaveProperty('revisionRegisteredAt');
    expect(record.enrichment).not.toHaveProperty('leadTimeMs');
    expect(s.lines.filter((l) => l.level === 'warn')).toEqual([
      expect.objectContaining({ message: 'revision registration time unavailable', deploymentId: 'd-L34DT1ME1' }),
    ]);
  });

  it('is written without the lead time when CodeDeploy does not know the revision', async () => {
    const s = setup();
    const cd = codeDeploy(details(), undefined);
    const { record } = await streamStateChange(deploymentEvent('SUCCESS'), { ...s, codedeploy: cd.port });

    expect(cd.asked).toHaveLength(1);
    expect(record.enrichment).not.toHaveProperty('leadTimeMs');
    expect(s.lines.filter((l) => l.level === 'warn')).toEqual([
      expect.objectContaining({ message: 'revision registration time unavailable', deploymentId: 'd-L34DT1ME1' }),
    ]);
  });

  it('makes no call for an inline AppSpec, which CodeDeploy does not register', async () => {
    const s = setup();
    const inline = details({ computePlatform: 'ECS', revision: 'inline AppSpec', revisionLocation: undefined });
    const cd = codeDeploy(inline, REGISTERED);
    const { record } = await streamStateChange(deploymentEvent('SUCCESS'), { ...s, codedeploy: cd.port });

    expect(cd.asked).toEqual([]);
    expect(record.enrichment).toMatchObject({ status: 'Succeeded', computePlatform: 'ECS' });
    expect(record.enrichment).not.toHaveProperty('leadTimeMs');
    expect(s.lines.filter((l) => l.level !== 'info')).toEqual([]);
  });

  it('makes no call when GetDeployment did not answer', async () => {
    const s = setup();
    const cd = codeDeploy(undefined, REGISTERED);
    const { record } = await streamStateChange(deploymentEvent('SUCCESS'), { ...s, codedeploy: cd.port });

    expect(cd.asked).toEqual([]);
    expect(record).not.toHaveProperty('enrichment');
  });
});

describe('other deployment states', () => {
  it.each(['START', 'FAILURE', 'STOP', 'READY'])('%s makes no GetApplicationRevision call', async (state) => {
    const s = setup();
    const cd = codeDeploy(details({ status: state === 'FAILURE' ? 'Failed' : 'InProgress' }), REGISTERED);
    const { record } = await streamStateChange(deploymentEvent(state), { ...s, codedeploy: cd.port });

    expect(cd.asked).toEqual([]);
    expect(record.enrichment).not.toHaveProperty('revisionRegisteredAt');
    expect(record.enrichment).not.toHaveProperty('leadTimeMs');
  });
});

describe('toStateRecord', () => {
  it('records a lead time only for a deployment that succeeded', () => {
    const registered = details({ revisionRegisterTime: REGISTERED });
    const success = toStateRecord(classifyEvent(deploymentEvent('SUCCESS')), registered);
    const failure = toStateRecord(classifyEvent(deploymentEvent('FAILURE')), { ...registered, status: 'Failed' });

    expect(success.enrichment?.leadTimeMs).toBe(COMPLETED.getTime() - REGISTERED.getTime());
    expect(failure.enrichment?.revisionRegisteredAt).toBe('2026-11-18T12:47:31.000Z');
    expect(failure.enrichment).not.toHaveProperty('leadTimeMs');
    expect(schemaErrors(success)).toEqual([]);
    expect(schemaErrors(failure)).toEqual([]);
  });

  it('is refused by the schema with a lead time that is not a whole, non-negative number of milliseconds', () => {
    const record = toStateRecord(classifyEvent(deploymentEvent('SUCCESS')), details());
    for (const leadTimeMs of [-1, 1.5, '5580000']) {
      expect(schemaErrors({ ...record, enrichment: { ...record.enrichment, leadTimeMs } })).not.toEqual([]);
    }
    expect(
      schemaErrors({ ...record, enrichment: { ...record.enrichment, revisionRegisteredAt: 'yesterday' } }),
    ).not.toEqual([]);
  });
});
