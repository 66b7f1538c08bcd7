// The dashboard page: the fleet, firings and a firing's phases, the claims
// board, cost and success charts; kept live by the event stream. Plain ES
// modules served by `alfred serve`, no build step.

import { actions, ApiError, call, setToken, signIn, token } from "./api.js";
import { costChart, fitWidth, outcomeChart } from "./charts.js";
import { clock, duration, h, money, outcomeClass, relative, replace } from "./dom.js";
import { followEvents } from "./stream.js";

const view = /** @type {HTMLElement} */ (document.getElementById("view"));
const banner = /** @type {HTMLElement} */ (document.getElementById("banner"));
const toasts = /** @type {HTMLElement} */ (document.getElementById("toasts"));
const liveDot = /** @type {HTMLElement} */ (document.getElementById("live"));

/** The last fleet read, and the live feed's entries (newest first). */
const state = {
  /** @type {any} */ fleet: null,
  /** @type {{at: string, received: number, text: string, kind: string, firing?: string, agent?: string}[]} */
  feed: [],
  /** @type {string} */ route: "",
  costDays: 7,
  /** @type {any} */ firingsFilter: "",
};

async function login() {
  const code = new URLSearchParams(location.hash.slice(1)).get("code") ?? "";
  replace(view, h("section.card.narrow", null, h("h2", null, "Signing in…")));
  try {
    await signIn(code);
    location.replace("/");
  } catch (error) {
    replace(view, signInCard(describe(error)));
  }
}

// ---------------------------------------------------------------- routing

async function render() {
  const [, section = "", id = ""] = (location.hash || "#/").split("/");
  state.route = section;
  for (const link of document.querySelectorAll("nav a")) {
    link.classList.toggle("active", link.getAttribute("data-route") === section);
  }
  try {
    if (section === "") renderFleet();
    else if (section === "firings" && id) await renderFiring(decodeURIComponent(id));
    else if (section === "firings") await renderFirings();
    else if (section === "claims") await renderClaims();
    else if (section === "costs") await renderCosts();
    else {replace(
        view,
        h("p.empty", null, "Nothing here. ", h("a", { href: "#/" }, "Back to the fleet")),
      );}
  } catch (error) {
    replace(view, errorCard(error));
  }
}

// ---------------------------------------------------------------- fleet

async function refreshFleet() {
  try {
    state.fleet = await call("/fleet");
    renderBanner();
    if (state.route === "") renderFleet();
  } catch (error) {
    if (state.route === "") replace(view, errorCard(error));
  }
}

function renderBanner() {
  const fleet = state.fleet;
  const items = [];
  if (fleet.block) {
    items.push(
      h(
        "div.notice.bad",
        null,
        h("strong", null, "Fleet-wide block "),
        `until ${clock(fleet.block.until)} (${relative(fleet.block.until)}): ${fleet.block.reason}`,
        h("button.small", { onclick: () => act(() => actions.clearBlock()) }, "Clear block"),
      ),
    );
  }
  if (fleet.pauses.fleet) {
    items.push(
      h(
        "div.notice.warn",
        null,
        h("strong", null, "Whole fleet paused: "),
        fleet.pauses.fleet.reason,
        fleet.pauses.fleet.until ? ` (until ${clock(fleet.pauses.fleet.until)})` : "",
      ),
    );
  }
  for (const problem of fleet.problems) items.push(h("div.notice.warn", null, problem));
  if (!token()) {
    items.push(
      h(
        "div.notice",
        null,
        "Read-only: to pause, resume or fire, open the sign-in link that ",
        h("code", null, "alfred serve link"),
        " prints.",
      ),
    );
  }
  replace(banner, ...items);
}

