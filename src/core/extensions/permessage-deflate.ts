/**
 * permessage-deflate (RFC 7692): negotiation for both roles and the
 * per-message DEFLATE transformation, over a synchronous, bounded
 * {@link DeflateCodec} that the runtime supplies.
 *
 * The runtimes' `permessageDeflate()` makes the factories with a codec filled
 * in: Node's zlib from `websocket-sansio/node`, fflate from
 * `websocket-sansio/web`. Construct the factories directly only with a codec
 * of your own.
 *
 * @example
 * ```ts
 * import { ServerProtocol } from "websocket-sansio";
 * import { permessageDeflate } from "websocket-sansio/node";
 * const deflate = permessageDeflate({ serverMaxWindowBits: 10 });
 * const protocol = new ServerProtocol({ extensions: [deflate.server] });
 * ```
 *
 * @module
 */

import { ProtocolError } from "../errors.js";
import type {
  ClientExtensionFactory,
  Extension,
  ExtensionParam,
  ServerExtensionFactory,
} from "../extension.js";
import type { DeflateCodec, Deflater, DeflaterOptions, Inflater } from "./deflate-codec.js";

/** The extension token (RFC 7692 section 7). */
export const PERMESSAGE_DEFLATE = "permessage-deflate";

/** RSV1 is the "Per-Message Compressed" bit (RFC 7692 section 6). */
const RSV1 = 0x40;

/** The empty stored block a sync flush ends with, removed by the sender (RFC 7692 7.2.1). */
const TAIL = new Uint8Array([0x00, 0x00, 0xff, 0xff]);

/** A compressed empty message: one empty stored block once the tail is appended (RFC 7692 7.2.3.6). */
const EMPTY_MESSAGE = new Uint8Array([0x00]);

const EMPTY = new Uint8Array(0);

/**
 * Defaults, chosen for many mostly idle connections (the server case):
 * - `maxWindowBits` 12: a 4 KiB window. zlib's compressor needs
 *   2^(windowBits+2) + 2^(memLevel+9) bytes, its decompressor 2^windowBits
 *   plus ~7 KiB. With 12 bits and memLevel 5 a connection that takes over
 *   context costs ~45 KiB of zlib state instead of ~300 KiB at zlib's defaults
 *   (15 and 8), for a few percent of compression on typical JSON. Python
 *   websockets serves with the same numbers for the same reason.
 * - `memLevel` 5: see above; higher levels buy little on messages of a few KiB.
 * - `level` 6: zlib's default, for messages below `largeMessageBytes`. On
 *   a 1 KiB message level 6 costs ~5-10 us more than level 4 and saves 3-6 %
 *   of its bytes: small messages are most of the traffic, and there the
 *   bytes are worth more than the microseconds.
 * - `largeMessageLevel` 4 from `largeMessageBytes` 16 KiB: the codec runs
 *   synchronously on the event loop, so a large message's compression time
 *   is time no other connection is served. Deflate is >95 % of the cost of a
 *   64 KiB message, and level 6 spends it on long hash chains: measured on
 *   64 KiB messages of prose, HTML, JSON, bundled JavaScript and Markdown
 *   (Node 20's zlib, 15-bit window, memLevel 8), level 4 compresses 1.6-2x
 *   faster than level 6 for 2-7 % more output (e.g. prose 27.7 % -> 28.8 %
 *   of the input, JSON 18.9 % -> 20.2 %), and up to 4.8x faster on text
 *   with a tiny vocabulary. Level 4 is the knee: level 5 gains 1.2-1.5x,
 *   levels 1-3 gain little more speed for 10-20 % more output. With a
 *   12-bit window the gain is smaller (1.2-2x), as chains are shorter.
 *   The level changes between messages without resetting the window.
 * - `thresholdBytes` 128: below this, the DEFLATE block header and the
 *   flush cost a few bytes for little saving, and the codec's per-message
 *   cost dominates the time spent on the message.
 */
export const PERMESSAGE_DEFLATE_DEFAULTS = {
  maxWindowBits: 12,
  memLevel: 5,
  level: 6,
  largeMessageLevel: 4,
  largeMessageBytes: 16 * 1024,
  thresholdBytes: 128,
} as const;

