// Bring your own I/O: the sans-I/O core driven over raw `node:net` sockets,
// with no connection layer. A server echoes messages; a client sends one,
// prints the echo, and closes. Run: node .build/examples/bring-your-own-io.js
//
// The whole contract: feed bytes in with receiveData()/receiveEof(), call
// commands (accept, sendText, sendClose...), then pull takeEvents() and
// takeOutput() and do what they say. See docs/bring-your-own-io.md.

import { type AddressInfo, connect, createServer, type Socket } from "node:net";
import { ClientProtocol, type Protocol, ServerProtocol } from "../src/core/index.js";

/** How long to wait for the peer to finish the closing handshake (RFC 6455 7.1.1). */
const CLOSE_TIMEOUT_MS = 5000;
const closeTimers = new WeakSet<Socket>();

/**
 * Writes what the protocol produced, and half-closes the socket when the
 * protocol says it is done sending. Called after every input and command.
 */
function flush(protocol: Protocol, socket: Socket): void {
  const { chunks, closeTransport } = protocol.takeOutput();
  if (chunks.length > 0) {
    socket.cork(); // all chunks in one write: one TCP segment for small frames
    for (const chunk of chunks) socket.write(chunk);
    socket.uncork();
  }
  if (closeTransport) socket.end();
  // Timers are the I/O layer's job: if the peer never answers our close
  // frame, give up on it.
  if (protocol.closeExpected && !closeTimers.has(socket)) {
    closeTimers.add(socket);
    setTimeout(() => socket.destroy(), CLOSE_TIMEOUT_MS).unref();
  }
}

/** Wires a socket to a protocol: bytes and end of stream in, then `handle` the events. */
function drive<P extends Protocol>(
  protocol: P,
  socket: Socket,
  handle: (protocol: P) => void,
): void {
  socket.on("data", (data) => {
    protocol.receiveData(data); // a Buffer is a Uint8Array
    handle(protocol);
    flush(protocol, socket);
  });
  socket.on("end", () => {
    protocol.receiveEof();
    handle(protocol);
    flush(protocol, socket);
  });
  // A reset or a timeout: the protocol learns that the stream ended (1006).
  socket.on("error", () => socket.destroy());
  socket.on("close", () => {
    if (protocol.state !== "closed") {
      protocol.receiveEof();
      handle(protocol);
    }
  });
}

// ---------------------------------------------------------------- the server

const server = createServer((socket) => {
  const protocol = new ServerProtocol();
  drive(protocol, socket, (p) => {
    for (const event of p.takeEvents()) {
      switch (event.type) {
        case "request":
          // The place for routing, authentication and origin checks: answer
          // with p.reject(403, "...") instead to refuse.
          p.sendResponse(p.accept(event.request));
          break;
        case "text":
          p.sendText(event.data); // echo
          break;
        case "binary":
          p.sendBinary(event.data);
          break;
        case "closed":
          console.log(`server: connection closed, code ${event.code}, clean: ${event.wasClean}`);
          break;
        // ping (the pong is already queued), pong, close (the echo is queued)
      }
    }
  });
});

// ---------------------------------------------------------------- the client

server.listen(0, "127.0.0.1", () => {
  const { port } = server.address() as AddressInfo;
  const protocol = new ClientProtocol(`ws://127.0.0.1:${port}/`);
  const socket = connect(port, "127.0.0.1", () => {
    protocol.sendRequest(protocol.connect()); // the request is editable first (headers)
    flush(protocol, socket);
  });
  drive(protocol, socket, (p) => {
    for (const event of p.takeEvents()) {
      switch (event.type) {
        case "response":
          if (event.error !== undefined) {
            console.log(`client: handshake failed: ${event.error.message}`);
          } else {
            console.log(`client: connected, status ${event.response.status}`);
            p.sendText("Hello, sans-I/O!");
          }
          break;
        case "text":
          console.log(`client: received ${JSON.stringify(event.data)}`);
          p.sendClose(1000, "done");
          break;
        case "closed":
          console.log(`client: connection closed, code ${event.code}, clean: ${event.wasClean}`);
          server.close(); // the example is over
          break;
      }
    }
  });
});