function renderFleet() {
  const fleet = state.fleet;
  if (!fleet) return replace(view, h("p.empty", null, "Loading the fleet…"));
  const running = fleet.agents.filter((/** @type {any} */ a) => a.in_flight).length;
  const spent = fleet.agents.reduce(
    (/** @type {number} */ sum, /** @type {any} */ a) => sum + (a.today?.cost_usd ?? 0),
    0,
  );
  const firings = fleet.agents.reduce(
    (/** @type {number} */ sum, /** @type {any} */ a) => sum + (a.today?.firings ?? 0),
    0,
  );
  const failing =
    fleet.agents.filter((/** @type {any} */ a) =>
      a.last_firing && outcomeClass(a.last_firing.outcome) === "bad"
    ).length;
  const summary = h(
    "section.stats",
    null,
    stat(
      "Spent today",
      money(spent),
      `${firings} firing${firings === 1 ? "" : "s"} · ${fleet.day}`,
    ),
    stat("Running now", String(running), running ? "see below" : "nothing in flight"),
    stat("Last firing failed", String(failing), failing ? "agents to look at" : "all well"),
    stat(
      "Scheduler",
      fleet.scheduler.installed ? fleet.scheduler.platform ?? "installed" : "not installed",
      fleet.missed_runs.length ? `${fleet.missed_runs.length} missed run(s)` : "no missed runs",
    ),
  );
  const rows = fleet.agents.map(agentRow);
  const table = h(
    "table.fleet",
    null,
    h(
      "thead",
      null,
      h(
        "tr",
        null,
        h("th", null, "Agent"),
        h("th", null, "State"),
        h("th", null, "Schedule"),
        h("th", null, "Next fire"),
        h("th", null, "Last firing"),
        h("th", null, "Today"),
        h("th.actions", null, ""),
      ),
    ),
    h("tbody", null, rows),
  );
  replace(
    view,
    summary,
    h("section.card.flush", null, table),
    h("section.card", null, h("h2", null, "Live activity"), feedList()),
  );
}

/** @param {string} label @param {string} value @param {string} note */
function stat(label, value, note) {
  return h(
    "div.stat",
    null,
    h("div.label", null, label),
    h("div.value", null, value),
    h("div.note", null, note),
  );
}

/** @param {any} agent */
function agentRow(agent) {
  const stateLabel = agent.state === "auto-paused" ? "auto-paused" : agent.state;
  const last = agent.last_firing;
  const paused = agent.state === "paused" || agent.state === "auto-paused";
  return h(
    "tr",
    { "data-agent": agent.codename },
    h("td.agent", { "data-label": "Agent" }, h("strong", null, agent.codename)),
    h(
      "td",
      { "data-label": "State" },
      h(`span.badge.state-${agent.state}`, { title: agent.paused?.reason ?? "" }, stateLabel),
      agent.in_flight
        ? h(
          "a.running",
          { href: `#/firings/${agent.in_flight.firing_id}`, title: "running now" },
          h("span.pulse"),
          agent.in_flight.step?.text ?? "running",
        )
        : null,
      paused && agent.paused?.reason ? h("div.sub", null, agent.paused.reason) : null,
    ),
    h("td", { "data-label": "Schedule" }, h("code", null, agent.schedule)),
    h(
      "td",
      { "data-label": "Next fire", title: agent.next_fire ?? "" },
      agent.next_fire ? relative(agent.next_fire) : h(
        "span.muted",
        {
          title: state.fleet.scheduler.installed
            ? "the scheduler does not say"
            : "the scheduler is not installed (alfred scheduler install)",
        },
        agent.enabled && state.fleet.scheduler.installed
          ? "unknown"
          : agent.enabled
          ? "by hand"
          : "—",
      ),
    ),
    h(
      "td",
      { "data-label": "Last firing" },
      last
        ? h(
          "a.last",
          { href: `#/firings/${last.id}`, title: last.error ?? clock(last.ended_at) },
          h(`span.badge.${outcomeClass(last.outcome)}`, null, last.outcome),
          h("span.sub", null, relative(last.ended_at)),
        )
        : h("span.muted", null, "never"),
    ),
    h("td.today", { "data-label": "Today" }, spendBar(agent)),
    h(
      "td.actions",
      null,
      paused
        ? h("button", {
          onclick: () => act(() => actions.resume(agent.codename)),
          "data-action": "resume",
        }, "Resume")
        : h("button", {
          onclick: () => act(() => actions.pause(agent.codename)),
          "data-action": "pause",
        }, "Pause"),
      h(
        "button.primary",
        {
          onclick: () => fire(agent.codename),
          "data-action": "fire",
          disabled: Boolean(agent.in_flight),
        },
        "Fire",
      ),
    ),
  );
}

