/**
 * The Autobahn case catalogue: loading, validation, selection and payload materialisation.
 *
 * The catalogue (`autobahn-cases.json`, next to this file) describes every case of the public
 * Autobahn TestSuite numbering as data: what the fuzzer writes, its timers, and the expected
 * outcomes. The suite is driven from that data rather than from 517 hand-written cases, so a
 * correction to a case is a one-line data change. See /work/shared/conformance/AUTOBAHN.md for
 * the meaning of every field.
 */
import { readFileSync } from "node:fs";

/** A payload description: literal bytes, a fill, a repeated pattern, or a close body. */
export interface PayloadSpec {
  readonly len: number;
  readonly ascii?: string;
  readonly utf8?: string;
  readonly hex?: string;
  readonly fill_ascii?: string;
  readonly fill_hex?: string;
  readonly repeat_ascii?: string;
  readonly repeat_hex?: string;
  readonly close?: { readonly code: number; readonly reason?: PayloadSpec };
  readonly note?: string;
}

/** How a frame's octets reach TCP: one separate write, or n-byte pieces. */
export type WriteMode = "sync" | { readonly chop: number };

/** One raw frame, with opcode, FIN and RSV exactly as written on the wire. */
export interface FrameStep {
  readonly op: "frame";
  readonly opcode: number;
  readonly fin: boolean;
  readonly rsv: number;
  readonly payload: PayloadSpec;
  readonly write?: WriteMode;
}

/** One logical message that the fuzzer fragments itself. */
export interface MessageStep {
  readonly op: "message";
  readonly opcode: number;
  readonly payload: PayloadSpec;
  readonly fragment_size: number;
  readonly frames: number;
}

/** The header of a frame whose payload follows in separate `frame_data` steps (6.4.3, 6.4.4). */
export interface FrameHeaderStep {
  readonly op: "frame_header";
  readonly opcode: number;
  readonly fin: boolean;
  readonly rsv: number;
  readonly length: number;
}

/** A piece of the payload announced by the last `frame_header` step. */
export interface FrameDataStep {
  readonly op: "frame_data";
  readonly payload: PayloadSpec;
}

/** A pause that goes ahead only while the connection is open. */
export interface WaitStep {
  readonly op: "wait";
  readonly seconds: number;
  readonly abort_if_closed: boolean;
  /** `"timeout A"`: record a timeout event with tag `A` when the pause ends. */
  readonly then_record?: string;
}

/** A data set the compression cases slice messages from. */
export interface DatasetSpec {
  readonly dataset: string;
  readonly file: string;
  readonly file_bytes: number;
  readonly text_code_points: number | null;
  readonly description: string;
}

/** One compressed message of a 12.x or 13.x echo loop. */
export interface CompressedMessageSpec {
  readonly opcode: number;
  readonly compressed: true;
  readonly uncompressed_len: number;
  readonly source: DatasetSpec;
  /** Split the compressed bytes into frames of this size; 0 means one frame. */
  readonly auto_fragment_compressed_payload: number;
}

/** N messages, each sent after the previous echo arrived (9.7, 9.8, 12, 13). */
export interface EchoLoopStep {
  readonly op: "echo_loop";
  readonly count: number;
  readonly frame?: FrameStep;
  readonly message?: CompressedMessageSpec;
}

/** Every step kind of `frames_sent`. */
export type Step =
  | FrameStep
  | MessageStep
  | FrameHeaderStep
  | FrameDataStep
  | WaitStep
  | EchoLoopStep;

/** An event the fuzzer records and compares with the expected outcomes. */
export type ExpectedEvent =
  | { readonly event: "message"; readonly type: "text" | "binary"; readonly payload: PayloadSpec }
  | { readonly event: "pong"; readonly payload: PayloadSpec }
  | { readonly event: "timeout"; readonly tag: string };

/** The behaviour keywords of the catalogue. */
export type Behavior =
  | "echo"
  | "pong"
  | "pong-then-echo"
  | "fail"
  | "echo-then-fail"
  | "fail-fast"
  | "close-reply"
  | "close-fail"
  | "echo-timed"
  | "compressed-echo-loop"
  | "informational";

