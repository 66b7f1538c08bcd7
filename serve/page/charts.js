// The cost and success charts (uPlot, served from the executable).

import uPlot from "./uplot.js";

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
    value: (_u, _v, _s, idx) =>
      idx === null ? "—" : `$${daily.agents[agents[i]].cost_usd[idx].toFixed(2)}`,
  }));
  return new uPlot(
    {
      ...base(target, "US$"),
      series: [{ value: dayLabel }, ...series],
      axes: axes((value) => `$${value.toFixed(2)}`),
    },
    [xs, ...order.map((i) => stacked[i])],
    target,
  );
}

/**
 * Draws each agent's daily success rate.
 * @param {HTMLElement} target The chart's container.
 * @param {Daily} daily The series.
 * @param {string[]} agents The agents to draw (those that did work).
 * @returns {uPlot}
 */
export function successChart(target, daily, agents) {
  const xs = daily.days.map((day) => Date.parse(`${day}T12:00:00Z`) / 1_000);
  const series = agents.map((agent) => {
    const i = Object.keys(daily.agents).indexOf(agent);
    return {
      label: agent,
      stroke: PALETTE[i % PALETTE.length],
      width: 2,
      spanGaps: true,
      points: { size: 6 },
      /** @param {uPlot} _u @param {number | null} v */
      value: (_u, v) => v === null ? "—" : `${Math.round(v)}%`,
    };
  });
  return new uPlot(
    {
      ...base(target, "%"),
      scales: { x: { time: true }, y: { range: [0, 100] } },
      series: [{ value: dayLabel }, ...series],
      axes: axes((value) => `${value}%`),
    },
    [
      xs,
      ...agents.map((agent) =>
        daily.agents[agent].success_rate.map((rate) => rate === null ? null : rate * 100)
      ),
    ],
    target,
  );
}

/**
 * The chart options every chart shares.
 * @param {HTMLElement} target
 * @param {string} unit
 */
function base(target, unit) {
  return {
    width: Math.max(280, target.clientWidth),
    height: target.clientWidth < 500 ? 200 : 240,
    legend: { live: true },
    cursor: { points: { size: 6 } },
    scales: { x: { time: true } },
    title: undefined,
    unit,
  };
}

/** @param {(value: number) => string} format */
function axes(format) {
  const grid = { stroke: "rgba(127,127,127,0.15)", width: 1 };
  return [
    {
      grid,
      stroke: "#8a94a6",
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
  return value === null ? "—" : new Date(value * 1_000).toLocaleDateString(undefined, {
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
