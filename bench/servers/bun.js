// Echo and broadcast server on Bun's native WebSocket server (uWebSockets),
// for the benchmark. Usage: `bun bun.js [--mode echo|broadcast] [--deflate]`.
// Prints `PORT <n>`; stdin: `gc` collects garbage (answers `GC`), EOF stops.
// Broadcast uses Bun's own pub/sub (`server.publish`), as a Bun user would.

const argv = process.argv.slice(2);
const given = argv.includes("--mode") ? argv[argv.indexOf("--mode") + 1] : "echo";
// "publish" (topics) is Bun's server.publish, as "broadcast" is.
const mode = given === "publish" ? "broadcast" : given;
const deflate = argv.includes("--deflate");

const server = Bun.serve({
  hostname: "127.0.0.1",
  port: 0,
  fetch(request, server) {
    if (server.upgrade(request)) return undefined;
    return new Response("Upgrade required\n", { status: 426 });
  },
  websocket: {
    perMessageDeflate: deflate,
    maxPayloadLength: 64 * 1024 * 1024,
    idleTimeout: 0,
    open(ws) {
      if (mode === "broadcast") ws.subscribe("all");
    },
    message:
      mode === "broadcast"
        ? (_ws, message) => {
            server.publish("all", message);
          }
        : (ws, message) => {
            ws.send(message);
          },
  },
});

process.stdout.write(`PORT ${server.port}\n`);
let buffered = "";
process.stdin.on("data", (chunk) => {
  buffered += chunk.toString();
  let end = buffered.indexOf("\n");
  while (end >= 0) {
    const line = buffered.slice(0, end);
    buffered = buffered.slice(end + 1);
    if (line === "gc") {
      Bun.gc(true);
      process.stdout.write("GC\n");
    }
    end = buffered.indexOf("\n");
  }
});
process.stdin.on("end", () => {
  server.stop(true);
  process.exit(0);
});