/** Options shared by both roles. */
export interface PerMessageDeflateOptions {
  /** The DEFLATE implementation (native zlib on Node, fflate elsewhere). */
  readonly codec: DeflateCodec;
  /**
   * Server: the server resets its compressor after every message and says so.
   * Client: ask the server to do that (saves the client's decompressor state).
   * Default false: context takeover compresses small similar messages far better.
   */
  readonly serverNoContextTakeover?: boolean;
  /**
   * Server: ask the client to reset its compressor after every message, which
   * lets the server keep no decompressor state per connection.
   * Client: reset the compressor after every message, and offer it as a hint.
   * Default false.
   */
  readonly clientNoContextTakeover?: boolean;
  /**
   * Server: the largest window the server compresses with (8 to 15; default 12).
   * Client: ask the server for at most this window (default: no request).
   */
  readonly serverMaxWindowBits?: number;
  /**
   * Server: the largest window the server asks the client to compress with,
   * when the client allows it (default 12).
   * Client: the window offered as the client's own limit (default: offered
   * without a value, letting the server choose; 15 if it does not).
   */
  readonly clientMaxWindowBits?: number;
  /**
   * Compression level, 0 to 9, of messages below `largeMessageBytes`
   * (default 6). When set, it is also the level of large messages unless
   * `largeMessageLevel` is set too.
   */
  readonly level?: number;
  /**
   * Compression level, 0 to 9, of messages (or frames of fragmented messages)
   * of at least `largeMessageBytes` (default 4; `level` when only `level` is set).
   */
  readonly largeMessageLevel?: number;
  /** Size from which `largeMessageLevel` applies (default 16384). */
  readonly largeMessageBytes?: number;
  /** zlib memory level, 1 to 9 (default 5). */
  readonly memLevel?: number;
  /** Messages shorter than this are sent uncompressed (default 128). */
  readonly thresholdBytes?: number;
}

/** What the handshake agreed, as seen in the response. */
export interface PerMessageDeflateParams {
  readonly serverNoContextTakeover: boolean;
  readonly clientNoContextTakeover: boolean;
  /** The window the server compresses with (15 when the response does not limit it). */
  readonly serverMaxWindowBits: number;
  /** The window the client compresses with (15 when the response does not limit it). */
  readonly clientMaxWindowBits: number;
}

/** Parameters of one offer or response, validated (RFC 7692 7.1). */
interface ParsedParams {
  serverNoContextTakeover: boolean;
  clientNoContextTakeover: boolean;
  serverMaxWindowBits: number | undefined;
  /** `true`: present without a value (offers only). */
  clientMaxWindowBits: number | true | undefined;
}

/** 8 to 15 in decimal without leading zeros (RFC 7692 7.1.2.1 ABNF). */
const WINDOW_BITS = /^(?:[89]|1[0-5])$/;

/**
 * Validates parameters by the rules both roles share (RFC 7692 7.1): no
 * unknown parameter, none twice, values where the RFC wants them. Returns an
 * error message instead of throwing so that the server can decline quietly.
 */
function parseParams(params: readonly ExtensionParam[], isOffer: boolean): ParsedParams | string {
  const parsed: ParsedParams = {
    serverNoContextTakeover: false,
    clientNoContextTakeover: false,
    serverMaxWindowBits: undefined,
    clientMaxWindowBits: undefined,
  };
  const seen = new Set<string>();
  for (const [name, value] of params) {
    if (seen.has(name)) return `duplicate parameter "${name}"`;
    seen.add(name);
    switch (name) {
      case "server_no_context_takeover":
      case "client_no_context_takeover":
        if (value !== null) return `parameter "${name}" has a value "${value}"`;
        if (name === "server_no_context_takeover") parsed.serverNoContextTakeover = true;
        else parsed.clientNoContextTakeover = true;
        break;
      case "server_max_window_bits":
        if (value === null || !WINDOW_BITS.test(value)) {
          return `invalid value ${value === null ? "(none)" : `"${value}"`} for "${name}"`;
        }
        parsed.serverMaxWindowBits = Number(value);
        break;
      case "client_max_window_bits":
        // Only an offer may leave the value out (7.1.2.2).
        if (value === null && isOffer) {
          parsed.clientMaxWindowBits = true;
        } else if (value === null || !WINDOW_BITS.test(value)) {
          return `invalid value ${value === null ? "(none)" : `"${value}"`} for "${name}"`;
        } else {
          parsed.clientMaxWindowBits = Number(value);
        }
        break;
      default:
        return `unknown parameter "${name}"`;
    }
  }
  return parsed;
}