/** Today's spend against the cap, as a bar (firings against theirs when no cost cap is set). @param {any} agent */
function spendBar(agent) {
  if (!agent.today) {
    return h("span.badge.bad", { title: agent.ledger_problem }, "ledger unreadable");
  }
  const { cost_usd, firings } = agent.today;
  const caps = agent.caps;
  const [used, cap, text] = caps.cost_usd_per_day !== null
    ? [cost_usd, caps.cost_usd_per_day, `${money(cost_usd)} / ${money(caps.cost_usd_per_day)}`]
    : caps.firings_per_day !== null
    ? [firings, caps.firings_per_day, `${firings} / ${caps.firings_per_day} firings`]
    : [0, 0, `${money(cost_usd)} · ${firings} firing${firings === 1 ? "" : "s"}`];
  const share = cap > 0 ? Math.min(1, used / cap) : 0;
  const level = share >= 0.9 ? "bad" : share >= 0.6 ? "warn" : "ok";
  return h(
    "div.spend",
    { title: `${firings} firings, ${agent.today.turns} turns, ${money(cost_usd)} today` },
    h(
      "div.bar",
      null,
      h(`div.fill.${level}`, { style: { width: `${(share * 100).toFixed(1)}%` } }),
    ),
    h("div.sub", null, text),
  );
}

// ---------------------------------------------------------------- live feed

/** @param {import("./stream.js").ActivityEvent} event */
function onEvent(event) {
  const entry = describeEvent(event);
  state.feed.unshift({ ...entry, at: event.at, received: Date.now() });
  state.feed.length = Math.min(state.feed.length, 50);
  if (state.fleet && event.agent) {
    const agent = state.fleet.agents.find((/** @type {any} */ a) => a.codename === event.agent);
    if (agent && event.type === "firing-started") {
      agent.in_flight = { firing_id: event.firing_id, started_at: event.at, step: null };
    } else if (agent && event.type === "step" && agent.in_flight?.firing_id === event.firing_id) {
      agent.in_flight.step = { step: event.step, text: event.text, at: event.at };
    } else if (agent && event.type === "firing-ended") {
      agent.in_flight = null;
    }
  }
  if (state.route === "") renderFleet();
  if (state.route === "firings") liveFiring(event);
  if (state.route === "firings" && location.hash.includes(String(event.firing_id))) render();
  scheduleFleetRefresh();
}

let refreshTimer = 0;
function scheduleFleetRefresh() {
  clearTimeout(refreshTimer);
  refreshTimer = setTimeout(() => refreshFleet(), 400);
}

/**
 * One line for a person.
 * @param {any} event
 * @returns {{text: string, kind: string, firing?: string, agent?: string}}
 */
