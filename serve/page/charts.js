// The cost and success charts. uPlot (served from the executable as
// /assets/uplot.js, its minified browser build) defines the global `uPlot`.

/** @type {any} */
const uPlot = /** @type {any} */ (globalThis).uPlot;

/** One colour per agent, in fleet order. */
const PALETTE = [
  "#4f7df3",
  "#e8833a",
  "#3bb273",
  "#d64b6e",
  "#8e6bd8",
  "#1fb5c4",
  "#c9a227",
  "#7a8ba6",
  "#e05fd0",
  "#5c9e3a",
];

/**
 * @typedef {{days: string[], agents: Record<string, {firings: number[], successes: number[], worked: number[], success_rate: (number|null)[], cost_usd: number[]}>}} Daily
 */

/**
 * Draws the stacked daily cost per agent.
 * @param {HTMLElement} target The chart's container.
 * @param {Daily} daily The series.
 * @param {string[]} agents The agents to draw (those with firings).
 * @returns {uPlot}
 */
export function costChart(target, daily, agents) {
  const xs = daily.days.map((day) => Date.parse(`${day}T12:00:00Z`) / 1_000);
  // Stacked bars: each series is the running total up to it, drawn back to front.
  /** @type {number[][]} */
  const stacked = [];
  let running = daily.days.map(() => 0);
  for (const agent of agents) {
    running = running.map((sum, i) => sum + daily.agents[agent].cost_usd[i]);
    stacked.push(running);
  }
  const order = agents.map((_, i) => i).reverse();
  const bars = uPlot.paths.bars?.({ size: [0.7, 48], align: 0 });
  const series = order.map((i) => ({
    label: agents[i],
    stroke: PALETTE[i % PALETTE.length],
    fill: PALETTE[i % PALETTE.length],
    paths: bars,
    points: { show: false },
    /** @param {uPlot} _u @param {number | null} _v @param {number} _s @param {number | null} idx */
    value: (_u, _v, _s, idx) => {
      const costs = daily.agents[agents[i]].cost_usd;
      // Not hovering a day: the whole window's total.
      return idx === null
        ? `$${costs.reduce((sum, cost) => sum + cost, 0).toFixed(2)}`
        : `$${costs[idx].toFixed(2)}`;
    },
  }));
  return new uPlot(
    {
      ...base(target),
      series: [{ label: "Day", value: dayLabel }, ...series],
      axes: axes((value) => `$${value.toFixed(2)}`),
    },
    [xs, ...order.map((i) => stacked[i])],
    target,
  );
}

/**
 * Draws one agent's daily firings, stacked: succeeded, failed, and did
 * nothing (idle, silent), so its success shows day by day.
 * @param {HTMLElement} target The chart's container.
 * @param {Daily} daily The series.
 * @param {string} agent The agent.
 * @returns {uPlot}
 */
export function outcomeChart(target, daily, agent) {
  const xs = daily.days.map((day) => Date.parse(`${day}T12:00:00Z`) / 1_000);
  const mine = daily.agents[agent];
  const ok = mine.successes;
  const failed = mine.worked.map((worked, i) => worked - ok[i]);
  const idle = mine.firings.map((firings, i) => firings - mine.worked[i]);
  const bars = uPlot.paths.bars?.({ size: [0.7, 32], align: 0 });
  const layers = [
    ["did nothing", "#c3cad8", idle],
    ["failed", "#d64b6e", failed],
    ["succeeded", "#3bb273", ok],
  ];
  // Stacked: each drawn series is the running total of the layers under it.
  const totals = layers.map((_, i) =>
    daily.days.map((_, day) =>
      layers.slice(i).reduce((sum, layer) => sum + /** @type {number[]} */ (layer[2])[day], 0)
    )
  );
  return new uPlot(
    {
      ...base(target),
      height: 130,
      legend: { show: false },
      series: [
        {},
        ...layers.map(([label, color]) => ({
          label: String(label),
          stroke: String(color),
          fill: String(color),
          paths: bars,
          points: { show: false },
        })),
      ],
      axes: axes((value) => Number.isInteger(value) ? String(value) : ""),
    },
    [xs, ...totals],
    target,
  );
}

/**
 * The chart options every chart shares.
 * @param {HTMLElement} target
 */
function base(target) {
  return {
    width: Math.max(280, target.clientWidth),
    height: target.clientWidth < 500 ? 200 : 240,
    legend: { live: true },
    cursor: { points: { size: 6 } },
    scales: {
      x: {
        time: true,
        // Half a day either side, so the first and last bars are whole.
        range: (
          /** @type {uPlot} */ _u,
          /** @type {number} */ min,
          /** @type {number} */ max,
        ) => [min - 43_200, max + 43_200],
      },
      // Bars stand on zero.
      y: {
        range: (
          /** @type {uPlot} */ _u,
          /** @type {number} */ _min,
          /** @type {number} */ max,
        ) => [0, max > 0 ? max * 1.1 : 1],
      },
    },
  };
}

/** @param {(value: number) => string} format */
function axes(format) {
  const grid = { stroke: "rgba(127,127,127,0.15)", width: 1 };
  return [
    {
      grid,
      stroke: "#8a94a6",
      // One tick a day at most.
      incrs: [86_400, 2 * 86_400, 7 * 86_400],
      /** @param {uPlot} _u @param {number[]} splits */
      values: (_u, splits) =>
        splits.map((s) =>
          new Date(s * 1_000).toLocaleDateString(undefined, { month: "short", day: "numeric" })
        ),
    },
    {
      grid,
      stroke: "#8a94a6",
      size: 56,
      /** @param {uPlot} _u @param {number[]} splits */
      values: (_u, splits) => splits.map(format),
    },
  ];
}

/** @param {uPlot} _u @param {number | null} value */
function dayLabel(_u, value) {
  return value === null ? "all days" : new Date(value * 1_000).toLocaleDateString(undefined, {
    weekday: "short",
    month: "short",
    day: "numeric",
  });
}

/**
 * Keeps a chart as wide as its container.
 * @param {uPlot} chart
 * @param {HTMLElement} target
 */
export function fitWidth(chart, target) {
  const observer = new ResizeObserver(() => {
    chart.setSize({ width: Math.max(280, target.clientWidth), height: chart.height });
  });
  observer.observe(target);
}
