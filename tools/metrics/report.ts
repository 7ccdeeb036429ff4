import { createHash } from 'node:crypto';
import { durationScale, escapeHtml, type ChartSpec, type Point, svgChart } from './charts.js';
import {
  type Counts,
  formatDuration,
  formatRate,
  isoWeekOf,
  type MetricsReport,
  TABLE_HEADER,
  TABLE_NOTES,
  tableRows,
  type WeekMetrics,
} from './metrics.js';

/**
 * The deployment report as one self-contained HTML page (pure): per week, for all groups, each
 * application and each deployment group (a selector shows one), deployments, change failure rate,
 * durations, time to restore and lead time as inline SVG charts, then the table `npm run metrics`
 * prints. Nothing is loaded from elsewhere (a Content-Security-Policy forbids it), every name from
 * the data is escaped, and without JavaScript every section is shown one after the other.
 */

/** Where the records came from, and what could not be used. */
export interface ReportSource {
  /** e.g. "stream deployments" or "file records.jsonl". */
  description: string;
  unreadable: number;
  unsupported: number;
}

const COLOURS = {
  success: '#1a7f37',
  failure: '#cf222e',
  stop: '#8c959f',
  median: '#0969da',
  p95: '#bc4c00',
} as const;

const WEEK_MS = 7 * 86_400_000;

/** Every ISO week from the first to the last week with data, so that gaps show as gaps. */
const weekRange = (weeks: readonly WeekMetrics[]): string[] => {
  if (weeks.length === 0) return [];
  const first = Date.parse(`${weeks[0]!.start}T00:00:00Z`);
  const last = Date.parse(`${weeks.at(-1)!.start}T00:00:00Z`);
  const range: string[] = [];
  for (let monday = first; monday <= last; monday += WEEK_MS) range.push(isoWeekOf(monday).week);
  return range;
};

const count = (n: number) => n.toLocaleString('en-US');
const plural = (n: number, one: string, many = `${one}s`) => `${count(n)} ${n === 1 ? one : many}`;

const pointsOf = (
  weeks: readonly WeekMetrics[],
  value: (w: WeekMetrics) => number | null,
  note: (w: WeekMetrics) => string,
) =>
  weeks.flatMap((w): Point[] => {
    const v = value(w);
    return v === null ? [] : [{ week: w.week, value: v, note: note(w) }];
  });