function describeEvent(event) {
  const who = (/** @type {any} */ target) =>
    target.all
      ? "the whole fleet"
      : [...target.agents, ...target.repos.map((/** @type {string} */ r) => `repo ${r}`)].join(
        ", ",
      );
  switch (event.type) {
    case "firing-started":
      return {
        kind: "run",
        text: `${event.agent} started (${event.by === "hand" ? "by hand" : "scheduled"})`,
        firing: event.firing_id,
        agent: event.agent,
      };
    case "step":
      return {
        kind: "step",
        text: `${event.agent}: ${event.text}`,
        firing: event.firing_id,
        agent: event.agent,
      };
    case "firing-ended":
      return {
        kind: outcomeClass(event.outcome),
        text: `${event.agent} ended: ${event.outcome}${
          event.cost_usd ? ` · ${money(event.cost_usd)}` : ""
        }${event.error ? ` — ${event.error}` : ""}`,
        firing: event.firing_id,
        agent: event.agent,
      };
    case "paused":
      return { kind: "warn", text: `Paused ${who(event.target)}: ${event.reason}` };
    case "resumed":
      return { kind: "ok", text: `Resumed ${who(event.target)}` };
    case "block-set":
      return { kind: "bad", text: `Fleet-wide block until ${clock(event.until)}: ${event.reason}` };
    case "block-cleared":
      return { kind: "ok", text: "Fleet-wide block cleared" };
    default:
      return { kind: "quiet", text: event.type };
  }
}

function feedList() {
  if (!state.feed.length) {
    return h(
      "p.empty",
      null,
      "Nothing has happened since this page opened. Firings, steps, pauses and blocks appear here as they happen.",
    );
  }
  return h(
    "ol.feed",
    null,
    state.feed.map((entry) =>
      h(
        "li",
        {
          "data-firing": entry.firing,
          "data-kind": entry.kind,
          "data-at": entry.at,
          "data-received": entry.received,
        },
        h(`span.dot.${entry.kind}`),
        h("time", { datetime: entry.at }, new Date(entry.at).toLocaleTimeString()),
        entry.firing
          ? h("a", { href: `#/firings/${entry.firing}` }, entry.text)
          : h("span", null, entry.text),
      )
    ),
  );
}

// ---------------------------------------------------------------- firings

async function renderFirings() {
  const agents = state.fleet?.agents.map((/** @type {any} */ a) => a.codename) ?? [];
  const filter = h(
    "select",
    {
      "aria-label": "Agent",
      onchange: (/** @type {Event} */ e) => {
        state.firingsFilter = /** @type {HTMLSelectElement} */ (e.target).value;
        render();
      },
    },
    h("option", { value: "" }, "All agents"),
    agents.map((/** @type {string} */ a) =>
      h("option", { value: a, selected: a === state.firingsFilter }, a)
    ),
  );
  const body = h("tbody");
  const more = h("button", null, "Older firings");
  const table = h(
    "table.firings",
    null,
    h(
      "thead",
      null,
      h(
        "tr",
        null,
        ["Started", "Agent", "Outcome", "Duration", "Cost", "Issue / PR"].map((t) =>
          h("th", null, t)
        ),
      ),
    ),
    body,
  );
  replace(
    view,
    h(
      "section.card.flush",
      null,
      h("div.toolbar", null, h("h2", null, "Firings"), filter),
      table,
      h("div.more", null, more),
    ),
  );
  /** @param {string | null} before */
  const load = async (before) => {
    const query = new URLSearchParams({ limit: "50" });
    if (state.firingsFilter) query.set("agent", state.firingsFilter);
    if (before) query.set("before", before);
    const page = await call(`/firings?${query}`);
    for (const firing of page.firings) body.append(firingRow(firing));
    if (!page.firings.length && !before) {
      body.append(h("tr", null, h("td.empty", { colspan: 6 }, "No firings recorded yet.")));
    }
    more.hidden = !page.next_before;
    more.onclick = () => load(page.next_before);
  };
  await load(null);
}

/** @param {any} firing */
function firingRow(firing) {
  return h(
    "tr",
    { "data-firing": firing.id },
    h(
      "td",
      { "data-label": "Started" },
      h("a", { href: `#/firings/${firing.id}` }, clock(firing.started_at)),
    ),
    h("td", { "data-label": "Agent" }, firing.agent),
    h(
      "td",
      { "data-label": "Outcome" },
      h(`span.badge.${outcomeClass(firing.outcome)}`, null, firing.outcome ?? "running"),
    ),
    h(
      "td",
      { "data-label": "Duration" },
      firing.duration_ms === null ? "—" : duration(firing.duration_ms),
    ),
    h("td", { "data-label": "Cost" }, money(firing.cost_usd)),
    h("td", { "data-label": "Issue / PR" }, links(firing)),
  );
}

