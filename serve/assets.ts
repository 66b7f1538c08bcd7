/**
 * The page and its assets, embedded in the executable: they are imported as
 * text, so `deno compile` (and `deno bundle`) carry them inside the binary
 * and the page works offline with no CDN. The page is plain ES modules
 * (serve/page/), served as written: there is no build step. uPlot comes from
 * npm (`uplot`), as its minified browser build (it defines the global `uPlot`).
 *
 * @module
 */
import page from "./page/index.html" with { type: "text" };
import app from "./page/app.js" with { type: "text" };
import api from "./page/api.js" with { type: "text" };
import charts from "./page/charts.js" with { type: "text" };
import dom from "./page/dom.js" with { type: "text" };
import stream from "./page/stream.js" with { type: "text" };
import style from "./page/style.css" with { type: "text" };
import favicon from "./page/favicon.svg" with { type: "text" };
import uplot from "uplot/dist/uPlot.iife.min.js" with { type: "text" };
import uplotCss from "uplot/dist/uPlot.min.css" with { type: "text" };

/** One embedded asset. */
export interface Asset {
  /** Its body. */
  body: string;
  /** Its `Content-Type`. */
  type: string;
  /** Its `ETag` (a hash of the body). */
  etag: string;
}

/** The page at `/` (and `/login`). */
export const PAGE: string = page;

const JS = "text/javascript; charset=utf-8";

/** The assets under `/assets/`, by name. */
export const ASSETS: ReadonlyMap<string, Asset> = new Map(
  ([
    ["app.js", app, JS],
    ["api.js", api, JS],
    ["charts.js", charts, JS],
    ["dom.js", dom, JS],
    ["stream.js", stream, JS],
    ["uplot.js", uplot, JS],
    ["style.css", style, "text/css; charset=utf-8"],
    ["uplot.css", uplotCss, "text/css; charset=utf-8"],
    ["favicon.svg", favicon, "image/svg+xml"],
  ] as const).map(([name, body, type]) => [name, { body, type, etag: etagOf(body) }]),
);

/** A quick, stable hash (FNV-1a, 32 bits) of a text, as an ETag. */
function etagOf(text: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return `"${(hash >>> 0).toString(16)}-${text.length.toString(16)}"`;
}
