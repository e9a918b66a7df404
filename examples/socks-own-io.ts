// Bring your own I/O, through a proxy: the sans-I/O SOCKS5 machine and the
// sans-I/O WebSocket client over one raw `node:net` socket, with no
// connection layer. The socket first carries the SOCKS exchange; once the
// tunnel is established, the bytes that followed the proxy's reply and
// everything after go to the WebSocket protocol. See docs/proxies.md.
//
// Run: node .build/examples/socks-own-io.js socks5h://127.0.0.1:1080 ws://127.0.0.1:8765/

import { connect, type Socket } from "node:net";
import { ClientProtocol } from "../src/core/index.js";
import { parseProxyUrl, Socks5Client, type TunnelClient } from "../src/proxy/index.js";

const [proxyArg = "socks5h://127.0.0.1:1080", urlArg = "ws://127.0.0.1:8765/"] =
  process.argv.slice(2);
const proxy = parseProxyUrl(proxyArg);
const url = new URL(urlArg);

const socket: Socket = connect(proxy.port, proxy.hostname);
const tunnel: TunnelClient = new Socks5Client(proxy, {
  host: url.hostname,
  port: Number(url.port || 80),
});
const websocket = new ClientProtocol(url);

/** Writes what a machine produced, in one write. */
function write(chunks: readonly Uint8Array[]): void {
  if (chunks.length > 0) socket.write(Buffer.concat(chunks));
}

/** Feeds bytes to the WebSocket protocol and acts on what it says. */
function receiveWebSocket(bytes: Uint8Array | null): void {
  if (bytes === null) websocket.receiveEof();
  else websocket.receiveData(bytes);
  for (const event of websocket.takeEvents()) {
    if (event.type === "response") websocket.sendText("Hello through SOCKS!");
    if (event.type === "text") {
      console.log(`received "${event.data}"`);
      websocket.sendClose(1000);
    }
    if (event.type === "closed") console.log(`closed, code ${event.code}`);
  }
  const { chunks, closeTransport } = websocket.takeOutput();
  write(chunks);
  if (closeTransport) socket.end();
}

/** Acts on the SOCKS machine's output and events. */
function afterTunnel(): void {
  write(tunnel.takeOutput());
  for (const event of tunnel.takeEvents()) {
    if (event.type === "failed") {
      console.error(event.error.message);
      socket.destroy();
      return;
    }
    // The tunnel is open: the WebSocket handshake starts, then whatever
    // followed the proxy's reply is the server's.
    websocket.sendRequest(websocket.connect());
    receiveWebSocket(event.rest);
  }
}

socket.on("connect", afterTunnel); // writes the SOCKS greeting
socket.on("data", (bytes: Buffer) => {
  if (tunnel.state === "established") return receiveWebSocket(bytes);
  tunnel.receiveData(bytes);
  afterTunnel();
});
socket.on("end", () => {
  if (tunnel.state === "established") return receiveWebSocket(null);
  tunnel.receiveEof();
  afterTunnel();
});
socket.on("error", (error) =>
  console.error(`Cannot reach proxy ${proxy.display}: ${error.message}`),
);
