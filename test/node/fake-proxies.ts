// Misbehaving proxies, scripted on node:net, for the failures real proxies
// do not produce on demand; and a minimal CONNECT proxy that records what
// it was asked, for the environment tests.

import { connect, createServer, type Server, type Socket } from "node:net";

/** A scripted proxy: `respond` is called with each connection's first bytes. */
export interface FakeProxy {
  readonly port: number;
  readonly url: string;
  /** Requests received (the first bytes of each connection, latin1). */
  readonly requests: string[];
  /** Resolves when every connection accepted so far has closed. */
  allClosed(): Promise<void>;
  close(): Promise<void>;
}

export async function fakeProxy(
  respond: (socket: Socket, request: Buffer) => void,
  scheme = "http",
): Promise<FakeProxy> {
  const requests: string[] = [];
  const open = new Set<Socket>();
  const waiting: (() => void)[] = [];
  const server: Server = createServer((socket) => {
    open.add(socket);
    socket.on("error", () => {});
    socket.once("close", () => {
      open.delete(socket);
      if (open.size === 0) for (const wake of waiting.splice(0)) wake();
    });
    socket.once("data", (data: Buffer) => {
      requests.push(data.toString("latin1"));
      respond(socket, data);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  const port = typeof address === "object" && address !== null ? address.port : 0;
  return {
    port,
    url: `${scheme}://127.0.0.1:${port}`,
    requests,
    allClosed: () =>
      open.size === 0 ? Promise.resolve() : new Promise<void>((resolve) => waiting.push(resolve)),
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of open) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** A working HTTP CONNECT proxy (no auth) that records the requests it served. */
export function connectProxy(): Promise<FakeProxy> {
  return fakeProxy((socket, request) => {
    const head = request.toString("latin1");
    const match = /^CONNECT (\S+):(\d+) HTTP\/1\.1\r\n/.exec(head);
    if (match === null) {
      socket.end("HTTP/1.1 400 Bad Request\r\n\r\n");
      return;
    }
    const host = match[1]!.replace(/^\[|\]$/g, "");
    const upstream = connect(Number(match[2]), host, () => {
      socket.write("HTTP/1.1 200 Connection established\r\n\r\n");
      const end = request.indexOf("\r\n\r\n") + 4;
      if (end < request.length) upstream.write(request.subarray(end));
      socket.pipe(upstream).pipe(socket);
    });
    upstream.on("error", () => socket.destroy());
    socket.on("close", () => upstream.destroy());
  });
}
