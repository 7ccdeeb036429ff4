import { describe, expect, it } from 'vitest';
import type { RecordEnrichment, StateRecord } from '../../../lib/stream/record.js';
import { durationScale, escapeHtml, svgChart } from '../../../tools/metrics/charts.js';
import { generateRecords } from '../../../tools/metrics/generate.js';
import { computeMetrics } from '../../../tools/metrics/metrics.js';
import { formatHtmlReport } from '../../../tools/metrics/report.js';

const SOURCE = { description: 'file records.jsonl', unreadable: 0, unsupported: 0 };
const NASTY = `<script>alert(1)</script> & "x"`;

const dep = (id: string, state: string, time: string, group: string, enrichment?: RecordEnrichment): StateRecord => ({
  schemaVersion: 1,
  eventId: `${id}-${state}`,
  eventTime: time,
  kind: 'deployment',
  application: 'shop',
  deploymentGroup: group,
  deploymentId: id,
  state,
  ...(enrichment ? { enrichment } : {}),
});

const HISTORY = generateRecords({ count: 2_000, seed: 3, leadTime: true });
const page = formatHtmlReport(computeMetrics(HISTORY), SOURCE);

/** The opening tags of the elements named, with their attributes. */
const tags = (html: string, name: string) => html.match(new RegExp(`<${name}\\b[^>]*>`, 'g')) ?? [];

/** The marks of one series in one section: one per week that has a value. */
const marks = (html: string, section: string, series: string): string[] => {
  const start = html.indexOf(`<section class="scope" id="${section}"`);
  const body = html.slice(start, html.indexOf('</section>', start));
  const group = body.match(new RegExp(`<g class="series" data-series="${series}"[^>]*>(.*?)</g>`))?.[1] ?? '';
  return group.match(/<(rect|circle) data-week="[^"]+"/g) ?? [];
};

