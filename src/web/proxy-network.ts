/**
 * What the proxy composition needs from a web-stream runtime: dial with the
 * runtime's TCP API (or the `socket` option), start TLS inside the tunnel
 * (Deno's `Deno.startTls`), resolve names (`Deno.resolveDns`), and hand the
 * streams over as a transport. Reads happen only when the exchange asks, so
 * no read is pending when `Deno.startTls` takes the connection.
 *
 * @module
 */

import type { ProxyNetwork, RawStream } from "../connection/proxy-tunnel.js";
import type { ProxyEnv } from "../proxy/select.js";
import { openStreams, type WebClientOptions } from "./client.js";
import type { ByteReader, ByteStreams, ByteWriter } from "./transport.js";
import { StreamTransport } from "./transport.js";

// The members of Deno's namespace used here, declared locally (no Deno types).
interface DenoProxyApi {
  startTls(
    conn: unknown,
    options: { hostname: string; caCerts?: string[]; alpnProtocols?: string[] },
  ): Promise<ByteStreams>;
  resolveDns(query: string, recordType: "A" | "AAAA"): Promise<string[]>;
  env: { toObject(): Record<string, string> };
  permissions: { querySync?(descriptor: { name: "env" }): { state: string } };
}

function deno(): DenoProxyApi | undefined {
  const namespace = (globalThis as { Deno?: DenoProxyApi }).Deno;
  return typeof namespace?.startTls === "function" ? namespace : undefined;
}

/** Deno's environment when env access is granted (asking would prompt); else none. */
export function denoProxyEnv(): ProxyEnv | undefined {
  const namespace = deno();
  if (namespace?.permissions.querySync?.({ name: "env" }).state !== "granted") return undefined;
  return namespace.env.toObject();
}

/** Byte streams read one chunk at a time, on request. */
class StreamsStream implements RawStream {
  readonly streams: ByteStreams;
  readonly address: { remoteAddress?: string; remotePort?: number };
  #reader: ByteReader | undefined;
  #writer: ByteWriter | undefined;

  constructor(streams: ByteStreams, address: { remoteAddress?: string; remotePort?: number }) {
    this.streams = streams;
    this.address = address;
  }

  async read(): Promise<Uint8Array | null> {
    this.#reader ??= this.streams.readable.getReader();
    const result = await this.#reader.read();
    return result.done ? null : result.value;
  }

  write(bytes: Uint8Array): Promise<void> {
    this.#writer ??= this.streams.writable.getWriter();
    return this.#writer.write(bytes);
  }

  destroy(): void {
    this.#reader?.cancel().catch(() => {});
    this.#writer?.abort().catch(() => {});
    try {
      const closing = this.streams.close?.();
      if (closing instanceof Promise) closing.catch(() => {});
    } catch {}
  }

  /** Gives the streams back, unlocked (no read is pending: reads happen only on request). */
  release(): ByteStreams {
    (this.#reader as { releaseLock?(): void } | undefined)?.releaseLock?.();
    (this.#writer as { releaseLock?(): void } | undefined)?.releaseLock?.();
    this.#reader = undefined;
    this.#writer = undefined;
    return this.streams;
  }
}

/** The web runtimes' {@link ProxyNetwork}; `caCerts` apply to the proxy and the target. */
export function webProxyNetwork(options: WebClientOptions): ProxyNetwork<StreamsStream> {
  const namespace = deno();
  return {
    async dial({ hostname, port, tls }) {
      const { streams, ...address } = await openStreams({ hostname, port, secure: tls }, options);
      return new StreamsStream(streams, address);
    },
    async startTls(stream, servername) {
      if (namespace === undefined) {
        throw new TypeError(
          "Cannot start TLS inside a proxy tunnel: this runtime has no startTls (Deno has)",
        );
      }
      const conn = await namespace.startTls(stream.release(), {
        hostname: servername,
        alpnProtocols: ["http/1.1"],
        ...(options.caCerts === undefined ? {} : { caCerts: [...options.caCerts] }),
      });
      return new StreamsStream(conn, stream.address);
    },
    transport(stream, head) {
      return new StreamTransport(stream.release(), {
        ...options.transport,
        ...stream.address,
        head,
      });
    },
    ...(namespace === undefined
      ? {}
      : {
          async lookup(hostname: string, ipv4Only: boolean): Promise<string> {
            // resolveDns asks DNS only; the hosts file's usual name is answered here.
            if (hostname === "localhost") return "127.0.0.1";
            const v4 = await namespace.resolveDns(hostname, "A").catch(() => []);
            if (v4.length > 0 || ipv4Only) {
              if (v4[0] === undefined) throw new Error(`no IPv4 address for ${hostname}`);
              return v4[0];
            }
            const v6 = await namespace.resolveDns(hostname, "AAAA");
            if (v6[0] === undefined) throw new Error(`no address for ${hostname}`);
            return v6[0];
          },
        }),
  };
}