/** Throws a RangeError unless `value` is an integer in [min, max]. */
function checkRange(name: string, value: number | undefined, min: number, max: number): void {
  if (value !== undefined && !(Number.isInteger(value) && value >= min && value <= max)) {
    throw new RangeError(`Cannot configure permessage-deflate: ${name} must be ${min} to ${max}`);
  }
}

/** Checks options shared by both factories. */
function checkOptions(options: PerMessageDeflateOptions): void {
  checkRange("serverMaxWindowBits", options.serverMaxWindowBits, 8, 15);
  checkRange("clientMaxWindowBits", options.clientMaxWindowBits, 8, 15);
  checkRange("level", options.level, 0, 9);
  checkRange("largeMessageLevel", options.largeMessageLevel, 0, 9);
  checkRange("largeMessageBytes", options.largeMessageBytes, 0, Number.MAX_SAFE_INTEGER);
  checkRange("memLevel", options.memLevel, 1, 9);
  checkRange("thresholdBytes", options.thresholdBytes, 0, Number.MAX_SAFE_INTEGER);
}

/**
 * The window used to decompress what a peer compresses with at most
 * 2^agreed bytes. Never below 9: zlib (so Node, ws and most C servers)
 * cannot compress with a 256-byte raw window and uses 512 bytes when told 8.
 * zlib itself still refers at most 250 bytes back then, but a compressor that
 * trusts its 512-byte window fully would not; accepting it costs 256 bytes
 * and never fails a peer that meant well.
 */
function inflateWindowBits(agreed: number): number {
  return Math.max(agreed, 9);
}

/** The largest window at most `limit` the codec can compress with, or undefined. */
function supportedWindow(codec: DeflateCodec, limit: number): number | undefined {
  let best: number | undefined;
  for (const bits of codec.deflateWindowBits) if (bits <= limit && (best ?? 0) < bits) best = bits;
  return best;
}

/**
 * Codecs shared by every connection of a process whose direction has no
 * context takeover. A message that is encoded or decoded in one call (a
 * single frame) needs no state before or after it, and the core is
 * synchronous, so one reset codec per parameter set serves them all: an idle
 * connection without context takeover then holds no codec memory at all.
 */
const sharedDeflaters = new WeakMap<DeflateCodec, Map<string, Deflater>>();
const sharedInflaters = new WeakMap<DeflateCodec, Map<number, Inflater>>();

function sharedDeflater(codec: DeflateCodec, key: string, options: DeflaterOptions): Deflater {
  let byKey = sharedDeflaters.get(codec);
  if (byKey === undefined) sharedDeflaters.set(codec, (byKey = new Map()));
  let deflater = byKey.get(key);
  if (deflater === undefined) byKey.set(key, (deflater = codec.createDeflater(options)));
  return deflater;
}

function sharedInflater(codec: DeflateCodec, windowBits: number): Inflater {
  let byBits = sharedInflaters.get(codec);
  if (byBits === undefined) sharedInflaters.set(codec, (byBits = new Map()));
  let inflater = byBits.get(windowBits);
  if (inflater === undefined) byBits.set(windowBits, (inflater = codec.createInflater(windowBits)));
  return inflater;
}

/** Settings of one side of an open connection, derived from the agreed parameters. */
interface DirectionSettings {
  readonly codec: DeflateCodec;
  readonly deflater: DeflaterOptions;
  readonly deflateNoContextTakeover: boolean;
  readonly inflateWindowBits: number;
  readonly inflateNoContextTakeover: boolean;
  readonly thresholdBytes: number;
  /** The level of inputs of at least `largeMessageBytes` (the deflater's own below). */
  readonly largeMessageLevel: number;
  readonly largeMessageBytes: number;
}

/**
 * permessage-deflate on one open connection. Created by the factories; the
 * core calls {@link encode} and {@link decode} for data frames only, so
 * control frames are never compressed (RFC 7692 6.1).
 */