/** Adds or updates a firing's row from a live event. @param {any} event */
function liveFiring(event) {
  const body = view.querySelector("table.firings tbody");
  if (!body || !event.firing_id || (state.firingsFilter && event.agent !== state.firingsFilter)) {
    return;
  }
  const existing = body.querySelector(`tr[data-firing="${CSS.escape(event.firing_id)}"]`);
  const row = firingRow({
    id: event.firing_id,
    agent: event.agent,
    outcome: event.type === "firing-ended" ? event.outcome : null,
    started_at: event.type === "firing-started"
      ? event.at
      : existing?.querySelector("time")?.getAttribute("datetime") ?? event.at,
    duration_ms: null,
    cost_usd: event.cost_usd ?? 0,
    links: { issue: null, pr: null },
    issue: event.issue ?? null,
    pr: event.pr ?? null,
  });
  if (existing) existing.replaceWith(row);
  else if (event.type === "firing-started") body.prepend(row);
}

/** @param {any} firing */
function links(firing) {
  const items = [];
  for (const kind of ["issue", "pr"]) {
    const ref = firing[kind];
    if (!ref) continue;
    const href = firing.links[kind];
    items.push(
      href ? h("a", { href, target: "_blank", rel: "noreferrer" }, shortRef(ref)) : shortRef(ref),
    );
  }
  return items.length ? h("span.links", null, items) : h("span.muted", null, "—");
}

/** `https://github.com/acme/api/pull/12` → `acme/api#12`. @param {string} ref */
function shortRef(ref) {
  const match = /github[^/]*\/([^/]+\/[^/]+)\/(?:issues|pull)\/(\d+)/.exec(ref);
  return match ? `${match[1]}#${match[2]}` : ref;
}

/** @param {string} id */
async function renderFiring(id) {
  const firing = await call(`/firings/${encodeURIComponent(id)}`);
  const total = firing.phases.reduce(
    (/** @type {number} */ sum, /** @type {any} */ p) => sum + p.duration_ms,
    0,
  ) || 1;
  const timeline = h(
    "div.timeline",
    { role: "img", "aria-label": "phase timeline" },
    firing.phases.map((/** @type {any} */ phase, /** @type {number} */ i) =>
      h("div", {
        class: `segment p${i % 6}${phase.ended_at ? "" : " open"}`,
        style: { flexGrow: Math.max(phase.duration_ms / total, 0.02).toFixed(4) },
        title: `${phase.name}: ${duration(phase.duration_ms)}`,
      })
    ),
  );
  const phases = h(
    "ol.phases",
    null,
    firing.phases.map((/** @type {any} */ phase, /** @type {number} */ i) =>
      h(
        "li",
        null,
        h(`span.swatch.p${i % 6}`),
        h("strong", null, phase.name),
        h("span.text", null, phase.text),
        h("span.dur", null, duration(phase.duration_ms), phase.ended_at ? "" : "…"),
      )
    ),
  );
  const facts = h(
    "dl.facts",
    null,
    fact("Agent", firing.agent),
    fact(
      "Outcome",
      h(`span.badge.${outcomeClass(firing.outcome)}`, null, firing.outcome ?? "running"),
    ),
    fact("Started", `${clock(firing.started_at)} (${firing.by ?? "?"})`),
    fact("Duration", firing.duration_ms === null ? "running" : duration(firing.duration_ms)),
    fact("Turns", String(firing.turns)),
    fact("Cost", money(firing.cost_usd)),
    fact("Issue / PR", links(firing)),
  );
  const result = firing.engine_result;
  replace(
    view,
    h(
      "section.card",
      null,
      h(
        "div.toolbar",
        null,
        h("h2", null, `${firing.agent} · `, h("code", null, firing.id)),
        h("a.button", { href: "#/firings" }, "All firings"),
      ),
      facts,
      firing.summary ? h("p.summary", null, firing.summary) : null,
      firing.error ? h("p.notice.bad", null, firing.error) : null,
    ),
    h("section.card", null, h("h2", null, "Phases"), timeline, phases),
    result
      ? h(
        "section.card",
        null,
        h("h2", null, "Engine result"),
        h(
          "p.sub",
          null,
          `${result.engine}${result.model ? ` · ${result.model}` : ""} · ${result.turns} turns · ${
            money(result.cost_usd)
          }${result.attempts > 1 ? ` · ${result.attempts} attempts` : ""}${
            result.subtype ? ` · ${result.subtype}` : ""
          }`,
        ),
        h("pre.result", null, result.text || "(no text)"),
      )
      : null,
    firing.denials.length
      ? h(
        "section.card",
        null,
        h("h2", null, `Sandbox denials (${firing.denials.length})`),
        h(
          "ul.denials",
          null,
          firing.denials.map((/** @type {any} */ d) =>
            h("li", null, h("span.badge.warn", null, d.kind), " ", d.detail)
          ),
        ),
      )
      : null,
    firing.transcript
      ? h(
        "section.card",
        null,
        h("h2", null, "Transcript"),
        firing.transcript.truncated
          ? h(
            "p.sub",
            null,
            `The last ${firing.transcript.lines.length} of ${firing.transcript.total_lines} lines.`,
          )
          : null,
        h("ol.transcript", null, firing.transcript.lines.map(transcriptLine)),
      )
      : null,
  );
}

