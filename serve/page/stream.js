// Follows the server's event stream (/api/v1/events). It reads the stream
// with fetch rather than EventSource so that, on a server started with
// --allow-remote, it can send the token as an Authorization header; it
// reconnects with Last-Event-ID, so no event is missed across a drop.

import { authHeaders } from "./api.js";

/**
 * @typedef {{type: string, at: string, agent?: string, firing_id?: string} & Record<string, unknown>} ActivityEvent
 */

/**
 * Follows the stream until the page closes.
 * @param {(event: ActivityEvent) => void} onEvent Each activity event.
 * @param {(state: "live" | "offline", resumed: boolean) => void} onState Connection changes.
 */
export function followEvents(onEvent, onState) {
  let lastId = "";
  let connected = false;
  const run = async () => {
    for (;;) {
      try {
        /** @type {Record<string, string>} */
        const headers = { Accept: "text/event-stream", ...authHeaders() };
        if (lastId) headers["Last-Event-ID"] = lastId;
        const response = await fetch("/api/v1/events", { headers, cache: "no-store" });
        if (!response.ok || !response.body) throw new Error(`HTTP ${response.status}`);
        onState("live", connected);
        connected = true;
        const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
        let buffer = "";
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buffer += value.replace(/\r\n?/g, "\n");
          let end;
          while ((end = buffer.indexOf("\n\n")) >= 0) {
            const block = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            const message = parseBlock(block);
            if (message.id) lastId = message.id;
            if (message.event === "hello" || message.event === "ping" || !message.data) continue;
            try {
              onEvent(JSON.parse(message.data));
            } catch (error) {
              console.error("bad event", error, message.data);
            }
          }
        }
      } catch (error) {
        console.warn("event stream:", error);
      }
      onState("offline", connected);
      await new Promise((resolve) => setTimeout(resolve, 2_000));
    }
  };
  run();
}

/**
 * One server-sent event's fields.
 * @param {string} block The lines of one event.
 * @returns {{event: string, data: string, id: string}}
 */
function parseBlock(block) {
  const message = { event: "message", data: "", id: "" };
  const data = [];
  for (const line of block.split("\n")) {
    if (line.startsWith(":")) continue;
    const colon = line.indexOf(":");
    const field = colon < 0 ? line : line.slice(0, colon);
    const value = colon < 0 ? "" : line.slice(colon + 1).replace(/^ /, "");
    if (field === "data") data.push(value);
    else if (field === "event") message.event = value;
    else if (field === "id") message.id = value;
  }
  message.data = data.join("\n");
  return message;
}