export class PerMessageDeflate implements Extension {
  readonly name = PERMESSAGE_DEFLATE;
  readonly rsvBits = RSV1;
  /** The parameters agreed in the handshake. */
  readonly params: PerMessageDeflateParams;
  /**
   * Not null when encoding a whole message in one frame depends only on the
   * payload and this key (no context takeover when sending): connections with
   * the same key may share one compressed payload (broadcast).
   */
  readonly sharedKey: string | null;
  readonly #settings: DirectionSettings;
  #deflater: Deflater | null = null;
  #inflater: Inflater | null = null;
  /** An earlier frame of this message ended with a flush whose tail was held back. */
  #tailPending = false;
  /** The message being received is compressed. */
  #receiving = false;

  /** @internal Use the factories. */
  constructor(params: PerMessageDeflateParams, settings: DirectionSettings) {
    this.params = params;
    this.#settings = settings;
    const { deflater, deflateNoContextTakeover, codec, thresholdBytes } = settings;
    this.sharedKey = deflateNoContextTakeover
      ? `${codec.name}:${deflater.windowBits}:${deflater.memLevel}:${deflater.level}:${thresholdBytes}:${settings.largeMessageLevel}:${settings.largeMessageBytes}`
      : null;
  }

  /**
   * Compresses one outgoing data frame (RFC 7692 7.2.1). A message is
   * compressed when it is fragmented or at least `thresholdBytes` long; then
   * RSV1 goes on its first frame only (section 6). Each frame ends with a sync
   * flush so the peer can decode it at once; the 4-byte tail of each flush is
   * held back and sent at the start of the next frame, so that the last frame
   * can drop it as 7.2.1 requires, whatever the frames' sizes.
   */
  encode(payload: Uint8Array, first: boolean, fin: boolean): { payload: Uint8Array; rsv: number } {
    const settings = this.#settings;
    if (first) {
      // A fragmented message's size is unknown: compress it (streams tend to be large).
      if (fin && payload.length < settings.thresholdBytes) return { payload, rsv: 0 };
      this.#tailPending = false;
    }
    const rsv = first ? RSV1 : 0;
    const level =
      payload.length >= settings.largeMessageBytes
        ? settings.largeMessageLevel
        : settings.deflater.level;
    if (first && fin && settings.deflateNoContextTakeover) {
      const deflater = sharedDeflater(settings.codec, this.sharedKey!, settings.deflater);
      try {
        return { payload: stripTail(deflater.deflate(payload, level)), rsv };
      } finally {
        deflater.reset();
      }
    }
    this.#deflater ??= settings.codec.createDeflater(settings.deflater);
    const out = this.#deflater.deflate(payload, level);
    let frame: Uint8Array;
    if (out.length === 0) {
      // Nothing new since the last flush: the held tail stays held. A message
      // that produced no byte at all still needs one block (7.2.3.6).
      frame = fin && !this.#tailPending ? EMPTY_MESSAGE : EMPTY;
    } else {
      const body = stripTail(out);
      if (this.#tailPending) {
        frame = new Uint8Array(TAIL.length + body.length);
        frame.set(TAIL);
        frame.set(body, TAIL.length);
      } else {
        frame = body;
      }
      this.#tailPending = true;
    }
    if (fin && settings.deflateNoContextTakeover) {
      // A message that spanned several calls: drop its codec, the next
      // single-frame message uses the shared one.
      this.#deflater.close();
      this.#deflater = null;
    }
    return { payload: frame, rsv };
  }