/** @param {string} label @param {Node | string} value */
function fact(label, value) {
  return h("div", null, h("dt", null, label), h("dd", null, value));
}

/** @param {any} line */
function transcriptLine(line) {
  const text = line.text ?? JSON.stringify(line.data);
  const label = line.stream === "alfred"
    ? `alfred:${line.kind ?? ""}`
    : line.data?.type
    ? `${line.stream}:${line.data.type}`
    : line.stream;
  return h(
    "li",
    { "data-stream": line.stream },
    h("span.stream", null, label),
    text.length > 240
      ? h("details", null, h("summary", null, text.slice(0, 240) + "…"), h("pre", null, text))
      : h("span", null, text),
  );
}

// ---------------------------------------------------------------- claims

const STATES = [
  ["queued", "Queued"],
  ["in-flight", "In flight"],
  ["pr-open", "PR open"],
  ["needs-human", "Needs a human"],
  ["do-not-pickup", "Do not pick up"],
];

async function renderClaims() {
  const board = await call("/claims");
  const header = h(
    "div.toolbar",
    null,
    h("h2", null, "Claims board"),
    h(
      "span.sub",
      null,
      board.fetched_at
        ? `read from GitHub ${relative(board.fetched_at)}; refreshed at most once a minute`
        : "",
    ),
  );
  if (board.problem) {
    return replace(view, h("section.card", null, header, h("p.notice.warn", null, board.problem)));
  }
  replace(
    view,
    h("section.card", null, header),
    board.repos.map((/** @type {any} */ repo) =>
      h(
        "section.card",
        null,
        h(
          "h3",
          null,
          repo.repo,
          h(
            "span.sub",
            null,
            ` · ${repo.counts.other} other open issue${repo.counts.other === 1 ? "" : "s"}`,
            repo.truncated ? " (more open issues than were read)" : "",
          ),
        ),
        repo.error ? h("p.notice.bad", null, repo.error) : null,
        h(
          "div.board",
          null,
          STATES.map(([key, title]) => {
            const issues = repo.issues.filter((/** @type {any} */ i) => i.state === key);
            return h(
              "div.column",
              { "data-state": key },
              h("h4", null, title, h("span.count", null, String(repo.counts[key]))),
              issues.length
                ? issues.map((/** @type {any} */ issue) =>
                  h(
                    "a.issue",
                    { href: issue.url, target: "_blank", rel: "noreferrer" },
                    h("span.num", null, `#${issue.number}`),
                    issue.title,
                  )
                )
                : h("p.empty", null, "none"),
            );
          }),
        ),
      )
    ),
  );
}