/** The case's timers, in seconds. */
export interface Timing {
  readonly kill_after_s?: number;
  readonly close_after_s?: number;
  readonly kill_after_s_after_last_frame?: number;
  readonly close_after_s_after_last_frame?: number;
  readonly deadline_s?: number;
}

/** What a case expects of the peer. */
export interface Expectation {
  readonly behavior: Behavior;
  readonly summary: string;
  /** Event lists (or, for 9.x, 12.x and 13.x, a text rule) keyed by verdict. */
  readonly outcomes: Readonly<Record<string, readonly ExpectedEvent[] | readonly string[]>>;
  readonly close_codes: readonly number[];
  readonly close: {
    readonly initiator: "fuzzer" | "peer";
    readonly require_clean: boolean;
    readonly wrong_endpoint_fails_case: boolean;
    readonly wrong_code_fails_case: boolean;
  };
  readonly strict_notes: string;
  readonly result_override?: "INFORMATIONAL";
}

/** The permessage-deflate parameters of a 12.x or 13.x case. */
export interface DeflateSpec {
  readonly fuzzingclient_offer_header: string;
  readonly fuzzingserver_accept_policy: string;
  readonly subsection_description: string;
}

/** One case of the catalogue. */
export interface Case {
  readonly id: string;
  readonly section: number;
  readonly section_name: string;
  readonly subsection?: string;
  readonly subsection_name?: string;
  readonly description: string;
  readonly frames_sent: readonly Step[];
  readonly timing: Timing;
  readonly expect: Expectation;
  readonly notes?: string;
  readonly utf8_valid?: boolean;
  readonly deflate?: DeflateSpec;
}

const BEHAVIORS: ReadonlySet<string> = new Set([
  "echo",
  "pong",
  "pong-then-echo",
  "fail",
  "echo-then-fail",
  "fail-fast",
  "close-reply",
  "close-fail",
  "echo-timed",
  "compressed-echo-loop",
  "informational",
]);

/** Compares two dotted case ids numerically (`6.10.1` sorts after `6.9.3`). */
export function compareIds(a: string, b: string): number {
  const pa = a.split(".").map(Number);
  const pb = b.split(".").map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? -1) - (pb[i] ?? -1);
    if (d !== 0) return d;
  }
  return 0;
}

function fail(id: string, what: string): never {
  throw new Error(`Cannot load case catalogue: case "${id}" ${what}`);
}

/** The byte length a payload spec describes, checked against its literal content where present. */
function checkPayload(id: string, p: PayloadSpec): void {
  if (!Number.isInteger(p.len) || p.len < 0) fail(id, `has a bad payload length ${p.len}`);
  if (p.len <= 4096 || p.hex !== undefined || p.ascii !== undefined || p.close !== undefined) {
    const bytes = payloadBytes(p);
    if (bytes.length !== p.len) {
      fail(id, `declares a payload of ${p.len} bytes but describes ${bytes.length}`);
    }
  }
}

function checkStep(id: string, s: Step): void {
  switch (s.op) {
    case "frame":
      if (s.opcode < 0 || s.opcode > 15 || s.rsv < 0 || s.rsv > 7) fail(id, "has a bad frame");
      checkPayload(id, s.payload);
      return;
    case "message":
      if (s.fragment_size <= 0) fail(id, "has a bad fragment size");
      if (Math.max(1, Math.ceil(s.payload.len / s.fragment_size)) !== s.frames) {
        fail(id, `fragments into ${s.frames} frames, which its sizes contradict`);
      }
      checkPayload(id, s.payload);
      return;
    case "frame_header":
      return;
    case "frame_data":
      checkPayload(id, s.payload);
      return;
    case "wait":
      if (!(s.seconds > 0)) fail(id, "has a bad wait");
      return;
    case "echo_loop":
      if (s.count <= 0 || (s.frame === undefined) === (s.message === undefined)) {
        fail(id, "has a bad echo loop");
      }
      if (s.frame) checkStep(id, s.frame);
      return;
    default:
      fail(id, `has an unknown step ${JSON.stringify(s)}`);
  }
}