  /**
   * Decompresses one incoming data frame (RFC 7692 7.2.2). RSV1 on the first
   * frame marks a compressed message; on a continuation frame it is a protocol
   * error (section 6.1). Output is bounded by `maxBytes` while it is produced.
   */
  decode(
    payload: Uint8Array,
    rsv: number,
    first: boolean,
    fin: boolean,
    maxBytes: number,
  ): Uint8Array {
    if (first) {
      this.#receiving = (rsv & RSV1) !== 0;
    } else if ((rsv & RSV1) !== 0) {
      throw new ProtocolError(1002, "Cannot decode frame: RSV1 set on a continuation frame");
    }
    if (!this.#receiving) {
      if (payload.length > maxBytes) throw tooBig(maxBytes);
      return payload;
    }
    const settings = this.#settings;
    const oneShot = first && fin && settings.inflateNoContextTakeover;
    const inflater = oneShot
      ? sharedInflater(settings.codec, settings.inflateWindowBits)
      : (this.#inflater ??= settings.codec.createInflater(settings.inflateWindowBits));
    let out: Uint8Array | null;
    try {
      out = inflater.inflate(payload, fin, maxBytes);
    } catch (error) {
      this.#dropInflater(inflater, oneShot);
      throw new ProtocolError(1007, "Cannot decompress message: invalid DEFLATE data", {
        cause: error,
      });
    }
    if (out === null) {
      this.#dropInflater(inflater, oneShot);
      throw tooBig(maxBytes);
    }
    if (fin && settings.inflateNoContextTakeover) this.#dropInflater(inflater, oneShot);
    return out;
  }

  /** Releases the per-connection codecs. */
  dispose(): void {
    this.#deflater?.close();
    this.#deflater = null;
    this.#inflater?.close();
    this.#inflater = null;
  }

  /** Resets a shared inflater for its next user, or closes this connection's own. */
  #dropInflater(inflater: Inflater, shared: boolean): void {
    if (shared) {
      inflater.reset();
    } else {
      inflater.close();
      this.#inflater = null;
    }
  }
}

/** Removes the 00 00 ff ff a sync flush ends with (RFC 7692 7.2.1 step 2). */
function stripTail(out: Uint8Array): Uint8Array {
  const n = out.length;
  if (
    n < 4 ||
    out[n - 4] !== 0x00 ||
    out[n - 3] !== 0x00 ||
    out[n - 2] !== 0xff ||
    out[n - 1] !== 0xff
  ) {
    throw new Error("Cannot compress message: the codec's output does not end with a sync flush");
  }
  return out.subarray(0, n - 4);
}

function tooBig(maxBytes: number): ProtocolError {
  return new ProtocolError(1009, `Cannot decompress message: larger than ${maxBytes} bytes`);
}

/** Builds the extension for one role from the agreed parameters. */
function createExtension(
  role: "client" | "server",
  params: PerMessageDeflateParams,
  options: PerMessageDeflateOptions,
): PerMessageDeflate {
  const server = role === "server";
  return new PerMessageDeflate(params, {
    codec: options.codec,
    deflater: {
      windowBits: server ? params.serverMaxWindowBits : params.clientMaxWindowBits,
      memLevel: options.memLevel ?? PERMESSAGE_DEFLATE_DEFAULTS.memLevel,
      level: options.level ?? PERMESSAGE_DEFLATE_DEFAULTS.level,
    },
    deflateNoContextTakeover: server
      ? params.serverNoContextTakeover
      : params.clientNoContextTakeover || (options.clientNoContextTakeover ?? false),
    inflateWindowBits: inflateWindowBits(
      server ? params.clientMaxWindowBits : params.serverMaxWindowBits,
    ),
    inflateNoContextTakeover: server
      ? params.clientNoContextTakeover
      : params.serverNoContextTakeover,
    thresholdBytes: options.thresholdBytes ?? PERMESSAGE_DEFLATE_DEFAULTS.thresholdBytes,
    largeMessageLevel:
      options.largeMessageLevel ?? options.level ?? PERMESSAGE_DEFLATE_DEFAULTS.largeMessageLevel,
    largeMessageBytes: options.largeMessageBytes ?? PERMESSAGE_DEFLATE_DEFAULTS.largeMessageBytes,
  });
}

function hasRsv1(accepted: readonly Extension[]): boolean {
  return accepted.some((extension) => (extension.rsvBits & RSV1) !== 0);
}

/**
 * The server side of permessage-deflate: answers the first acceptable offer
 * (RFC 7692 section 5) and declines the others, following 7.1's rules.
 */
export class ServerPerMessageDeflateFactory implements ServerExtensionFactory {
  readonly name = PERMESSAGE_DEFLATE;
  readonly #options: PerMessageDeflateOptions;
  /** The largest window this server compresses with. */
  readonly #maxWindowBits: number;

