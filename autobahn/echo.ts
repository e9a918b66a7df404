/**
 * The echo server's side of the Autobahn cases, shared by `autobahn/server.ts`
 * (HTTP/1.1) and `conformance/targets/h2-bridge.ts` (HTTP/2).
 *
 * @module
 */

import type { Connection } from "../src/connection/connection.js";

/** Every text or binary message back as it is, until the connection ends. */
export async function echoEveryMessage(connection: Connection): Promise<void> {
  try {
    for await (const message of connection) await connection.send(message);
  } catch {
    // Many cases end with a protocol error or an abrupt close: nothing to report.
  }
}

/** Cases 9.x send messages of up to 16 MiB, 9.3/9.4 in 65536 fragments. */
export const ECHO_MAX_MESSAGE_BYTES = 32 * 1024 * 1024;