/** Checks that a parsed JSON value is a well-formed catalogue and returns it sorted by id. */
export function validateCatalogue(data: unknown): Case[] {
  if (!Array.isArray(data)) throw new Error("Cannot load case catalogue: not a JSON array");
  const seen = new Set<string>();
  for (const c of data as Case[]) {
    if (typeof c.id !== "string" || !/^\d+(\.\d+)+$/.test(c.id)) fail(String(c.id), "has a bad id");
    if (seen.has(c.id)) fail(c.id, "is duplicated");
    seen.add(c.id);
    if (!BEHAVIORS.has(c.expect?.behavior)) fail(c.id, "has an unknown behavior");
    if (!Array.isArray(c.frames_sent) || c.frames_sent.length === 0) fail(c.id, "sends nothing");
    for (const s of c.frames_sent) checkStep(c.id, s);
    if (!Object.hasOwn(c.expect.outcomes, "OK")) fail(c.id, "has no OK outcome");
    for (const list of Object.values(c.expect.outcomes)) {
      for (const e of list) {
        if (typeof e !== "string" && e.event !== "timeout") checkPayload(c.id, e.payload);
      }
    }
    if ((c.section === 12 || c.section === 13) !== (c.deflate !== undefined)) {
      fail(c.id, "has deflate parameters outside sections 12 and 13, or lacks them inside");
    }
  }
  return [...(data as Case[])].sort((a, b) => compareIds(a.id, b.id));
}

/** Loads and validates the catalogue shipped next to this module (or the file given). */
export function loadCatalogue(path?: string): Case[] {
  const file = path ?? new URL("../../conformance/autobahn-cases.json", import.meta.url);
  return validateCatalogue(JSON.parse(readFileSync(file, "utf8")));
}

/**
 * Whether a case id matches a selection pattern: an exact id, or a prefix ending in `*`
 * (`6.*`, `6.4.*`, `*`), as in Autobahn's `cases` and `exclude-cases` lists.
 */
export function idMatches(id: string, pattern: string): boolean {
  if (pattern === "*") return true;
  if (pattern.endsWith("*")) return id.startsWith(pattern.slice(0, -1));
  return id === pattern;
}

/** The cases selected by include patterns minus exclude patterns, in id order. */
export function selectCases<T extends { readonly id: string }>(
  cases: readonly T[],
  include: readonly string[],
  exclude: readonly string[] = [],
): T[] {
  return cases.filter(
    (c) => include.some((p) => idMatches(c.id, p)) && !exclude.some((p) => idMatches(c.id, p)),
  );
}

function hexBytes(hex: string): Uint8Array {
  return Uint8Array.from(Buffer.from(hex, "hex"));
}

function repeatTo(pattern: Uint8Array, len: number): Uint8Array {
  const out = new Uint8Array(len);
  if (pattern.length === 0) return out;
  for (let i = 0; i < len; i += pattern.length) {
    out.set(pattern.subarray(0, Math.min(pattern.length, len - i)), i);
  }
  return out;
}

/** The exact bytes a payload spec describes. */
export function payloadBytes(p: PayloadSpec): Uint8Array {
  if (p.close) {
    const reason = p.close.reason ? payloadBytes(p.close.reason) : new Uint8Array(0);
    const out = new Uint8Array(2 + reason.length);
    out[0] = p.close.code >> 8;
    out[1] = p.close.code & 0xff;
    out.set(reason, 2);
    return out;
  }
  if (p.hex !== undefined) return hexBytes(p.hex);
  if (p.ascii !== undefined) return new TextEncoder().encode(p.ascii);
  if (p.utf8 !== undefined) return new TextEncoder().encode(p.utf8);
  if (p.fill_ascii !== undefined) return repeatTo(new TextEncoder().encode(p.fill_ascii), p.len);
  if (p.fill_hex !== undefined) return repeatTo(hexBytes(p.fill_hex), p.len);
  if (p.repeat_ascii !== undefined)
    return repeatTo(new TextEncoder().encode(p.repeat_ascii), p.len);
  if (p.repeat_hex !== undefined) return repeatTo(hexBytes(p.repeat_hex), p.len);
  // `{ len: 0 }` alone: an empty payload.
  return new Uint8Array(p.len);
}