/** The five charts of one section, each with the caption shown above it. */
const chartsOf = (
  id: string,
  name: string,
  counts: Counts,
  weeks: readonly string[],
): (ChartSpec & { caption: string })[] => {
  const series = counts.weeks;
  const countPoints = (pick: (w: WeekMetrics) => number, what: string) =>
    pointsOf(
      series,
      (w) => (pick(w) > 0 ? pick(w) : null),
      (w) => `${plural(pick(w), what)} of ${plural(w.deployments, 'deployment')}`,
    );
  const quantiles = (
    key: string,
    stats: (w: WeekMetrics) => { count: number; medianMs: number | null; p95Ms: number | null },
    extra: (w: WeekMetrics) => string = () => '',
  ) => {
    // Both series tell the same numbers of a week: written once.
    const notes = new Map(
      series.map((w) => [
        w,
        `median ${formatDuration(stats(w).medianMs)}, p95 ${formatDuration(stats(w).p95Ms)} over ${stats(w).count}${extra(w)}`,
      ]),
    );
    const note = (w: WeekMetrics) => notes.get(w)!;
    return [
      {
        key: `${key}-median`,
        label: 'median',
        colour: COLOURS.median,
        points: pointsOf(series, (w) => stats(w).medianMs, note),
      },
      {
        key: `${key}-p95`,
        label: 'p95',
        colour: COLOURS.p95,
        dashed: true,
        points: pointsOf(series, (w) => stats(w).p95Ms, note),
      },
    ];
  };
  const scaleOf = (stats: (w: WeekMetrics) => { p95Ms: number | null }) =>
    durationScale(Math.max(0, ...series.map((w) => stats(w).p95Ms ?? 0)));
  return [
    {
      id: `${id}-deployments`,
      caption: 'Deployments per week',
      title: `Deployments per week: ${name}`,
      description: 'Stacked bars per ISO week: successful, failed and stopped deployments (rollbacks excluded).',
      quantity: 'deployments',
      weeks,
      kind: 'stacked-bars',
      scale: { unit: 'per week', per: 1, whole: true },
      series: [
        {
          key: 'successes',
          label: 'succeeded',
          colour: COLOURS.success,
          points: countPoints((w) => w.successes, 'success'),
        },
        {
          key: 'failures',
          label: 'failed',
          colour: COLOURS.failure,
          points: countPoints((w) => w.failures, 'failure'),
        },
        { key: 'stops', label: 'stopped', colour: COLOURS.stop, points: countPoints((w) => w.stops, 'stop') },
      ],
    },
    {
      id: `${id}-cfr`,
      caption: 'Change failure rate',
      title: `Change failure rate per week: ${name}`,
      description: 'Failed deployments as a share of the deployments of each ISO week, for weeks with deployments.',
      quantity: 'change failure rate',
      weeks,
      kind: 'lines',
      scale: { unit: '%', per: 1, atMost: 100 },
      series: [
        {
          key: 'change-failure-rate',
          label: 'failures / deployments',
          colour: COLOURS.failure,
          points: pointsOf(
            series,
            (w) => (w.changeFailureRate === null ? null : w.changeFailureRate * 100),
            (w) => `${formatRate(w.changeFailureRate)} (${w.failures} of ${plural(w.deployments, 'deployment')})`,
          ),
        },
      ],
    },
    {
      id: `${id}-duration`,
      caption: 'Deployment duration',
      title: `Deployment duration per week: ${name}`,
      description:
        'Median and 95th percentile of the durations (create to complete) of the deployments of each ISO week.',
      quantity: 'duration',
      weeks,
      kind: 'lines',
      scale: scaleOf((w) => w.duration),
      series: quantiles('duration', (w) => w.duration),
    },
    {
      id: `${id}-restore`,
      caption: 'Time to restore',
      title: `Time to restore per week: ${name}`,
      description:
        'Median and 95th percentile of the times from a failure to the next success of its group, by the week the success came.',
      quantity: 'time to restore',
      weeks,
      kind: 'lines',
      scale: scaleOf((w) => w.timeToRestore),
      series: quantiles('restore', (w) => w.timeToRestore),
    },
    {
      id: `${id}-lead`,
      caption: 'Lead time',
      title: `Lead time per week: ${name}`,
      description:
        'Median and 95th percentile of the times from the registration of a revision to the success of the deployment that shipped it.',
      quantity: 'lead time',
      weeks,
      kind: 'lines',
      scale: scaleOf((w) => w.leadTime),
      series: quantiles(
        'lead',
        (w) => w.leadTime,
        (w) => (w.leadTime.unknown > 0 ? `; ${w.leadTime.unknown} unknown` : ''),
      ),
    },
  ];
};

/** The headline numbers of a section. */
const figuresOf = (c: Counts): string => {
  const figure = (label: string, value: string, detail: string) =>
    `<div class="figure"><dt>${label}</dt><dd><strong>${escapeHtml(value)}</strong> <span>${escapeHtml(detail)}</span></dd></div>`;
  return [
    '<dl class="figures">',
    figure(
      'Deployments',
      c.deployments.toLocaleString('en-US'),
      c.deploymentsPerWeek === null ? '' : `${c.deploymentsPerWeek.toFixed(1)} per week`,
    ),
    figure(
      'Change failure rate',
      formatRate(c.changeFailureRate),
      `${count(c.failures)} failed, ${count(c.stops)} stopped, ${count(c.rollbacks)} rolled back`,
    ),
    figure(
      'Duration',
      formatDuration(c.duration.medianMs),
      c.duration.count > 0 ? `median; p95 ${formatDuration(c.duration.p95Ms)}` : 'none measured',
    ),
    figure(
      'Time to restore',
      formatDuration(c.timeToRestore.medianMs),
      `${c.timeToRestore.count > 0 ? `median of ${plural(c.timeToRestore.count, 'restore')}` : 'no restore'}; ${count(c.timeToRestore.unrestored)} unrestored`,
    ),
    figure(
      'Lead time',
      formatDuration(c.leadTime.medianMs),
      `${c.leadTime.count > 0 ? `median; p95 ${formatDuration(c.leadTime.p95Ms)}; ` : ''}${count(c.leadTime.unknown)} unknown`,
    ),
    '</dl>',
  ].join('');
};

