import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StateRecord } from '../../lib/stream/record.js';
import { runMetricsCli } from '../../tools/metrics.js';
import { generateRecords } from '../../tools/metrics/generate.js';
import { computeMetrics, type WeekMetrics } from '../../tools/metrics/metrics.js';

/**
 * The HTML report in a real browser: Debian's Chromium, headless, driven by playwright-core. The page
 * is the one `npm run metrics -- --file F --html P` writes, opened from its file.
 */

const ROOT = join(import.meta.dirname, '..', '..');
const CHROMIUM = '/usr/bin/chromium';
const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const NASTY = `<script>alert(1)</script> & "x"`;

// About twelve weeks of four groups, with lead times, as the README's screenshot shows.
const HISTORY = generateRecords({ count: 6_000, seed: 20, leadTime: true });

let dir: string;
let launched: Promise<BrowserContext> | undefined;

/**
 * The browser, started by the first test that needs it. Each test asks for it, so that without
 * Chromium every test fails saying why, rather than being skipped.
 */
const browser = (): Promise<BrowserContext> => {
  if (!existsSync(CHROMIUM))
    throw new Error(
      `Chromium is not installed at ${CHROMIUM}: this test needs Debian's chromium package ` +
        '(apt-get install --no-install-recommends chromium; .ci/run installs it).',
    );
  launched ??= (async () => {
    const context = await chromium.launchPersistentContext(join(dir, 'profile'), {
      executablePath: CHROMIUM,
      headless: true,
      args: ARGS,
      viewport: { width: 1200, height: 760 },
    });
    // Anything but a file of the test's own folder would be a request the page must never make.
    await context.route('**/*', (route) =>
      route.request().url().startsWith(pathToFileURL(dir).href) ? route.continue() : route.abort(),
    );
    return context;
  })();
  return launched;
};

/** Writes the records as JSON lines and the report of them through the command; returns its URL. */
const writeReport = async (name: string, records: StateRecord[]): Promise<string> => {
  const file = join(dir, `${name}.jsonl`);
  writeFileSync(file, records.map((r) => JSON.stringify(r)).join('\n'));
  const page = join(dir, `${name}.html`);
  const quiet = { stdout: () => {}, stderr: () => {} };
  expect(await runMetricsCli(['--file', file, '--html', page], quiet)).toBe(0);
  return pathToFileURL(page).href;
};

/** A page that records every request, console error, page error and dialog it causes. */
const open = async (url: string) => {
  const page = await (await browser()).newPage();
  const seen = { requests: [] as string[], errors: [] as string[], dialogs: [] as string[] };
  page.on('request', (request) => seen.requests.push(request.url()));
  page.on('console', (message) => {
    if (message.type() === 'error') seen.errors.push(message.text());
  });
  page.on('pageerror', (error) => seen.errors.push(error.message));
  page.on('dialog', (dialog) => {
    seen.dialogs.push(dialog.message());
    void dialog.dismiss();
  });
  await page.goto(url, { waitUntil: 'load' });
  return { page, seen };
};

/** Per chart and series of the section shown: how many marks the browser laid out with a size. */
const drawnMarks = (page: Page, section: string) =>
  page.$$eval(`#${section} [data-series]`, (groups) =>
    groups.map((group) => ({
      series: group.getAttribute('data-series'),
      marks: [...group.querySelectorAll('[data-week]')].filter((mark) => {
        const box = mark.getBoundingClientRect();
        return box.width > 0 && box.height > 0;
      }).length,
    })),
  );

/** The marks each series should have: one per week with a value. */
const expectedMarks = (weeks: WeekMetrics[]) => {
  const count = (has: (w: WeekMetrics) => boolean) => weeks.filter(has).length;
  return [
    { series: 'successes', marks: count((w) => w.successes > 0) },
    { series: 'failures', marks: count((w) => w.failures > 0) },
    { series: 'stops', marks: count((w) => w.stops > 0) },
    { series: 'change-failure-rate', marks: count((w) => w.deployments > 0) },
    { series: 'duration-median', marks: count((w) => w.duration.count > 0) },
    { series: 'duration-p95', marks: count((w) => w.duration.count > 0) },
    { series: 'restore-median', marks: count((w) => w.timeToRestore.count > 0) },
    { series: 'restore-p95', marks: count((w) => w.timeToRestore.count > 0) },
    { series: 'lead-median', marks: count((w) => w.leadTime.count > 0) },
    { series: 'lead-p95', marks: count((w) => w.leadTime.count > 0) },
  ];
};

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'report-browser-'));
});

