// Building the page's elements, and formatting figures for people.
// Elements are made with text nodes only (never innerHTML), so nothing an
// agent or an issue title says can become markup.

/**
 * Makes an element.
 * @param {string} tag The tag, optionally with classes: `span.badge.ok`.
 * @param {Record<string, unknown> | null} [attrs] Attributes; `on*` functions become listeners.
 * @param {...(Node | string | number | null | undefined | false)} children Children; strings become text.
 * @returns {HTMLElement}
 */
export function h(tag, attrs, ...children) {
  const [name, ...classes] = tag.split(".");
  const element = document.createElement(name);
  if (classes.length) element.className = classes.join(" ");
  for (const [key, value] of Object.entries(attrs ?? {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith("on") && typeof value === "function") {
      element.addEventListener(key.slice(2), /** @type {EventListener} */ (value));
    } else if (key === "style" && typeof value === "object") {
      // Through the CSSOM: the page's CSP allows no inline style attributes.
      Object.assign(element.style, value);
    } else if (key === "class") {
      element.className = [element.className, String(value)].filter(Boolean).join(" ");
    } else {
      element.setAttribute(key, value === true ? "" : String(value));
    }
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return element;
}

/**
 * Replaces the children of an element.
 * @param {Element} element The element.
 * @param {...(Node | string | null | undefined | false)} children The new children.
 */
export function replace(element, ...children) {
  element.replaceChildren(
    ...children.flat().filter((c) => c !== null && c !== undefined && c !== false),
  );
}

/**
 * US dollars, to the cent (or a tenth of a cent when below one).
 * @param {number} usd
 * @returns {string}
 */
export function money(usd) {
  if (usd > 0 && usd < 0.01) return `$${usd.toFixed(3)}`;
  return `$${usd.toFixed(2)}`;
}

/**
 * A duration for people: `850 ms`, `4.2 s`, `3 min 10 s`, `2 h 5 min`.
 * @param {number} ms
 * @returns {string}
 */
export function duration(ms) {
  if (ms < 1_000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1_000).toFixed(1)} s`;
  const minutes = Math.floor(ms / 60_000);
  if (minutes < 60) return `${minutes} min ${Math.round((ms % 60_000) / 1_000)} s`;
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

/**
 * A time relative to now: `in 12 min`, `3 h ago`, `just now`.
 * @param {string | null | undefined} iso
 * @param {number} [now]
 * @returns {string}
 */
export function relative(iso, now = Date.now()) {
  if (!iso) return "—";
  const delta = Date.parse(iso) - now;
  const abs = Math.abs(delta);
  if (abs < 45_000) return "just now";
  const units = [
    [86_400_000, "d"],
    [3_600_000, "h"],
    [60_000, "min"],
  ];
  for (const [size, unit] of units) {
    if (abs >= /** @type {number} */ (size)) {
      const n = Math.round(abs / /** @type {number} */ (size));
      return delta > 0 ? `in ${n} ${unit}` : `${n} ${unit} ago`;
    }
  }
  return delta > 0 ? "in a minute" : "a minute ago";
}

/**
 * A local date and time, short: `Mar 3, 09:15`.
 * @param {string | null | undefined} iso
 * @returns {string}
 */
export function clock(iso) {
  if (!iso) return "—";
  return new Date(iso).toLocaleString(undefined, {
    month: "short",
    day: "numeric",
    hour: "2-digit",
    minute: "2-digit",
  });
}

/** Outcomes that went well, that stopped on purpose, and that failed. */
const GOOD = new Set(["success", "already-implemented"]);
const QUIET = new Set(["idle", "silent", "dry-run", "partial"]);

/**
 * The badge class of an outcome.
 * @param {string | null} outcome
 * @returns {string}
 */
export function outcomeClass(outcome) {
  if (outcome === null) return "run";
  if (GOOD.has(outcome)) return "ok";
  if (QUIET.has(outcome)) return "quiet";
  if (outcome === "auto-paused" || outcome === "blocked") return "warn";
  return "bad";
}