/** How to read the charts, in the cell the five charts leave free. */
const aboutOf = (c: Counts): string =>
  [
    '<aside class="about"><h3>Reading these charts</h3>',
    '<p>Weeks are ISO weeks in UTC, Monday to Sunday. A deployment counts in the week it ended; a restore in the week of the success that ended it. Rollbacks restore, so they are not counted as deployments.</p>',
    '<p>Lead time runs from the registration of the revision in CodeDeploy to the success of the deployment that shipped it: the time a registered change waited and deployed, not the time from commit. ',
    `${escapeHtml(plural(c.leadTime.unknown, 'successful deployment'))} had no registered revision (inline AppSpec, Lambda, ECS): unknown, never guessed.</p>`,
    '<p>Point at a bar or a point for its week’s numbers.</p></aside>',
  ].join('');

/** The deployments the report spans and what it read, for people. */
const describeWindow = (report: MetricsReport): string => {
  const minute = (iso: string) => `${iso.slice(0, 10)} ${iso.slice(11, 16)}`;
  const span = report.firstEventTime
    ? `${plural(report.overall.deployments, 'deployment')} from ${minute(report.firstEventTime)} to ${minute(report.lastEventTime!)} UTC`
    : 'no deployments';
  return `${span}; ${plural(report.records, 'record')} read, ${plural(report.duplicates, 'duplicate')} ignored.`;
};

const STYLE = `
:root { color-scheme: light; --ink: #1f2328; --muted: #59636e; --line: #d1d9e0; }
* { box-sizing: border-box; }
body { margin: 0 auto; max-width: 1360px; padding: 12px 20px 32px; font: 14px/1.4 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; color: var(--ink); background: #fff; }
header { display: flex; flex-wrap: wrap; align-items: baseline; gap: 4px 24px; }
h1 { font-size: 20px; margin: 0; }
h2 { font-size: 16px; margin: 12px 0 6px; }
.meta { color: var(--muted); margin: 0; flex: 1 1 400px; }
.controls { margin-left: auto; }
.controls[hidden] { display: none; }
select { font: inherit; padding: 2px 4px; max-width: 28em; }
.figures { display: grid; grid-template-columns: repeat(auto-fit, minmax(190px, 1fr)); gap: 6px 16px; margin: 0 0 8px; }
.figure { border-left: 3px solid var(--line); padding-left: 8px; }
.figure dt { color: var(--muted); font-size: 12px; }
.figure dd { margin: 0; }
.figure strong { font-size: 18px; }
.figure span { color: var(--muted); font-size: 12px; }
.charts { display: grid; grid-template-columns: repeat(auto-fill, minmax(360px, 1fr)); gap: 4px 20px; }
figure { margin: 0; }
figcaption { font-weight: 600; margin: 6px 0 0; }
.about { color: var(--muted); font-size: 12px; align-self: center; border-left: 3px solid var(--line); padding-left: 10px; }
.about h3 { font-size: 13px; margin: 0 0 4px; color: var(--ink); }
.about p { margin: 0 0 6px; }
svg.chart { width: 100%; height: auto; display: block; font-size: 10.5px; }
.axis line { stroke: var(--line); stroke-width: 1; }
.axis text, .legend text { fill: var(--muted); }
.axis-label { fill: var(--ink) !important; }
.no-data { fill: var(--muted); font-style: italic; }
.table { overflow-x: auto; margin-top: 16px; }
table { border-collapse: collapse; font-size: 12px; font-variant-numeric: tabular-nums; }
th, td { padding: 3px 6px; border-bottom: 1px solid var(--line); white-space: nowrap; text-align: right; }
th { white-space: normal; vertical-align: bottom; }
th:nth-child(-n+2), td:nth-child(-n+2) { text-align: left; }
thead th { border-bottom: 2px solid var(--ink); }
tfoot td { font-weight: 600; border-top: 2px solid var(--ink); }
.notes { color: var(--muted); font-size: 12px; }
.notes p { margin: 2px 0; }
@media print {
  body { max-width: none; padding: 0; font-size: 11px; }
  .controls { display: none !important; }
  .charts { grid-template-columns: 1fr; }
  .about { display: none; }
  figure, .figures, tr { break-inside: avoid; }
  .table { overflow: visible; }
}
`;

