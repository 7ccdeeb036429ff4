import { classifyEvent } from '../events/classify.js';
import type { Clock, Deadline } from '../time.js';
import { computeMetrics } from './metrics.js';
import { type StateRecord, toStateRecord } from './record.js';
import { encodeRecord, type RecordWriter } from './writer.js';

/** How many items a piece of work got through, and how fast. */
export interface Throughput {
  items: number;
  elapsedMs: number;
  /** Items per second; null when the clock saw no time pass. */
  perSecond: number | null;
}

const monotonic: Clock = () => performance.now();

/** Times `work` over `items` items with a monotonic clock (injectable). */
export const measureThroughput = async (
  items: number,
  work: () => unknown,
  clock: Clock = monotonic,
): Promise<Throughput> => {
  const start = clock();
  await work();
  const elapsedMs = clock() - start;
  return { items, elapsedMs, perSecond: elapsedMs > 0 ? (items * 1_000) / elapsedMs : null };
};

/** Metrics computation over a history (what `npm run metrics` spends its CPU on). */
export const measureMetricsThroughput = (records: StateRecord[], clock?: Clock): Promise<Throughput> =>
  measureThroughput(records.length, () => computeMetrics(records), clock);

/** Classify, map and encode: the per-event CPU work of streamState before the network. */
export const measureMappingThroughput = (events: unknown[], clock?: Clock): Promise<Throughput> =>
  measureThroughput(
    events.length,
    () => {
      for (const event of events) encodeRecord(toStateRecord(classifyEvent(event)));
    },
    clock,
  );

/** Writes through a record writer (against kinesalite or a real stream). */
export const measureWriteThroughput = (
  writer: RecordWriter,
  records: StateRecord[],
  deadline: Deadline,
  clock?: Clock,
): Promise<Throughput> => measureThroughput(records.length, () => writer.put(records, deadline), clock);
