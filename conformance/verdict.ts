/**
 * Verdicts: how a case's observations map to Autobahn's two results per case.
 *
 * `behavior` judges what the peer did (the recorded events against the expected outcomes);
 * `behaviorClose` judges how the connection ended (who closed, whether cleanly, with which code).
 * The rules follow Autobahn's `Case.onConnectionLost` (see AUTOBAHN.md section 4), with one
 * addition: any breach of RFC 6455 in what the peer sent back fails the case outright.
 */
import { type Case, type ExpectedEvent, payloadBytes } from "./catalogue.js";

/** The behaviour verdicts, best first. */
export const VERDICTS = ["OK", "NON-STRICT", "INFORMATIONAL", "UNIMPLEMENTED", "FAILED"] as const;
/** A behaviour verdict. */
export type Verdict = (typeof VERDICTS)[number];

/** The close verdicts. */
export const CLOSE_VERDICTS = [
  "OK",
  "INFORMATIONAL",
  "UNCLEAN",
  "WRONG CODE",
  "FAILED BY CLIENT",
  "FAILED",
] as const;
/** A close verdict. */
export type CloseVerdict = (typeof CLOSE_VERDICTS)[number];

/** An event the fuzzer recorded from the peer. */
export type RecordedEvent =
  | { readonly event: "message"; readonly type: "text" | "binary"; readonly payload: Uint8Array }
  | { readonly event: "pong"; readonly payload: Uint8Array }
  | { readonly event: "timeout"; readonly tag: string };

/** Everything the fuzzer saw during one case. */
export interface Observation {
  /** The role the fuzzer played: `client` tests a server, `server` tests a client. */
  readonly role: "client" | "server";
  readonly events: readonly RecordedEvent[];
  /** Breaches of the RFC by the peer (the fuzzer failed the connection with 1002). */
  readonly violations: readonly string[];
  /** The opening handshake failed (the case could not run). */
  readonly handshakeFailure?: string;
  /** Who started the closing: sent the first close frame, or dropped TCP first. */
  readonly initiator: "fuzzer" | "peer" | null;
  /** Both close frames were exchanged and TCP ended without the fuzzer having to force it. */
  readonly clean: boolean;
  /** The fuzzer had to drop TCP (no close reply in time, or the server kept TCP open). */
  readonly droppedByFuzzer: boolean;
  /** The code in the peer's close frame, or `null` if it sent none or an empty body. */
  readonly peerCloseCode: number | null;
  /** For echo loops and timed echoes: whether every echo arrived in time, else why not. */
  readonly loop?: { readonly done: boolean; readonly failure?: string };
  /** For 12.x and 13.x: whether permessage-deflate was negotiated. */
  readonly deflateNegotiated?: boolean;
}

/** The two verdicts of a case with their reasons. */
export interface CaseVerdict {
  readonly behavior: Verdict;
  readonly behaviorClose: CloseVerdict;
  readonly result: string;
  readonly resultClose: string;
}

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Whether one recorded event equals one expected event (type and exact bytes). */
export function eventMatches(actual: RecordedEvent, expected: ExpectedEvent): boolean {
  if (actual.event !== expected.event) return false;
  if (actual.event === "timeout")
    return expected.event === "timeout" && actual.tag === expected.tag;
  if (actual.event === "message" && expected.event === "message" && actual.type !== expected.type) {
    return false;
  }
  return "payload" in expected && bytesEqual(actual.payload, payloadBytes(expected.payload));
}

/** Whether a recorded event list equals an expected list, in order. */
export function eventsMatch(
  actual: readonly RecordedEvent[],
  expected: readonly ExpectedEvent[],
): boolean {
  return actual.length === expected.length && actual.every((e, i) => eventMatches(e, expected[i]!));
}

/** The event-list outcomes of a case (not the text rules of 9.x, 12.x and 13.x). */
export function eventOutcomes(c: Case): [string, readonly ExpectedEvent[]][] {
  return Object.entries(c.expect.outcomes).filter(
    (entry): entry is [string, readonly ExpectedEvent[]] =>
      entry[1].every((e) => typeof e !== "string"),
  );
}