describe('the HTML report', () => {
  it('is one page that loads nothing from anywhere else', () => {
    expect(page.startsWith('<!doctype html>')).toBe(true);
    expect(page).not.toMatch(/https?:\/\//i);
    expect(page).not.toMatch(/\b(src|href|srcset|xlink:href|action)\s*=/i);
    expect(page).not.toMatch(/url\(|@import/i);
    // The browser is told so too: only the page's own style and script, named by their hashes, run.
    expect(page).toMatch(
      /<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'sha256-[^']+'; script-src 'sha256-[^']+'/,
    );
  });

  it('shows names from the data as text, never as markup', () => {
    const records = [
      dep('d-1', 'START', '2026-11-16T10:00:00.000Z', NASTY),
      dep('d-1', 'SUCCESS', '2026-11-16T10:05:00.000Z', NASTY),
    ].map((r) => ({ ...r, application: `a'pp<b>` }));
    const html = formatHtmlReport(computeMetrics(records), { ...SOURCE, description: 'file <evil>.jsonl' });
    expect(html).not.toContain('<script>alert');
    expect(html).not.toContain('<b>');
    expect(html).not.toContain('<evil>');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;x&quot;');
    expect(html).toContain(`<h2 id="scope-app-0-heading">Application a&#39;pp&lt;b&gt;</h2>`);
    expect(html).toContain(`<h2 id="scope-group-0-heading">a&#39;pp&lt;b&gt; / ${escapeHtml(NASTY)}</h2>`);
    // The page's own script is the only one.
    expect(tags(html, 'script')).toEqual(['<script>']);
  });

  it('has a section per scope: all, each application, each group, and a selector that names them', () => {
    const report = computeMetrics(HISTORY);
    const sections = tags(page, 'section').filter((t) => t.includes('class="scope"'));
    expect(sections).toHaveLength(1 + report.applications.length + report.groups.length);
    const options = page.match(/<option value="[^"]+">[^<]*<\/option>/g)!;
    expect(options.map((o) => o.replace(/<[^>]+>/g, ''))).toEqual([
      'All',
      ...report.applications.map((a) => a.application),
      ...report.groups.map((g) => `${g.application} / ${g.deploymentGroup}`),
    ]);
  });

  it('draws five charts per section, each an image with a title and axis labels with units', () => {
    const svgs = page.match(/<svg\b.*?<\/svg>/g)!;
    expect(svgs.length).toBe(5 * tags(page, 'section').filter((t) => t.includes('class="scope"')).length);
    for (const svg of svgs) {
      expect(svg).toMatch(/^<svg [^>]*role="img"/);
      expect(svg).toMatch(/<title id="[^"]+">[^<]+<\/title>/);
      expect(svg).toContain('ISO week (UTC, Monday to Sunday)');
      expect(svg).toMatch(/class="axis-label"[^>]*>[^<]+ \([^)]+\)<\/text>/);
    }
    const labels = (page.match(/class="axis-label" transform[^>]*>([^<]+)</g) ?? []).slice(0, 5);
    expect(labels.map((l) => l.replace(/.*>/, '').replace(/<$/, ''))).toEqual([
      'deployments (per week)',
      'change failure rate (%)',
      expect.stringMatching(/^duration \((seconds|minutes|hours|days)\)$/),
      expect.stringMatching(/^time to restore \((seconds|minutes|hours|days)\)$/),
      expect.stringMatching(/^lead time \((seconds|minutes|hours|days)\)$/),
    ]);
  });

  it('draws one mark per week that has a value, for every series', () => {
    const report = computeMetrics(HISTORY);
    const expected = (weeks: typeof report.overall.weeks) => ({
      successes: weeks.filter((w) => w.successes > 0).length,
      failures: weeks.filter((w) => w.failures > 0).length,
      stops: weeks.filter((w) => w.stops > 0).length,
      'change-failure-rate': weeks.filter((w) => w.deployments > 0).length,
      'duration-median': weeks.filter((w) => w.duration.count > 0).length,
      'duration-p95': weeks.filter((w) => w.duration.count > 0).length,
      'restore-median': weeks.filter((w) => w.timeToRestore.count > 0).length,
      'restore-p95': weeks.filter((w) => w.timeToRestore.count > 0).length,
      'lead-median': weeks.filter((w) => w.leadTime.count > 0).length,
      'lead-p95': weeks.filter((w) => w.leadTime.count > 0).length,
    });
    const counted = (section: string, weeks: typeof report.overall.weeks) =>
      Object.fromEntries(Object.keys(expected(weeks)).map((series) => [series, marks(page, section, series).length]));
    expect(counted('scope-all', report.overall.weeks)).toEqual(expected(report.overall.weeks));
    for (const value of Object.values(expected(report.overall.weeks))) expect(value).toBeGreaterThan(0);
    report.groups.forEach((g, i) => expect(counted(`scope-group-${i}`, g.weeks)).toEqual(expected(g.weeks)));
  });

  it('ends with the table of npm run metrics, a row per group and the total', () => {
    const report = computeMetrics(HISTORY);
    const table = page.slice(page.indexOf('<table>'), page.indexOf('</table>'));
    expect(tags(table, 'tr')).toHaveLength(report.groups.length + 2);
    expect(table).toContain('<th>median LT</th>');
    expect(table).toMatch(/<tfoot><tr><td>all<\/td>/);
  });

  it('says so when there is nothing to draw', () => {
    const html = formatHtmlReport(computeMetrics([]), SOURCE);
    expect(html).toContain('no deployments');
    expect(tags(html, 'svg')).toHaveLength(5);
  });
});

describe('charts', () => {
  const weeks = ['2026-W46', '2026-W47', '2026-W48'];
  const spec = {
    id: 'c',
    title: 'Lead time',
    description: 'test',
    quantity: 'lead time',
    weeks,
    kind: 'lines' as const,
    scale: durationScale(2 * 3_600_000),
    series: [
      {
        key: 'lead-median',
        label: 'median',
        colour: '#000',
        points: [
          { week: '2026-W46', value: 3_600_000, note: '1h' },
          { week: '2026-W48', value: 7_200_000, note: '2h' },
        ],
      },
    ],
  };

  it('breaks a line where a week has no value, instead of drawing through it', () => {
    const svg = svgChart(spec);
    expect(svg).toMatch(/<path d="M[\d.]+ [\d.]+M[\d.]+ [\d.]+"/);
    expect(svg.match(/<circle /g)).toHaveLength(2);
  });

  it('picks the unit that reads best for the longest duration', () => {
    expect([90_000, 119 * 60_000, 47 * 3_600_000, 49 * 3_600_000].map((ms) => durationScale(ms).unit)).toEqual([
      'seconds',
      'minutes',
      'hours',
      'days',
    ]);
    expect(svgChart(spec)).toContain('lead time (hours)');
  });

  it('escapes what it writes', () => {
    expect(escapeHtml(NASTY)).toBe('&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;x&quot;');
    expect(svgChart({ ...spec, title: NASTY })).toContain(`<title id="c-title">${escapeHtml(NASTY)}</title>`);
  });
});
