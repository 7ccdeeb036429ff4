/**
 * Weekly charts as inline SVG (pure): stacked bars and lines with a point per week. Drawn here rather
 * than by a charting library: no dependency, a small page, vector marks that print crisply, and a
 * page that needs no JavaScript to show them.
 */

/** Text for HTML and SVG: the five characters that could end a text or an attribute are escaped. */
export const escapeHtml = (text: string): string =>
  text.replace(/[&<>"']/g, (c) => `&${{ '&': 'amp', '<': 'lt', '>': 'gt', '"': 'quot', "'": '#39' }[c]};`);

/** One value of a series in one week, and what a reader is told when pointing at it. */
export interface Point {
  week: string;
  value: number;
  note: string;
}

/** One series of a chart; `key` names it in the page (`data-series`). */
export interface Series {
  key: string;
  label: string;
  colour: string;
  dashed?: boolean;
  points: Point[];
}

/** How values are shown on the vertical axis: in `unit`, each value divided by `per`. */
export interface ValueScale {
  unit: string;
  per: number;
  /** The axis never goes higher than this (in units), e.g. 100 for a percentage. */
  atMost?: number;
  /** Counts: ticks are whole numbers. */
  whole?: boolean;
}

/** A chart over every week of the report, oldest first. */
export interface ChartSpec {
  /** Unique in the page: names the chart's title and description for assistive technology. */
  id: string;
  title: string;
  description: string;
  /** What the vertical axis measures; the unit is added. */
  quantity: string;
  /** ISO week labels, every week from the first to the last, oldest first. */
  weeks: readonly string[];
  kind: 'stacked-bars' | 'lines';
  scale: ValueScale;
  series: Series[];
}

const DURATION_UNITS = [
  { unit: 'seconds', per: 1_000, below: 120_000 },
  { unit: 'minutes', per: 60_000, below: 2 * 3_600_000 },
  { unit: 'hours', per: 3_600_000, below: 2 * 86_400_000 },
  { unit: 'days', per: 86_400_000, below: Infinity },
] as const;

/** The unit in which durations up to `maxMs` read best: never more than two digits of the next unit. */
export const durationScale = (maxMs: number): ValueScale => {
  const { unit, per } = DURATION_UNITS.find((u) => maxMs < u.below)!;
  return { unit, per };
};

// The drawing area, in SVG user units; the page scales the whole chart to the width it has.
const WIDTH = 420;
const HEIGHT = 210;
const LEFT = 46;
const RIGHT = 10;
const TOP = 26;
const BOTTOM = 44;
const PLOT_WIDTH = WIDTH - LEFT - RIGHT;
const PLOT_HEIGHT = HEIGHT - TOP - BOTTOM;

/** A number for an SVG attribute: one decimal at most, so a long history stays a small page. */
const n = (value: number): string => String(Math.round(value * 10) / 10);

/** A round step for about five ticks from 0 to `max`: 1, 2 or 5 times a power of ten; whole if asked. */
const tickStep = (max: number, whole: boolean): number => {
  const rough = max / 5;
  const power = 10 ** Math.floor(Math.log10(rough));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= rough)!;
  return whole ? Math.max(1, step) : step;
};

const formatTick = (value: number): string => String(Number(value.toPrecision(6)));

/** The top of the vertical axis and the step between its ticks, for values up to `max`. */
const axisTop = (max: number, scale: ValueScale): { top: number; step: number } => {
  if (max <= 0) return { top: 1, step: scale.whole ? 1 : 0.5 };
  const step = tickStep(max, scale.whole ?? false);
  const top = Math.ceil(max / step) * step;
  if (scale.atMost === undefined || top <= scale.atMost) return { top, step };
  return { top: scale.atMost, step: tickStep(scale.atMost, scale.whole ?? false) };
};

/** One chart as an `<svg>` element, its marks grouped by series, one mark per week with a value. */
export const svgChart = (spec: ChartSpec): string => {
  const { weeks, scale } = spec;
  const position = new Map(weeks.map((week, i) => [week, i]));
  const band = PLOT_WIDTH / Math.max(1, weeks.length);
  const centre = (week: string) => LEFT + (position.get(week)! + 0.5) * band;
  const totals = new Map<string, number>();
  let max = 0;
  for (const series of spec.series) {
    for (const point of series.points) {
      const value = point.value / scale.per;
      if (spec.kind === 'stacked-bars') {
        const total = (totals.get(point.week) ?? 0) + value;
        totals.set(point.week, total);
        max = Math.max(max, total);
      } else max = Math.max(max, value);
    }
  }
  const { top, step } = axisTop(max, scale);
  const y = (value: number) => TOP + PLOT_HEIGHT - (Math.min(value, top) / top) * PLOT_HEIGHT;

  const out: string[] = [];
  out.push(
    `<svg class="chart" viewBox="0 0 ${WIDTH} ${HEIGHT}" role="img" aria-labelledby="${spec.id}-title ${spec.id}-desc">`,
    `<title id="${spec.id}-title">${escapeHtml(spec.title)}</title>`,
    `<desc id="${spec.id}-desc">${escapeHtml(spec.description)}</desc>`,
  );

  // Grid and vertical axis.
  out.push('<g class="axis y-axis">');
  for (let tick = 0; tick <= top + step / 1e6; tick += step) {
    const at = n(y(tick));
    out.push(
      `<line x1="${LEFT}" x2="${WIDTH - RIGHT}" y1="${at}" y2="${at}"/>`,
      `<text x="${LEFT - 4}" y="${at}" dy="0.32em" text-anchor="end">${formatTick(tick)}</text>`,
    );
  }
  out.push(
    `<text class="axis-label" transform="translate(11 ${n(TOP + PLOT_HEIGHT / 2)}) rotate(-90)" text-anchor="middle">${escapeHtml(`${spec.quantity} (${scale.unit})`)}</text>`,
    '</g>',
  );

  // Horizontal axis: at most about six week labels, evenly spaced.
  const every = Math.max(1, Math.ceil(weeks.length / 6));
  out.push(
    `<g class="axis x-axis"><line x1="${LEFT}" x2="${WIDTH - RIGHT}" y1="${TOP + PLOT_HEIGHT}" y2="${TOP + PLOT_HEIGHT}"/>`,
  );
  weeks.forEach((week, i) => {
    if (i % every === 0)
      out.push(
        `<text x="${n(centre(week))}" y="${TOP + PLOT_HEIGHT + 14}" text-anchor="middle">${escapeHtml(week)}</text>`,
      );
  });
  out.push(
    `<text class="axis-label" x="${n(LEFT + PLOT_WIDTH / 2)}" y="${HEIGHT - 6}" text-anchor="middle">ISO week (UTC, Monday to Sunday)</text>`,
    '</g>',
  );

  // Legend, above the plot.
  let legendX = LEFT;
  out.push('<g class="legend">');
  for (const series of spec.series) {
    const swatch =
      spec.kind === 'stacked-bars'
        ? `<rect x="${legendX}" y="8" width="10" height="10" fill="${series.colour}"/>`
        : `<line x1="${legendX}" x2="${legendX + 14}" y1="13" y2="13" stroke="${series.colour}" stroke-width="2"${series.dashed ? ' stroke-dasharray="4 3"' : ''}/>`;
    out.push(swatch, `<text x="${legendX + 18}" y="13" dy="0.32em">${escapeHtml(series.label)}</text>`);
    legendX += 18 + series.label.length * 6.2 + 14;
  }
  out.push('</g>');

  // Marks.
  // Bars of a short history stay bars, not blocks.
  const barWidth = n(Math.min(36, Math.max(band * 0.7, 0.3)));
  const radius = n(Math.min(3, Math.max(1, band * 0.3)));
  const stacked = new Map<string, number>();
  for (const series of spec.series) {
    out.push(`<g class="series" data-series="${escapeHtml(series.key)}" fill="${series.colour}">`);
    if (spec.kind === 'lines' && series.points.length > 1) {
      // One path, broken where a week has no value: a line never invents the weeks in between.
      let d = '';
      let previous = -2;
      for (const point of series.points) {
        const i = position.get(point.week)!;
        d += `${i === previous + 1 ? 'L' : 'M'}${n(centre(point.week))} ${n(y(point.value / scale.per))}`;
        previous = i;
      }
      out.push(
        `<path d="${d}" fill="none" stroke="${series.colour}" stroke-width="1.5"${series.dashed ? ' stroke-dasharray="4 3"' : ''}/>`,
      );
    }
    for (const point of series.points) {
      const value = point.value / scale.per;
      const title = `<title>${escapeHtml(`${point.week}: ${point.note}`)}</title>`;
      if (spec.kind === 'stacked-bars') {
        const base = stacked.get(point.week) ?? 0;
        stacked.set(point.week, base + value);
        const x = centre(point.week) - Number(barWidth) / 2;
        out.push(
          `<rect data-week="${point.week}" x="${n(x)}" y="${n(y(base + value))}" width="${barWidth}" height="${n(y(base) - y(base + value))}">${title}</rect>`,
        );
      } else {
        out.push(
          `<circle data-week="${point.week}" cx="${n(centre(point.week))}" cy="${n(y(value))}" r="${radius}">${title}</circle>`,
        );
      }
    }
    out.push('</g>');
  }
  if (spec.series.every((s) => s.points.length === 0))
    out.push(
      `<text class="no-data" x="${n(LEFT + PLOT_WIDTH / 2)}" y="${n(TOP + PLOT_HEIGHT / 2)}" text-anchor="middle">no data in these weeks</text>`,
    );
  out.push('</svg>');
  return out.join('');
};