function describe(e: RecordedEvent): string {
  if (e.event === "timeout") return `timeout ${e.tag}`;
  const text = Buffer.from(e.payload.subarray(0, 40)).toString("latin1");
  const kind = e.event === "pong" ? "pong" : `${e.type} message`;
  return `${kind} of ${e.payload.length} bytes ${JSON.stringify(text)}`;
}

function judgeBehavior(c: Case, o: Observation): { behavior: Verdict; result: string } {
  if (o.handshakeFailure) return { behavior: "FAILED", result: `Handshake: ${o.handshakeFailure}` };
  if (o.violations.length > 0) {
    return { behavior: "FAILED", result: `Peer broke the protocol: ${o.violations[0]}` };
  }
  if (c.deflate && !o.deflateNegotiated) {
    return { behavior: "UNIMPLEMENTED", result: "permessage-deflate was not negotiated" };
  }
  const b = c.expect.behavior;
  if (b === "echo-timed" || b === "compressed-echo-loop") {
    return o.loop?.done
      ? { behavior: "OK", result: "Every echo arrived in time with the right type and content" }
      : { behavior: "FAILED", result: o.loop?.failure ?? "The echoes did not arrive" };
  }
  for (const [key, expected] of eventOutcomes(c)) {
    if (eventsMatch(o.events, expected)) {
      return {
        behavior: (VERDICTS as readonly string[]).includes(key) ? (key as Verdict) : "FAILED",
        result: `Received events match the ${key} outcome`,
      };
    }
  }
  const got = o.events.map(describe).join(", ") || "nothing";
  return { behavior: "FAILED", result: `Received events match no expected outcome: ${got}` };
}

function judgeClose(c: Case, o: Observation): { behaviorClose: CloseVerdict; resultClose: string } {
  const close = c.expect.close;
  if (o.initiator !== close.initiator) {
    return {
      behaviorClose: "FAILED",
      resultClose: `The connection was closed by the wrong endpoint (${o.initiator ?? "nobody"}, expected ${close.initiator})`,
    };
  }
  if (close.require_clean && !o.clean) {
    return {
      behaviorClose: "UNCLEAN",
      resultClose: "The closing handshake did not complete cleanly",
    };
  }
  if (o.peerCloseCode !== null && !c.expect.close_codes.includes(o.peerCloseCode)) {
    return {
      behaviorClose: "WRONG CODE",
      resultClose: `The peer closed with ${o.peerCloseCode}; expected ${c.expect.close_codes.join(" or ")} or no code`,
    };
  }
  if (o.role === "client" && o.droppedByFuzzer) {
    return {
      behaviorClose: "FAILED BY CLIENT",
      resultClose: "The fuzzer had to drop TCP; a server must close it (RFC 6455 5.5.1)",
    };
  }
  return { behaviorClose: "OK", resultClose: "The connection was closed properly" };
}

/** Judges one case from what the fuzzer observed. */
export function judge(c: Case, o: Observation): CaseVerdict {
  let { behavior, result } = judgeBehavior(c, o);
  const { behaviorClose, resultClose } = judgeClose(c, o);
  if (behavior !== "UNIMPLEMENTED") {
    if (c.expect.close.wrong_endpoint_fails_case && o.initiator !== c.expect.close.initiator) {
      behavior = "FAILED";
      result = `${resultClose}: the peer did not detect the error itself`;
    }
    if (c.expect.close.wrong_code_fails_case && behaviorClose === "WRONG CODE") {
      behavior = "FAILED";
      result = resultClose;
    }
  }
  if (c.expect.result_override === "INFORMATIONAL" && !o.handshakeFailure) {
    return { behavior: "INFORMATIONAL", behaviorClose: "INFORMATIONAL", result, resultClose };
  }
  return { behavior, behaviorClose, result, resultClose };
}

/** Whether a pair of verdicts passes the strict gate: OK or INFORMATIONAL, both of them. */
export function isStrictPass(v: Pick<CaseVerdict, "behavior" | "behaviorClose">): boolean {
  return (
    (v.behavior === "OK" || v.behavior === "INFORMATIONAL") &&
    (v.behaviorClose === "OK" || v.behaviorClose === "INFORMATIONAL")
  );
}
