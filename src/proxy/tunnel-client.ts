/**
 * What every proxy client machine shares: bytes in, bytes and events out, and
 * three states.
 *
 * ```text
 * connecting --(the proxy's success reply)--> established   (event "established", with `rest`)
 * connecting --(refusal, bad reply, EOF)----> failed        (event "failed", with a ProxyError)
 * ```
 *
 * The first bytes to write (the CONNECT request, the SOCKS greeting) are in
 * `takeOutput()` as soon as the machine is made. Input is read only as far
 * as the reply goes: the bytes that follow it are the tunnel's (the target's
 * first bytes) and are handed back in the `established` event, never dropped.
 *
 * @module
 */

import { EMPTY_BYTES } from "../core/bytes.js";
import { InvalidStateError } from "../core/errors.js";
import { ProxyError, type ProxyErrorDetails } from "./errors.js";
import type { ProxyEndpoint } from "./proxy-url.js";

/** The tunnel is open: what follows belongs to the target. */
export interface EstablishedEvent {
  readonly type: "established";
  /** Bytes received after the proxy's reply (often empty): the target's, to feed the next layer first. */
  readonly rest: Uint8Array;
}

/** The proxy did not open the tunnel. Close the connection to the proxy. */
export interface FailedEvent {
  readonly type: "failed";
  readonly error: ProxyError;
}

/** What a proxy client machine reports. */
export type TunnelEvent = EstablishedEvent | FailedEvent;

/** A machine's state. */
export type TunnelState = "connecting" | "established" | "failed";

/** Where the tunnel goes. */
export interface TunnelTarget {
  /** Host name or IP address (IPv6 with or without brackets). */
  readonly host: string;
  /** TCP port, 1 to 65535. */
  readonly port: number;
}

/**
 * A proxy client: a sans-I/O machine for the exchange that opens a tunnel
 * through a proxy (HTTP CONNECT or SOCKS). Feed it what the proxy sends,
 * write what it outputs, until an event says how it ended.
 */
export interface TunnelClient {
  /** `connecting` until the proxy's reply, then `established` or `failed`. */
  readonly state: TunnelState;
  /** The proxy, as a URL without credentials. */
  readonly proxy: string;
  /**
   * Feeds bytes received from the proxy. Never throws for what the proxy
   * sent (that becomes a `failed` event); throws InvalidStateError once the
   * tunnel is established (the bytes are the target's then). Ignored after
   * a failure.
   */
  receiveData(bytes: Uint8Array): void;
  /** The proxy closed the connection: a `failed` event unless the tunnel was already established. */
  receiveEof(): void;
  /** Chunks to write to the proxy, in order. */
  takeOutput(): Uint8Array[];
  /** Events since the last call: at most one, `established` or `failed`. */
  takeEvents(): TunnelEvent[];
}

/** Shared bookkeeping of the machines: output, events, state, the failure path. */
export abstract class TunnelMachine implements TunnelClient {
  readonly proxy: string;
  /** The target as it appears in messages (`example.com:443`). */
  protected readonly targetText: string;
  #state: TunnelState = "connecting";
  #output: Uint8Array[] = [];
  #events: TunnelEvent[] = [];

  constructor(proxy: ProxyEndpoint, target: TunnelTarget) {
    checkPort(target.port);
    this.proxy = proxy.display;
    const host = unbracket(target.host);
    this.targetText = `${host.includes(":") ? `[${host}]` : host}:${target.port}`;
  }

  get state(): TunnelState {
    return this.#state;
  }

  receiveData(bytes: Uint8Array): void {
    if (this.#state === "established") {
      throw new InvalidStateError(
        "Cannot feed proxy client: the tunnel is established (the bytes are the target's)",
      );
    }
    if (this.#state === "failed" || bytes.length === 0) return;
    this.consume(bytes);
  }

  receiveEof(): void {
    if (this.#state !== "connecting") return;
    this.fail(
      this.started()
        ? "the proxy closed the connection in the middle of its reply"
        : "the proxy closed the connection before its reply",
      { isTransient: true },
    );
  }

  takeOutput(): Uint8Array[] {
    const output = this.#output;
    if (output.length === 0) return output;
    this.#output = [];
    return output;
  }

  takeEvents(): TunnelEvent[] {
    const events = this.#events;
    if (events.length === 0) return events;
    this.#events = [];
    return events;
  }

  /** Handles bytes from the proxy (not empty, while connecting). */
  protected abstract consume(bytes: Uint8Array): void;
  /** Whether part of the reply has been received (for the EOF message). */
  protected abstract started(): boolean;

  protected send(bytes: Uint8Array): void {
    this.#output.push(bytes);
  }

  protected establish(rest: Uint8Array): void {
    this.#state = "established";
    this.#events.push({ type: "established", rest: rest.length === 0 ? EMPTY_BYTES : rest });
  }

  /** Fails with `Cannot open tunnel to TARGET through proxy PROXY: DETAIL`. */
  protected fail(
    detail: string,
    details: Omit<ProxyErrorDetails, "proxy"> = {},
    options?: ErrorOptions,
  ): void {
    this.#state = "failed";
    const error = new ProxyError(
      `Cannot open tunnel to ${this.targetText} through proxy ${this.proxy}: ${detail}`,
      { ...details, proxy: this.proxy },
      options,
    );
    this.#events.push({ type: "failed", error });
  }
}

function checkPort(port: number): void {
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new RangeError(`Cannot open tunnel: invalid target port ${port}`);
  }
}

/** `host` without the brackets of an IPv6 literal. */
export function unbracket(host: string): string {
  return host.startsWith("[") && host.endsWith("]") ? host.slice(1, -1) : host;
}

/** A byte of a proxy's reply as error messages show it: `0x5a`. */
export function hex(byte: number): string {
  return `0x${byte.toString(16).padStart(2, "0")}`;
}

/**
 * Collects the next `count` bytes of a reply across reads: a SOCKS reply is a
 * few bytes, and may arrive split anywhere. Holds at most 262 bytes (the
 * longest SOCKS5 reply).
 */
export class ReplyReader {
  #buffer = new Uint8Array(262);
  #length = 0;

  /** Bytes collected so far. */
  get length(): number {
    return this.#length;
  }

  /** Byte `index` of what was collected. */
  at(index: number): number {
    return this.#buffer[index]!;
  }

  /**
   * Takes bytes from `bytes` at `pos` until `count` are collected. Returns
   * the position after the bytes taken.
   */
  fill(bytes: Uint8Array, pos: number, count: number): number {
    const take = Math.min(count - this.#length, bytes.length - pos);
    if (take <= 0) return pos;
    this.#buffer.set(bytes.subarray(pos, pos + take), this.#length);
    this.#length += take;
    return pos + take;
  }

  /** Forgets what was collected (the next reply starts). */
  clear(): void {
    this.#length = 0;
  }
}