// ---------------------------------------------------------------- costs

async function renderCosts() {
  const report = await call(`/report?days=${state.costDays}`);
  const daily = report.daily;
  const agents = Object.keys(daily.agents);
  const withCost = agents.filter((a) =>
    daily.agents[a].firings.some((/** @type {number} */ n) => n > 0)
  );
  const toggle = h(
    "div.segmented",
    { role: "group", "aria-label": "Days" },
    [7, 30].map((days) =>
      h("button", {
        class: state.costDays === days ? "active" : "",
        onclick: () => {
          state.costDays = days;
          render();
        },
      }, `${days} days`)
    ),
  );
  const costTarget = h("div.chart");
  const perAgent = agents.map((agent) => {
    const rows = report.rows.filter((/** @type {any} */ r) => r.agent === agent);
    const sum = (/** @type {string} */ key) =>
      rows.reduce((/** @type {number} */ s, /** @type {any} */ r) => s + r[key], 0);
    return {
      agent,
      firings: sum("firings"),
      worked: sum("worked"),
      successes: sum("successes"),
      cost: sum("cost_usd"),
    };
  }).filter((row) => row.firings > 0);
  const rate = (/** @type {{worked: number, successes: number}} */ row) =>
    row.worked ? `${Math.round((row.successes / row.worked) * 100)}%` : "—";
  const outcomeTargets = perAgent.map((row) => ({ row, target: h("div.chart") }));
  replace(
    view,
    h(
      "section.card",
      null,
      h("div.toolbar", null, h("h2", null, `Cost per day, last ${state.costDays} days`), toggle),
      withCost.length
        ? costTarget
        : h("p.empty", null, `No firings in the last ${state.costDays} days.`),
    ),
    h(
      "section.card",
      null,
      h("h2", null, "Success per agent"),
      h(
        "p.sub.legend",
        null,
        h("span.key.ok"),
        "succeeded ",
        h("span.key.bad"),
        "failed ",
        h("span.key.quiet"),
        "did nothing (idle, silent); the rate is successes over firings that did work",
      ),
      outcomeTargets.length
        ? h(
          "div.multiples",
          null,
          outcomeTargets.map(({ row, target }) =>
            h(
              "div.multiple",
              { "data-agent": row.agent },
              h(
                "h3",
                null,
                row.agent,
                h(
                  "span.sub",
                  null,
                  ` ${rate(row)} success · ${row.firings} firings · ${money(row.cost)}`,
                ),
              ),
              target,
            )
          ),
        )
        : h("p.empty", null, "No firings in this window."),
    ),
    h(
      "section.card.flush",
      null,
      h(
        "table.totals",
        null,
        h(
          "thead",
          null,
          h(
            "tr",
            null,
            ["Agent", "Firings", "Did work", "Success rate", "Cost"].map((t) => h("th", null, t)),
          ),
        ),
        h(
          "tbody",
          null,
          perAgent.map((row) =>
            h(
              "tr",
              null,
              h("td", { "data-label": "Agent" }, row.agent),
              h("td", { "data-label": "Firings" }, String(row.firings)),
              h("td", { "data-label": "Did work" }, String(row.worked)),
              h("td", { "data-label": "Success rate" }, rate(row)),
              h("td", { "data-label": "Cost" }, money(row.cost)),
            )
          ),
          h(
            "tr.total",
            null,
            h("td", { "data-label": "Agent" }, "All agents"),
            h("td", { "data-label": "Firings" }, String(report.totals.firings)),
            h("td", { "data-label": "Did work" }, String(report.totals.worked)),
            h(
              "td",
              { "data-label": "Success rate" },
              report.totals.success_rate === null
                ? "—"
                : `${Math.round(report.totals.success_rate * 100)}%`,
            ),
            h("td", { "data-label": "Cost" }, money(report.totals.cost_usd)),
          ),
        ),
      ),
    ),
  );
  if (withCost.length) fitWidth(costChart(costTarget, daily, withCost), costTarget);
  for (const { row, target } of outcomeTargets) {
    fitWidth(outcomeChart(target, daily, row.agent), target);
  }
}

