import { describe, expect, it } from 'vitest';
import type { CallBudget } from '../../lib/aws/call.js';
import type { DeploymentDetails } from '../../lib/codedeploy/deployment.js';
import { createLogger } from '../../lib/log.js';
import { createMetrics } from '../../lib/metrics.js';
import type { StateRecord } from '../../lib/stream/record.js';
import { streamStateChange } from '../../lib/stream/stream-state.js';
import { type RecordWriter, StreamWriteError } from '../../lib/stream/writer.js';
import { deadlineAt } from '../../lib/time.js';
import { loadEvent } from '../support/fixtures.js';
import { schemaErrors } from './schema.js';

const NOW = Date.parse('2026-11-20T15:13:00Z');

const setup = (put?: RecordWriter['put']) => {
  const written: StateRecord[] = [];
  const lines: Record<string, unknown>[] = [];
  const writer: RecordWriter = {
    put:
      put ??
      (async (records) => {
        written.push(...records);
        return { attempts: 1, batches: 1, records: records.length };
      }),
  };
  const log = createLogger({ write: (line) => lines.push(JSON.parse(line)) });
  return { written, lines, writer, log, deadline: deadlineAt(NOW + 5_000, () => NOW), clock: () => NOW };
};

describe('streamStateChange', () => {
  it('writes a deployment event enriched by GetDeployment', async () => {
    const s = setup();
    const event = loadEvent('codedeploy/deployment.failure.json');
    const asked: string[] = [];
    const codedeploy = {
      getDeployment: async (id: string): Promise<DeploymentDetails> => {
        asked.push(id);
        return { deploymentId: id, status: 'Failed', errorCode: 'HEALTH_CONSTRAINTS', creator: 'user' };
      },
    };
    await streamStateChange(event, { ...s, codedeploy });

    expect(asked).toEqual([event.detail.deploymentId]);
    expect(s.written).toHaveLength(1);
    expect(s.written[0]).toMatchObject({
      eventId: event.id,
      recordedAt: '2026-11-20T15:13:00.000Z',
      enrichment: { status: 'Failed', errorCode: 'HEALTH_CONSTRAINTS' },
    });
    expect(s.lines).toEqual([
      expect.objectContaining({
        level: 'info',
        message: 'state record written',
        eventId: event.id,
        partitionKey: event.detail.deploymentId,
      }),
    ]);
  });

  it('counts the record written by its kind', async () => {
    const s = setup();
    const metrics = createMetrics();
    await streamStateChange(loadEvent('cloudwatch/alarm.threshold-alarm.json'), { ...s, metrics });
    expect(metrics.pending()).toEqual([{ name: 'RecordsWritten', dimensions: { kind: 'alarm' }, value: 1 }]);
  });

  it('still writes the record when GetDeployment fails, without enrichment', async () => {
    const s = setup();
    const codedeploy = {
      getDeployment: async (): Promise<DeploymentDetails> => {
        throw Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });
      },
    };
    await streamStateChange(loadEvent('codedeploy/deployment.stop.json'), { ...s, codedeploy });

    expect(s.written).toHaveLength(1);
    expect(s.written[0]).not.toHaveProperty('enrichment');
    expect(s.lines[0]).toMatchObject({ level: 'warn', message: 'deployment enrichment unavailable' });
  });

  it('still writes the record when CodeDeploy does not know the deployment, and says so', async () => {
    const s = setup();
    const codedeploy = { getDeployment: async () => undefined };
    await streamStateChange(loadEvent('codedeploy/deployment.stop.json'), { ...s, codedeploy });

    expect(s.written).toHaveLength(1);
    expect(s.written[0]).not.toHaveProperty('enrichment');
    expect(s.lines[0]).toMatchObject({ level: 'warn', message: 'deployment enrichment unavailable' });
  });

  it('gives the enrichment a quarter of the time left, so the write keeps the rest', async () => {
    const s = setup();
    const left: number[] = [];
    const codedeploy = {
      getDeployment: async (id: string, budget: CallBudget): Promise<DeploymentDetails> => {
        left.push(budget.deadline.remainingMs());
        return { deploymentId: id };
      },
    };
    await streamStateChange(loadEvent('codedeploy/deployment.stop.json'), { ...s, codedeploy });

    expect(left).toEqual([1_250]);
  });

  it('does not call GetDeployment for alarms, instances or cleanup events', async () => {
    const s = setup();
    const codedeploy = {
      getDeployment: async (): Promise<DeploymentDetails> => {
        throw new Error('not expected');
      },
    };
    for (const file of [
      'cloudwatch/alarm.threshold-alarm.json',
      'codedeploy/instance.success.json',
      'deploy-sentinel/cleanup.deleted.json',
    ]) {
      await streamStateChange(loadEvent(file), { ...s, codedeploy });
    }
    expect(s.written.map((r) => r.kind)).toEqual(['alarm', 'instance', 'cleanup']);
    expect(s.lines.filter((l) => l.level !== 'info')).toEqual([]);
  });

  it('streams an event of unknown shape as unknown and logs it once, without the event itself', async () => {
    const s = setup();
    const event = loadEvent('invalid/not-an-eventbridge-event.json');
    const { record } = await streamStateChange(event, s);

    expect(record.kind).toBe('unknown');
    expect(schemaErrors(record)).toEqual([]);
    expect(s.written).toEqual([record]);
    const warnings = s.lines.filter((l) => l.level === 'warn');
    expect(warnings).toHaveLength(1);
    expect(JSON.stringify(warnings[0])).not.toContain('EventSubscriptionArn');
  });

  it('lets a write failure through, so the event reaches the dead-letter queue', async () => {
    const failure = new StreamWriteError(
      '1 record(s) still rejected',
      'partial-failure',
      true,
      ['x'],
      ['InternalFailure'],
      3,
    );
    const s = setup(async () => {
      throw failure;
    });
    await expect(streamStateChange(loadEvent('codedeploy/deployment.success.json'), s)).rejects.toBe(failure);
  });
});
