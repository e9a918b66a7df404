// A Cloudflare Worker that opens a WebSocket connection to an upstream server
// with websocket-sansio/web (over `connect()` from cloudflare:sockets), sends
// the request's `?message=`, and answers with the upstream's reply.
// Bundle it with wrangler (`import { connect } from "websocket-sansio/web"`),
// or see docs/cloudflare-workers.md to run it on workerd directly.

import { connect } from "../src/web/index.js";

/** The Worker's bindings: where the upstream WebSocket server is. */
interface Env {
  readonly UPSTREAM_URL?: string;
}

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    const message = new URL(request.url).searchParams.get("message") ?? "hello";
    const connection = await connect(env.UPSTREAM_URL ?? "ws://127.0.0.1:8765/", {
      openTimeoutMs: 5000,
    });
    try {
      await connection.send(message);
      const reply = await connection.recv();
      return new Response(typeof reply === "string" ? reply : `${reply.length} bytes`);
    } finally {
      await connection.close();
    }
  },
};
