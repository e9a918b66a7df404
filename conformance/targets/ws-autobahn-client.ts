/**
 * A `ws` client driven by the Autobahn fuzzing-server protocol: read the case count, run every
 * case as an echo client, then ask for the reports.
 * Usage: `node ws-autobahn-client.js --url ws://127.0.0.1:N --agent NAME`.
 */
import WebSocket from "ws";

const args = process.argv.slice(2);
const option = (name: string, fallback: string) => {
  const i = args.indexOf(name);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1]! : fallback;
};
const base = option("--url", "ws://127.0.0.1:9001");
const agent = option("--agent", "ws");

/** Opens one connection and resolves when it closes (errors are part of some cases). */
function run(
  path: string,
  onMessage?: (ws: WebSocket, data: WebSocket.RawData, binary: boolean) => void,
) {
  return new Promise<void>((resolve) => {
    const ws = new WebSocket(`${base}${path}`, {
      maxPayload: 32 * 1024 * 1024,
      // ws's default of 16384 fragments fails 9.3.1 and 9.4.1 (65536 fragments) with 1008.
      maxFragments: 128 * 1024,
    });
    ws.on("message", (data, isBinary) => onMessage?.(ws, data, isBinary));
    ws.on("error", () => {});
    ws.on("close", () => resolve());
  });
}

let count = 0;
await run("/getCaseCount", (_ws, data) => {
  count = Number(data.toString());
});
for (let i = 1; i <= count; i++) {
  await run(`/runCase?case=${i}&agent=${encodeURIComponent(agent)}`, (ws, data, isBinary) => {
    ws.send(data, { binary: isBinary });
  });
}
await run(`/updateReports?agent=${encodeURIComponent(agent)}`);