// ---------------------------------------------------------------- actions

/** @param {() => Promise<any>} run */
async function act(run) {
  try {
    const done = await run();
    toast(done.message ?? "Done.", "ok");
    for (const warning of done.warnings ?? []) toast(warning, "warn");
    await refreshFleet();
  } catch (error) {
    toast(describe(error), "bad");
    if (error instanceof ApiError && error.status === 401) setToken(null);
    renderBanner();
  }
}

/** @param {string} agent */
async function fire(agent) {
  try {
    const started = await actions.fire(agent);
    toast(
      `Fired ${agent}: `,
      "ok",
      h("a", { href: `#/firings/${started.firing_id}` }, started.firing_id),
    );
  } catch (error) {
    toast(describe(error), "bad");
  }
}

/** @param {unknown} error */
function describe(error) {
  if (error instanceof ApiError) return `${error.message}${error.hint ? `. ${error.hint}` : ""}`;
  return error instanceof Error ? error.message : String(error);
}

/** @param {string} text @param {string} kind @param {Node} [extra] */
function toast(text, kind, extra) {
  const item = h(`div.toast.${kind}`, { role: "status" }, text, extra);
  toasts.append(item);
  setTimeout(() => item.remove(), kind === "bad" ? 9_000 : 5_000);
}

/** @param {unknown} error */
function errorCard(error) {
  if (error instanceof ApiError && error.status === 401) return signInCard(describe(error));
  return h(
    "section.card.narrow",
    null,
    h("h2", null, "Something went wrong"),
    h("p.notice.bad", null, describe(error)),
  );
}

/** @param {string} problem */
function signInCard(problem) {
  const input = h("input", {
    type: "password",
    placeholder: "paste the token",
    "aria-label": "token",
    autocomplete: "off",
  });
  return h(
    "section.card.narrow",
    null,
    h("h2", null, "Sign in"),
    h("p.notice.warn", null, problem),
    h(
      "p",
      null,
      "Run ",
      h("code", null, "alfred serve link"),
      " on the machine Alfred runs on and open the link it prints (it works once, for 15 minutes). Or paste the token from ",
      h("code", null, "ALFRED_HOME/serve.token"),
      ":",
    ),
    h(
      "form.signin",
      {
        onsubmit: (/** @type {Event} */ e) => {
          e.preventDefault();
          setToken(/** @type {HTMLInputElement} */ (input).value.trim());
          location.replace("/");
        },
      },
      input,
      h("button.primary", { type: "submit" }, "Sign in"),
    ),
  );
}

// ---------------------------------------------------------------- start
// Last, so that every declaration above exists before the first render.

if (location.pathname === "/login") {
  await login();
} else {
  addEventListener("hashchange", () => render());
  document.getElementById("pause-all")?.addEventListener(
    "click",
    () => act(() => actions.pauseFleet()),
  );
  document.getElementById("resume-all")?.addEventListener(
    "click",
    () => act(() => actions.resumeFleet()),
  );
  followEvents(onEvent, (status, resumed) => {
    liveDot.className = `live ${status}`;
    liveDot.title = status === "live"
      ? "live: following the event stream"
      : "offline: reconnecting";
    liveDot.textContent = status === "live" ? "live" : "offline";
    if (status === "live" && resumed) refreshFleet();
  });
  await refreshFleet();
  await render();
  setInterval(() => refreshFleet(), 30_000);
  // An open claims board re-reads once a minute (the server asks GitHub at most that often).
  setInterval(() => {
    if (state.route === "claims" && !document.hidden) render();
  }, 60_000);
}
