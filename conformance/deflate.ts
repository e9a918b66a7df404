/**
 * permessage-deflate (RFC 7692) for the fuzzer: negotiation in both roles and a codec on
 * node:zlib, independent of our own extension so that it can judge it.
 */
import {
  constants,
  createDeflateRaw,
  createInflateRaw,
  type DeflateRaw,
  deflateRawSync,
  type InflateRaw,
  inflateRawSync,
} from "node:zlib";
import { type ExtensionElement, parseExtensions } from "./http.js";

/** The agreed parameters of a permessage-deflate session. */
export interface DeflateParams {
  readonly serverNoContextTakeover: boolean;
  readonly clientNoContextTakeover: boolean;
  /** Window bits the server compresses with (15 when not negotiated). */
  readonly serverMaxWindowBits: number;
  /** Window bits the client compresses with (15 when not negotiated). */
  readonly clientMaxWindowBits: number;
}

const PARAMS = new Set([
  "server_no_context_takeover",
  "client_no_context_takeover",
  "server_max_window_bits",
  "client_max_window_bits",
]);

/** A window-bits value: a decimal 8..15 without leading zeros (RFC 7692 7.1.2). */
function windowBits(value: string | true): number | undefined {
  return typeof value === "string" && /^(8|9|1[0-5])$/.test(value) ? Number(value) : undefined;
}

/** Checks one element's parameters: known names, no duplicates, valid values; or a reason. */
function checkParams(e: ExtensionElement, isResponse: boolean): string | undefined {
  const seen = new Set<string>();
  for (const [key, value] of e.params) {
    if (!PARAMS.has(key)) return `unknown parameter ${key}`;
    if (seen.has(key)) return `duplicated parameter ${key}`;
    seen.add(key);
    if (key.endsWith("no_context_takeover") && value !== true) return `${key} with a value`;
    if (key === "server_max_window_bits" && windowBits(value) === undefined) {
      return `bad server_max_window_bits ${value}`;
    }
    if (key === "client_max_window_bits" && (value !== true || isResponse)) {
      if (windowBits(value) === undefined) return `bad client_max_window_bits ${value}`;
    }
  }
  return undefined;
}

function param(e: ExtensionElement, key: string): string | true | undefined {
  return e.params.find(([k]) => k === key)?.[1];
}

/**
 * Judges a server's `Sec-WebSocket-Extensions` response to the fuzzer's offer (client mode).
 * Returns the agreed parameters, `null` when deflate was declined, or throws with the reason
 * the response breaks RFC 6455 9.1 or RFC 7692 7.1.
 */
export function acceptResponse(offerHeader: string, responseValues: readonly string[]) {
  if (responseValues.length === 0) return null;
  if (responseValues.length > 1) throw new Error("Sec-WebSocket-Extensions appears more than once");
  const elements = parseExtensions(responseValues[0]!);
  const offers = parseExtensions(offerHeader);
  if (elements.length !== 1 || elements[0]!.name !== "permessage-deflate") {
    throw new Error(`server accepted extensions the client did not offer: ${responseValues[0]}`);
  }
  const r = elements[0]!;
  const bad = checkParams(r, true);
  if (bad) throw new Error(`server answered permessage-deflate with ${bad}`);
  const serverBits = param(r, "server_max_window_bits");
  const clientBits = param(r, "client_max_window_bits");
  const fits = offers.some((o) => {
    const offeredServerBits = param(o, "server_max_window_bits");
    if (param(o, "server_no_context_takeover") && !param(r, "server_no_context_takeover"))
      return false;
    if (typeof offeredServerBits === "string") {
      if (serverBits === undefined || Number(serverBits) > Number(offeredServerBits)) return false;
    }
    if (clientBits !== undefined && param(o, "client_max_window_bits") === undefined) return false;
    return true;
  });
  if (!fits) throw new Error(`server response fits none of the offers: ${responseValues[0]}`);
  return {
    serverNoContextTakeover: param(r, "server_no_context_takeover") === true,
    clientNoContextTakeover: param(r, "client_no_context_takeover") === true,
    serverMaxWindowBits: typeof serverBits === "string" ? Number(serverBits) : 15,
    clientMaxWindowBits: typeof clientBits === "string" ? Number(clientBits) : 15,
  } satisfies DeflateParams;
}

/** What a fuzzing server asks of the client when it accepts an offer (Autobahn's accept1..7). */
interface AcceptPolicy {
  readonly requestNoContextTakeover: boolean;
  /** Request `client_max_window_bits=N` (0: nothing); only possible if the client offered it. */
  readonly requestMaxWindowBits: number;
}

/** The fuzzing server's accept policies by subsection (AUTOBAHN.md section 5, 13.x table). */
function policiesFor(caseId: string): AcceptPolicy[] {
  const sub = caseId.split(".").slice(0, 2).join(".");
  const p = (nct: boolean, bits: number) => ({
    requestNoContextTakeover: nct,
    requestMaxWindowBits: bits,
  });
  switch (sub) {
    case "13.2":
      return [p(true, 0)];
    case "13.3":
      return [p(false, 9)];
    case "13.4":
      return [p(false, 15)];
    case "13.5":
      return [p(true, 9)];
    case "13.6":
      return [p(true, 15)];
    case "13.7":
      return [p(true, 9), p(true, 0), p(false, 0)];
    default:
      return [p(false, 0)];
  }
}