  /** @throws RangeError for out-of-range options, or a window the codec cannot use */
  constructor(options: PerMessageDeflateOptions) {
    checkOptions(options);
    this.#options = options;
    const { codec } = options;
    // The default is a preference: a codec that cannot go that small (fflate
    // only does 15) uses its smallest window. A configured value is a limit.
    this.#maxWindowBits =
      options.serverMaxWindowBits ??
      Math.max(PERMESSAGE_DEFLATE_DEFAULTS.maxWindowBits, Math.min(...codec.deflateWindowBits));
    if (supportedWindow(codec, this.#maxWindowBits) === undefined) {
      throw new RangeError(
        `Cannot configure permessage-deflate: codec "${codec.name}" cannot honour serverMaxWindowBits ${this.#maxWindowBits}`,
      );
    }
  }

  negotiate(
    params: readonly ExtensionParam[],
    accepted: readonly Extension[],
  ): { params: ExtensionParam[]; extension: PerMessageDeflate } | null {
    // Two extensions cannot both own RSV1 (section 5).
    if (hasRsv1(accepted)) return null;
    // 7.1: decline offers with unknown, duplicate or invalid parameters.
    const offer = parseParams(params, true);
    if (typeof offer === "string") return null;
    const options = this.#options;
    const response: ExtensionParam[] = [];

    // 7.1.1.1: if offered, the server must agree or decline; it may agree unasked.
    const serverNoContextTakeover =
      offer.serverNoContextTakeover || (options.serverNoContextTakeover ?? false);
    if (serverNoContextTakeover) response.push(["server_no_context_takeover", null]);
    // 7.1.1.2: the server may ask for it unasked; when the client offers it, agreeing
    // lets the server keep no decompressor per connection.
    const clientNoContextTakeover =
      offer.clientNoContextTakeover || (options.clientNoContextTakeover ?? false);
    if (clientNoContextTakeover) response.push(["client_no_context_takeover", null]);

    // 7.1.2.1: answer a value no larger than the offer's; the server may limit unasked.
    const limit = Math.min(offer.serverMaxWindowBits ?? 15, this.#maxWindowBits);
    const serverMaxWindowBits = supportedWindow(options.codec, limit);
    if (serverMaxWindowBits === undefined) return null; // cannot compress within the offer's limit
    if (offer.serverMaxWindowBits !== undefined || serverMaxWindowBits < 15) {
      response.push(["server_max_window_bits", String(serverMaxWindowBits)]);
    }

    // 7.1.2.2: limit the client's window only if the offer allows it; a value in
    // the offer is the client's own limit, and the answer must not exceed it.
    let clientMaxWindowBits = 15;
    if (offer.clientMaxWindowBits !== undefined) {
      const wanted = options.clientMaxWindowBits ?? PERMESSAGE_DEFLATE_DEFAULTS.maxWindowBits;
      clientMaxWindowBits =
        offer.clientMaxWindowBits === true ? wanted : Math.min(offer.clientMaxWindowBits, wanted);
      if (clientMaxWindowBits < 15 || offer.clientMaxWindowBits !== true) {
        response.push(["client_max_window_bits", String(clientMaxWindowBits)]);
      }
    }

    const agreed = {
      serverNoContextTakeover,
      clientNoContextTakeover,
      serverMaxWindowBits,
      clientMaxWindowBits,
    };
    return { params: response, extension: createExtension("server", agreed, options) };
  }
}

/**
 * The client side of permessage-deflate: one offer, and a strict check of the
 * server's answer (RFC 7692 7.1). To offer fallbacks, pass several factories
 * in order of preference.
 */
export class ClientPerMessageDeflateFactory implements ClientExtensionFactory {
  readonly name = PERMESSAGE_DEFLATE;
  readonly #options: PerMessageDeflateOptions;
  /** Whether the offer lets the server limit the client's window. */
  readonly #offersClientWindow: boolean;

  /** @throws RangeError for out-of-range options, or a client window the codec cannot use */
  constructor(options: PerMessageDeflateOptions) {
    checkOptions(options);
    this.#options = options;
    // Offering client_max_window_bits lets the server pick any window up to the
    // offered one (7.1.2.2), so offer it only if the codec can compress with all of them.
    const limit = options.clientMaxWindowBits ?? 15;
    let all = true;
    for (let bits = 8; bits <= limit; bits++) {
      all &&= options.codec.deflateWindowBits.includes(bits);
    }
    if (!all && options.clientMaxWindowBits !== undefined) {
      throw new RangeError(
        `Cannot configure permessage-deflate: codec "${options.codec.name}" cannot honour clientMaxWindowBits ${limit}`,
      );
    }
    this.#offersClientWindow = all;
  }

  offer(): ExtensionParam[] {
    const options = this.#options;
    const params: ExtensionParam[] = [];
    if (options.serverNoContextTakeover) params.push(["server_no_context_takeover", null]);
    if (options.clientNoContextTakeover) params.push(["client_no_context_takeover", null]);
    if (options.serverMaxWindowBits !== undefined) {
      params.push(["server_max_window_bits", String(options.serverMaxWindowBits)]);
    }
    if (this.#offersClientWindow) {
      const bits = options.clientMaxWindowBits;
      params.push(["client_max_window_bits", bits === undefined ? null : String(bits)]);
    }
    return params;
  }

  /** @throws Error when the response breaks RFC 7692 7.1 or cannot be honoured */
  accept(params: readonly ExtensionParam[], accepted: readonly Extension[]): PerMessageDeflate {
    const fail = (why: string): Error =>
      new Error(`Cannot accept permessage-deflate response: ${why}`);
    if (hasRsv1(accepted)) throw fail("another extension already uses RSV1");
    const response = parseParams(params, false);
    if (typeof response === "string") throw fail(response);
    const options = this.#options;
    // 7.1.1.1: an offered server_no_context_takeover must be in the answer.
    if (options.serverNoContextTakeover && !response.serverNoContextTakeover) {
      throw fail('"server_no_context_takeover" was offered and not answered');
    }
    // 7.1.2.1: an offered server_max_window_bits must be answered with no more.
    const offeredServerBits = options.serverMaxWindowBits;
    if (offeredServerBits !== undefined) {
      if (response.serverMaxWindowBits === undefined) {
        throw fail('"server_max_window_bits" was offered and not answered');
      }
      if (response.serverMaxWindowBits > offeredServerBits) {
        throw fail(`"server_max_window_bits" ${response.serverMaxWindowBits} exceeds the offer`);
      }
    }
    // 7.1.2.2: client_max_window_bits only if offered, and within the offered value.
    const answeredClientBits = response.clientMaxWindowBits as number | undefined;
    if (answeredClientBits !== undefined) {
      if (!this.#offersClientWindow) throw fail('"client_max_window_bits" was not offered');
      if (answeredClientBits > (options.clientMaxWindowBits ?? 15)) {
        throw fail(`"client_max_window_bits" ${answeredClientBits} exceeds the offer`);
      }
    }
    // The client keeps to its own hint even when the server ignores it.
    const clientMaxWindowBits = answeredClientBits ?? options.clientMaxWindowBits ?? 15;
    const agreed = {
      serverNoContextTakeover: response.serverNoContextTakeover,
      clientNoContextTakeover: response.clientNoContextTakeover,
      serverMaxWindowBits: response.serverMaxWindowBits ?? 15,
      clientMaxWindowBits,
    };
    return createExtension("client", agreed, options);
  }
}

/**
 * {@link PerMessageDeflateOptions} with the codec optional: what a runtime's
 * `permessageDeflate()` takes, filling in its own codec.
 */
export type PerMessageDeflateOptionsWithDefaultCodec = Omit<PerMessageDeflateOptions, "codec"> & {
  readonly codec?: DeflateCodec;
};

/** permessage-deflate factories for both roles, made from the same options. */
export interface PerMessageDeflateFactories {
  readonly client: ClientPerMessageDeflateFactory;
  readonly server: ServerPerMessageDeflateFactory;
}

/**
 * Both roles' factories for `options`, with `defaultCodec` where the options
 * name no codec: the body of each runtime's `permessageDeflate()`.
 *
 * @throws RangeError for out-of-range options
 */
export function perMessageDeflateFactories(
  options: PerMessageDeflateOptionsWithDefaultCodec,
  defaultCodec: DeflateCodec,
): PerMessageDeflateFactories {
  const full = { ...options, codec: options.codec ?? defaultCodec };
  return {
    client: new ClientPerMessageDeflateFactory(full),
    server: new ServerPerMessageDeflateFactory(full),
  };
}