// Shows the section the selector names; without JavaScript every section stays shown, one after another.
const SCRIPT = `
const select = document.getElementById('scope');
const sections = document.querySelectorAll('section.scope');
const show = () => { for (const section of sections) section.hidden = section.id !== select.value; };
select.addEventListener('change', show);
document.querySelector('.controls').hidden = false;
show();
`;

const hashOf = (text: string) => `'sha256-${createHash('sha256').update(text).digest('base64')}'`;

// Nothing may be loaded: no scripts, styles, images, fonts or connections other than the two inline
// blocks, named by their hashes.
const POLICY = `default-src 'none'; style-src ${hashOf(STYLE)}; script-src ${hashOf(SCRIPT)}; base-uri 'none'; form-action 'none'`;

/** The report as one HTML page that needs nothing else (pure). */
export const formatHtmlReport = (report: MetricsReport, source: ReportSource): string => {
  const weeks = weekRange(report.overall.weeks);
  const scopes = [
    {
      id: 'scope-all',
      option: 'All',
      heading: 'All deployment groups',
      name: 'all deployment groups',
      counts: report.overall,
    },
    ...report.applications.map((a, i) => ({
      id: `scope-app-${i}`,
      option: a.application,
      heading: `Application ${a.application}`,
      name: `application ${a.application}`,
      counts: a as Counts,
    })),
    ...report.groups.map((g, i) => ({
      id: `scope-group-${i}`,
      option: `${g.application} / ${g.deploymentGroup}`,
      heading: `${g.application} / ${g.deploymentGroup}`,
      name: `${g.application} / ${g.deploymentGroup}`,
      counts: g as Counts,
    })),
  ];
  const option = (s: (typeof scopes)[number]) => `<option value="${s.id}">${escapeHtml(s.option)}</option>`;
  const selector = [
    '<form class="controls" hidden><label for="scope">Show </label><select id="scope">',
    option(scopes[0]!),
    `<optgroup label="Applications">${scopes
      .filter((s) => s.id.startsWith('scope-app-'))
      .map(option)
      .join('')}</optgroup>`,
    `<optgroup label="Deployment groups">${scopes
      .filter((s) => s.id.startsWith('scope-group-'))
      .map(option)
      .join('')}</optgroup>`,
    '</select></form>',
  ].join('');
  const sections = scopes.map((s) =>
    [
      `<section class="scope" id="${s.id}" aria-labelledby="${s.id}-heading">`,
      `<h2 id="${s.id}-heading">${escapeHtml(s.heading)}</h2>`,
      figuresOf(s.counts),
      '<div class="charts">',
      ...chartsOf(s.id, s.name, s.counts, weeks).map(
        (chart) => `<figure><figcaption>${chart.caption}</figcaption>${svgChart(chart)}</figure>`,
      ),
      aboutOf(s.counts),
      '</div></section>',
    ].join(''),
  );
  const { groups, total } = tableRows(report);
  const cells = (tag: string, row: readonly string[]) =>
    `<tr>${row.map((c) => `<${tag}>${escapeHtml(c)}</${tag}>`).join('')}</tr>`;
  const skipped =
    source.unreadable + source.unsupported > 0
      ? ` Skipped ${source.unreadable} unreadable record(s) and ${source.unsupported} of an unsupported schema version.`
      : '';
  return [
    '<!doctype html>',
    '<html lang="en"><head><meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="${POLICY}">`,
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    '<title>Deployment report</title>',
    `<style>${STYLE}</style>`,
    '</head><body>',
    '<header><h1>Deployment report</h1>',
    `<p class="meta">From ${escapeHtml(source.description)}: ${escapeHtml(describeWindow(report))}${escapeHtml(skipped)}</p>`,
    selector,
    '</header>',
    '<main>',
    ...sections,
    '<section class="table" aria-labelledby="table-heading"><h2 id="table-heading">All groups</h2><table>',
    `<thead>${cells('th', TABLE_HEADER)}</thead>`,
    `<tbody>${groups.map((row) => cells('td', row)).join('')}</tbody>`,
    `<tfoot>${cells('td', total)}</tfoot>`,
    '</table>',
    `<div class="notes">${TABLE_NOTES.map((note) => `<p>${escapeHtml(note)}</p>`).join('')}</div>`,
    '</section></main>',
    `<script>${SCRIPT}</script>`,
    '</body></html>',
    '',
  ].join('\n');
};