/**
 * Chooses the answer of a fuzzing server to a client's offers (server mode). Returns the
 * response header value and the agreed parameters, or `null` to decline (UNIMPLEMENTED).
 * Offers with unknown, duplicated or invalid parameters are declined, as RFC 7692 7.1 asks.
 */
export function answerOffers(
  caseId: string,
  offerValues: readonly string[],
): { header: string; params: DeflateParams } | null {
  if (offerValues.length === 0) return null;
  let offers: ExtensionElement[];
  try {
    offers = parseExtensions(offerValues.join(", "));
  } catch {
    return null;
  }
  const valid = offers.filter((o) => o.name === "permessage-deflate" && !checkParams(o, false));
  for (const policy of policiesFor(caseId)) {
    for (const o of valid) {
      if (policy.requestMaxWindowBits && param(o, "client_max_window_bits") === undefined) continue;
      const out = ["permessage-deflate"];
      const serverNct = param(o, "server_no_context_takeover") === true;
      const serverBits = param(o, "server_max_window_bits");
      if (serverNct) out.push("server_no_context_takeover");
      if (typeof serverBits === "string") out.push(`server_max_window_bits=${serverBits}`);
      if (policy.requestNoContextTakeover) out.push("client_no_context_takeover");
      if (policy.requestMaxWindowBits) {
        out.push(`client_max_window_bits=${policy.requestMaxWindowBits}`);
      }
      return {
        header: out.join("; "),
        params: {
          serverNoContextTakeover: serverNct,
          clientNoContextTakeover: policy.requestNoContextTakeover,
          serverMaxWindowBits: typeof serverBits === "string" ? Number(serverBits) : 15,
          clientMaxWindowBits: policy.requestMaxWindowBits || 15,
        },
      };
    }
  }
  return null;
}

const TAIL = new Uint8Array([0x00, 0x00, 0xff, 0xff]);

/** Runs `data` through a persistent zlib stream up to a sync flush, collecting the output. */
function flushThrough(stream: DeflateRaw | InflateRaw, data: Uint8Array): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const onData = (c: Buffer) => chunks.push(c);
    const onError = (e: Error) => {
      stream.off("data", onData);
      reject(e);
    };
    stream.on("data", onData);
    stream.once("error", onError);
    stream.write(data);
    stream.flush(constants.Z_SYNC_FLUSH, () => {
      stream.off("data", onData);
      stream.off("error", onError);
      resolve(Buffer.concat(chunks));
    });
  });
}

/**
 * One direction pair of a permessage-deflate session: compresses what the fuzzer sends and
 * inflates what the peer sends, each with exactly the negotiated window and context mode, so a
 * peer that ignores `*_no_context_takeover` or `*_max_window_bits` produces data that fails here.
 */
export class DeflateCodec {
  readonly #sendBits: number;
  readonly #sendReset: boolean;
  readonly #receiveBits: number;
  readonly #receiveReset: boolean;
  #deflate: DeflateRaw | undefined;
  #inflate: InflateRaw | undefined;

  constructor(params: DeflateParams, role: "client" | "server") {
    const client = role === "client";
    this.#sendBits = client ? params.clientMaxWindowBits : params.serverMaxWindowBits;
    this.#sendReset = client ? params.clientNoContextTakeover : params.serverNoContextTakeover;
    this.#receiveBits = client ? params.serverMaxWindowBits : params.clientMaxWindowBits;
    this.#receiveReset = client ? params.serverNoContextTakeover : params.clientNoContextTakeover;
  }

  /** Compresses one message (RFC 7692 7.2.1: sync flush, trailing `00 00 ff ff` removed). */
  async compress(data: Uint8Array): Promise<Uint8Array> {
    // zlib cannot compress with a raw window of 8 (it silently uses 9); stored blocks fit any window.
    const options = {
      windowBits: Math.max(9, this.#sendBits),
      level: this.#sendBits === 8 ? 0 : 6,
    };
    let out: Uint8Array;
    if (this.#sendReset) {
      out = deflateRawSync(data, { ...options, finishFlush: constants.Z_SYNC_FLUSH });
    } else {
      this.#deflate ??= createDeflateRaw(options);
      out = await flushThrough(this.#deflate, data);
    }
    return out.subarray(0, out.length - 4);
  }

  /** Inflates one message, refusing to produce more than `maxBytes`. */
  async decompress(data: Uint8Array, maxBytes: number): Promise<Uint8Array> {
    const input = new Uint8Array(data.length + 4);
    input.set(data);
    input.set(TAIL, data.length);
    const options = { windowBits: this.#receiveBits, maxOutputLength: Math.max(1, maxBytes) };
    if (this.#receiveReset) {
      return inflateRawSync(input, { ...options, finishFlush: constants.Z_SYNC_FLUSH });
    }
    this.#inflate ??= createInflateRaw({ windowBits: this.#receiveBits });
    const out = await flushThrough(this.#inflate, input);
    if (out.length > maxBytes) throw new Error(`inflated message exceeds ${maxBytes} bytes`);
    return out;
  }

  /** Releases the zlib streams. */
  close(): void {
    this.#deflate?.close();
    this.#inflate?.close();
  }
}
