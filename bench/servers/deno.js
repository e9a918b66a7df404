// Echo and broadcast server on Deno's native WebSocket (Deno.serve +
// Deno.upgradeWebSocket), for the benchmark. Deno never negotiates
// permessage-deflate. Usage: `deno run -A --v8-flags=--expose-gc deno.js [--mode echo|broadcast]`.
// Prints `PORT <n>`; stdin: `gc` collects garbage (answers `GC`), EOF stops.

const mode = Deno.args.includes("--mode") ? Deno.args[Deno.args.indexOf("--mode") + 1] : "echo";
const clients = new Set();
const encoder = new TextEncoder();

const server = Deno.serve(
  {
    hostname: "127.0.0.1",
    port: 0,
    onListen: ({ port }) => Deno.stdout.writeSync(encoder.encode(`PORT ${port}\n`)),
  },
  (request) => {
    const { socket, response } = Deno.upgradeWebSocket(request, { idleTimeout: 0 });
    socket.binaryType = "arraybuffer";
    if (mode === "broadcast") {
      socket.onopen = () => clients.add(socket);
      socket.onclose = () => clients.delete(socket);
      socket.onmessage = (event) => {
        for (const client of clients) if (client.readyState === 1) client.send(event.data);
      };
    } else socket.onmessage = (event) => socket.send(event.data);
    socket.onerror = () => {};
    return response;
  },
);

const decoder = new TextDecoder();
let buffered = "";
for await (const chunk of Deno.stdin.readable) {
  buffered += decoder.decode(chunk, { stream: true });
  let end = buffered.indexOf("\n");
  while (end >= 0) {
    const line = buffered.slice(0, end);
    buffered = buffered.slice(end + 1);
    if (line === "gc") {
      globalThis.gc?.();
      Deno.stdout.writeSync(encoder.encode("GC\n"));
    }
    end = buffered.indexOf("\n");
  }
}
await Promise.race([server.shutdown(), new Promise((resolve) => setTimeout(resolve, 1000))]);
Deno.exit(0);
