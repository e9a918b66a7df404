/**
 * The page that `websocket-sansio serve` answers at `/`: a self-contained
 * browser client (no external scripts, styles or fonts) that connects back to
 * the server it came from, so a browser can talk to the server at once.
 *
 * @module
 */

/**
 * Content-Security-Policy of the page: only its own inline script and style,
 * and WebSocket connections to its own origin.
 */
export const PAGE_CSP =
  "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'; base-uri 'none'; form-action 'none'";

/** The HTML of the page, for a server in `mode` (shown in the title). */
export function page(mode: "echo" | "broadcast"): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>websocket-sansio ${mode} server</title>
<style>
  :root { color-scheme: light dark; font-family: system-ui, sans-serif; }
  body { max-width: 48rem; margin: 2rem auto; padding: 0 1rem; }
  #log { font-family: ui-monospace, monospace; white-space: pre-wrap; word-break: break-all;
         border: 1px solid #8886; border-radius: 4px; padding: .5rem; height: 50vh; overflow-y: auto; }
  .in { color: #2a7; } .out { color: #27c; } .info { color: #888; }
  form { display: flex; gap: .5rem; margin-top: .5rem; }
  #message { flex: 1; font: inherit; padding: .3rem; }
</style>
</head>
<body>
<h1>websocket-sansio</h1>
<p>A <strong>${mode}</strong> server. <span id="status">connecting…</span></p>
<div id="log" aria-live="polite"></div>
<form id="form">
  <input id="message" autocomplete="off" placeholder="Type a message and press Enter" autofocus>
  <button id="send" type="submit">Send</button>
  <button id="toggle" type="button">Close</button>
</form>
<script>
"use strict";
const url = (location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/";
const log = document.getElementById("log");
const status = document.getElementById("status");
const input = document.getElementById("message");
const toggle = document.getElementById("toggle");
let socket = null;

function show(kind, text) {
  const line = document.createElement("div");
  line.className = kind;
  line.textContent = (kind === "in" ? "< " : kind === "out" ? "> " : "* ") + text;
  log.append(line);
  log.scrollTop = log.scrollHeight;
}

function open() {
  socket = new WebSocket(url);
  socket.binaryType = "arraybuffer";
  status.textContent = "connecting to " + url + "…";
  socket.onopen = () => {
    status.textContent = "open: " + url + (socket.extensions ? " (" + socket.extensions + ")" : "");
    toggle.textContent = "Close";
  };
  socket.onmessage = (event) => {
    if (typeof event.data === "string") show("in", event.data);
    else show("in", "[binary, " + event.data.byteLength + " bytes]");
  };
  socket.onclose = (event) => {
    status.textContent = "closed";
    show("info", "closed: " + event.code + (event.reason ? " " + JSON.stringify(event.reason) : ""));
    toggle.textContent = "Reconnect";
  };
}

document.getElementById("form").addEventListener("submit", (event) => {
  event.preventDefault();
  if (socket === null || socket.readyState !== WebSocket.OPEN) return;
  socket.send(input.value);
  show("out", input.value);
  input.value = "";
});
toggle.addEventListener("click", () => {
  if (socket !== null && socket.readyState === WebSocket.OPEN) socket.close(1000);
  else if (socket === null || socket.readyState === WebSocket.CLOSED) open();
});
open();
</script>
</body>
</html>
`;
}