afterAll(async () => {
  await (await launched?.catch(() => undefined))?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('the HTML report in Chromium', () => {
  it('draws every series of every chart, requests nothing but itself, and logs no error', async () => {
    const report = computeMetrics(HISTORY);
    const url = await writeReport('history', HISTORY);
    const { page, seen } = await open(url);

    expect(await page.locator('#scope-all').isVisible()).toBe(true);
    expect(await page.locator('section.scope:visible').count()).toBe(1);
    const drawn = await drawnMarks(page, 'scope-all');
    expect(drawn).toEqual(expectedMarks(report.overall.weeks));
    for (const { marks } of drawn) expect(marks).toBeGreaterThan(0);
    expect(await page.locator('#scope-all svg[role="img"] > title').count()).toBe(5);

    // The README's picture of the report: the first screen.
    mkdirSync(join(ROOT, 'docs'), { recursive: true });
    await page.screenshot({ path: join(ROOT, 'docs', 'report.png') });

    expect(seen.requests).toEqual([url]);
    expect(seen.errors).toEqual([]);
    expect(seen.dialogs).toEqual([]);
    await page.close();
  });

  it('shows another group’s charts when the selector names it', async () => {
    const report = computeMetrics(HISTORY);
    const { page, seen } = await open(await writeReport('history', HISTORY));
    const index = report.groups.findIndex((g) => g.deploymentGroup === 'payments-prod');
    const group = report.groups[index]!;

    await page.selectOption('#scope', { label: `${group.application} / ${group.deploymentGroup}` });

    expect(await page.locator('#scope-all').isVisible()).toBe(false);
    expect(await page.locator(`#scope-group-${index}`).isVisible()).toBe(true);
    expect(await page.locator(`#scope-group-${index} h2`).textContent()).toBe('payments / payments-prod');
    expect(await drawnMarks(page, `scope-group-${index}`)).toEqual(expectedMarks(group.weeks));
    // A group deploys less often than all of them: its bars are another picture.
    const bars = (section: string) => page.locator(`#${section} [data-series="successes"] [data-week]`).count();
    expect(await bars(`scope-group-${index}`)).toBeLessThanOrEqual(await bars('scope-all'));
    expect(seen.errors).toEqual([]);
    await page.close();
  });

  it('prints the section shown, one chart under another, without the selector', async () => {
    const { page } = await open(await writeReport('history', HISTORY));
    await page.emulateMedia({ media: 'print' });
    expect(await page.locator('#scope').isVisible()).toBe(false);
    const lefts = await page.$$eval('#scope-all figure', (figures) =>
      figures.map((figure) => figure.getBoundingClientRect().left),
    );
    expect(new Set(lefts).size).toBe(1);
    await page.close();
  });

  it('shows names from the data as text: a name that looks like a script runs nothing', async () => {
    const records = generateRecords({ count: 300, seed: 4 }).map((r) =>
      r.deploymentGroup === 'checkout-prod' ? { ...r, deploymentGroup: NASTY } : r,
    );
    const { page, seen } = await open(await writeReport('names', records));
    const report = computeMetrics(records);
    const index = report.groups.findIndex((g) => g.deploymentGroup === NASTY);

    await page.selectOption('#scope', { label: `checkout / ${NASTY}` });

    expect(await page.locator(`#scope-group-${index} h2`).textContent()).toBe(`checkout / ${NASTY}`);
    expect(await page.locator(`#scope-group-${index} svg title`).first().textContent()).toContain(NASTY);
    expect(await page.locator('td', { hasText: NASTY }).count()).toBe(1);
    expect(await page.locator('script').count()).toBe(1);
    expect(seen.dialogs).toEqual([]);
    expect(seen.errors).toEqual([]);
    await page.close();
  });
});
