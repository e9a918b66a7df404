/**
 * A server of the cross-process pub/sub benchmark (bench/pubsub-redis.ts):
 * every client is in one room; what a client sends goes to every other
 * client, on this server and, through Redis, on the others.
 * Usage: `node pubsub-redis.js --impl ours|socketio --redis URL`. Prints `PORT <n>`.
 *
 * @module
 */

import { createServer } from "node:http";
import { createAdapter } from "@socket.io/redis-adapter";
import { createClient } from "redis";
import { Server as SocketIoServer } from "socket.io";
import { serve } from "../../src/node/index.js";
import { redisBackplane } from "../../src/redis/index.js";
import { option } from "../args.js";

const impl = option("impl") ?? "ours";
const url = option("redis") ?? "redis://127.0.0.1:6379";

let port: number;
if (impl === "ours") {
  const backplane = redisBackplane({ url });
  await backplane.ready();
  const server = await serve(
    async (connection) => {
      connection.subscribe("room");
      for await (const message of connection) connection.publish("room", message);
    },
    { host: "127.0.0.1", port: 0, pingIntervalMs: null, topics: { backplane } },
  );
  const address = server.address;
  port = typeof address === "object" && address !== null ? address.port : 0;
} else if (impl === "socketio") {
  const pub = createClient({ url });
  const sub = pub.duplicate();
  await Promise.all([pub.connect(), sub.connect()]);
  const http = createServer();
  const io = new SocketIoServer(http, {
    transports: ["websocket"],
    adapter: createAdapter(pub, sub),
  });
  io.on("connection", (socket) => {
    socket.on("m", (data: unknown) => socket.broadcast.emit("m", data));
  });
  await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
  const address = http.address();
  port = typeof address === "object" && address !== null ? address.port : 0;
} else {
  throw new TypeError(`Unknown implementation: ${JSON.stringify(impl)}`);
}
process.stdout.write(`PORT ${port}\n`);
process.stdin.resume();
process.stdin.on("end", () => process.exit(0));
