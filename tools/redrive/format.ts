import type { RedriveOutcome, RedriveReport, RedriveStatus, StopReason } from './redrive.js';

/** The re-drive command's output: one greppable line per message, then the totals. Pure. */

const LABEL: Record<RedriveStatus, string> = {
  redriven: 'REDRIVEN',
  'would-redrive': 'WOULD-REDRIVE',
  failed: 'FAILED',
  left: 'LEFT',
  'not-selected': 'NOT-SELECTED',
};
const LABEL_WIDTH = Math.max(...Object.values(LABEL).map((l) => l.length));

const quoted = (text: string): string => JSON.stringify(text);

/** One line for one message: what happened, the function, where it came from, the original error and ids. */
export const formatOutcome = (outcome: RedriveOutcome): string => {
  const d = outcome.decision;
  const fields = [
    `message=${outcome.messageId}`,
    d.functionName ? `function=${d.functionName}` : undefined,
    d.origin ? `origin=${d.origin}` : undefined,
    d.eventId ? `event=${d.eventId}` : undefined,
    d.deploymentId ? `deployment=${d.deploymentId}` : undefined,
    d.reason ? `error=${quoted(d.reason)}` : undefined,
    'skip' in d ? `left-because=${quoted(d.skip)}` : undefined,
    outcome.status === 'not-selected' ? `left-because=${quoted('not the function given with --function')}` : undefined,
    outcome.error ? `failed-because=${quoted(outcome.error)}` : undefined,
  ];
  return [LABEL[outcome.status].padEnd(LABEL_WIDTH), ...fields.filter((f): f is string => f !== undefined)].join(' ');
};

const STOPPED: Record<StopReason, string> = {
  'queue-empty': 'the queue has nothing more to read',
  'max-reached': '--max reached; run again for the rest',
  'only-repeats': 'only messages already looked at came back',
  'queue-error': 'the queue could not be read',
};

/** The closing lines: counts per outcome, why the run stopped, and anything left to do. */
export const formatTotals = (report: RedriveReport): string[] => {
  const c = report.counts;
  const done = report.dryRun
    ? `${c['would-redrive']} would be re-driven`
    : `${c.redriven} re-driven, ${c.failed} failed`;
  const left = c.left + c['not-selected'] + c.failed;
  const lines = [
    `${report.dryRun ? 'dry run, nothing changed: ' : ''}${report.received} message(s) looked at: ${done}, ${c.left} not re-drivable, ${c['not-selected']} not selected; stopped because ${STOPPED[report.stoppedBecause]}`,
  ];
  if (!report.dryRun && left > 0)
    lines.push(`${left} message(s) stay in the queue (LEFT, NOT-SELECTED and FAILED lines above)`);
  if (report.releaseError) lines.push(`warning: ${report.releaseError}`);
  return lines;
};
