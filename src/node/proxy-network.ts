/**
 * What the proxy composition needs from Node: dial (TCP, or TLS to an
 * `https://` proxy), start TLS on a socket inside the tunnel, resolve names
 * for `socks5://` and `socks4://`, and hand the socket over as a transport.
 *
 * @module
 */

import { lookup } from "node:dns/promises";
import { connect as netConnect, type Socket } from "node:net";
import { type ConnectionOptions as TlsConnectOptions, connect as tlsConnect } from "node:tls";
import type { ProxyNetwork, RawStream } from "../connection/proxy-tunnel.js";
import type { TransportHandler } from "../connection/transport.js";
import { connected } from "./connected.js";
import { SocketTransport } from "./transport.js";

const IP_LITERAL = /^[\d.]+$|:/;

// Kept on a socket handed over: an error between the hand-over and the
// transport's start must not become an uncaught 'error' event.
function ignore(): void {}

/** A socket read one chunk at a time, paused in between. */
class SocketStream implements RawStream {
  readonly socket: Socket;
  #chunks: Buffer[] = [];
  #ended = false;
  #error: Error | undefined;
  #wake: (() => void) | undefined;

  constructor(socket: Socket) {
    this.socket = socket;
    socket.pause();
    socket.on("data", this.#onData);
    socket.on("end", this.#onEnd);
    socket.on("close", this.#onEnd);
    socket.on("error", this.#onError);
  }

  readonly #onData = (chunk: Buffer): void => {
    this.socket.pause();
    this.#chunks.push(chunk);
    this.#notify();
  };
  readonly #onEnd = (): void => {
    this.#ended = true;
    this.#notify();
  };
  readonly #onError = (error: Error): void => {
    this.#error = error;
    this.#notify();
  };

  #notify(): void {
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }

  async read(): Promise<Uint8Array | null> {
    for (;;) {
      const chunk = this.#chunks.shift();
      if (chunk !== undefined) return chunk;
      if (this.#error !== undefined) throw this.#error;
      if (this.#ended) return null;
      const woken = new Promise<void>((resolve) => {
        this.#wake = resolve;
      });
      this.socket.resume();
      await woken;
    }
  }

  write(bytes: Uint8Array): Promise<void> {
    return new Promise((resolve, reject) => {
      this.socket.write(bytes, (error) => (error ? reject(error) : resolve()));
    });
  }

  destroy(): void {
    this.socket.destroy();
  }

  /** Stops listening and gives the socket back, paused. */
  release(): Socket {
    const socket = this.socket;
    socket.off("data", this.#onData);
    socket.off("end", this.#onEnd);
    socket.off("close", this.#onEnd);
    socket.off("error", this.#onError);
    socket.on("error", ignore);
    return socket;
  }
}

/** The proxy socket handed over paused: reading starts with the transport. */
class ResumedTransport extends SocketTransport {
  override start(handler: TransportHandler): void {
    super.start(handler);
    this.socket.off("error", ignore);
    this.socket.resume();
  }
}

/** The socket as a stream once connected (after its TLS handshake when `secure`). */
function streamOnce(socket: Socket, secure: boolean): Promise<SocketStream> {
  return connected(socket, secure, (connectedSocket) => new SocketStream(connectedSocket));
}

/** SNI names a host, not an IP address (RFC 6066 3). */
function servernameOf(host: string): { servername?: string } {
  return IP_LITERAL.test(host) ? {} : { servername: host };
}

/**
 * Node's {@link ProxyNetwork}. `tls` applies to the target (inside the
 * tunnel), `proxyTls` to an `https://` proxy.
 */
export function nodeProxyNetwork(
  tls: TlsConnectOptions | undefined,
  proxyTls: TlsConnectOptions | undefined,
): ProxyNetwork<SocketStream> {
  return {
    dial({ hostname, port, tls: secure }) {
      if (!secure) return streamOnce(netConnect({ host: hostname, port }), false);
      const socket = tlsConnect({ host: hostname, port, ...servernameOf(hostname), ...proxyTls });
      return streamOnce(socket, true);
    },
    startTls(stream, servername) {
      const socket = tlsConnect({
        socket: stream.release(),
        ...servernameOf(servername),
        ALPNProtocols: ["http/1.1"],
        ...tls,
      });
      return streamOnce(socket, true);
    },
    transport(stream, head) {
      const socket = stream.release();
      // Bytes read past the proxy's reply go back in front of the socket's own.
      if (head.length > 0) socket.unshift(head);
      return new ResumedTransport(socket);
    },
    async lookup(hostname, ipv4Only) {
      return (await lookup(hostname, ipv4Only ? { family: 4 } : {})).address;
    },
  };
}
