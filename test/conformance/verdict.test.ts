import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { type Case, loadCatalogue } from "../../conformance/catalogue.js";
import {
  isStrictPass,
  judge,
  type Observation,
  type RecordedEvent,
} from "../../conformance/verdict.js";

const catalogue = loadCatalogue();
const get = (id: string): Case => {
  const c = catalogue.find((x) => x.id === id);
  assert.ok(c, id);
  return c;
};
const text = (s: string): RecordedEvent => ({
  event: "message",
  type: "text",
  payload: new TextEncoder().encode(s),
});
const clean: Observation = {
  role: "client",
  events: [],
  violations: [],
  initiator: "fuzzer",
  clean: true,
  droppedByFuzzer: false,
  peerCloseCode: 1000,
};

describe("verdicts", () => {
  it("an exact echo with a clean close is OK/OK", () => {
    const v = judge(get("7.1.1"), { ...clean, events: [text("Hello World!")] });
    assert.deepEqual([v.behavior, v.behaviorClose], ["OK", "OK"]);
    assert.equal(isStrictPass(v), true);
  });

  it("a wrong or missing echo is FAILED", () => {
    assert.equal(
      judge(get("7.1.1"), { ...clean, events: [text("Hello World?")] }).behavior,
      "FAILED",
    );
    assert.equal(judge(get("7.1.1"), clean).behavior, "FAILED");
  });

  it("fail-fast UTF-8: closing after timeout A is OK, after timeout B NON-STRICT, before A FAILED", () => {
    const c = get("6.4.1");
    const peer = { ...clean, initiator: "peer" as const, peerCloseCode: 1007, clean: false };
    const a: RecordedEvent = { event: "timeout", tag: "A" };
    const b: RecordedEvent = { event: "timeout", tag: "B" };
    assert.equal(judge(c, { ...peer, events: [a] }).behavior, "OK");
    assert.equal(judge(c, { ...peer, events: [a, b] }).behavior, "NON-STRICT");
    assert.equal(judge(c, { ...peer, events: [] }).behavior, "FAILED");
    assert.equal(isStrictPass(judge(c, { ...peer, events: [a, b] })), false);
  });

  it("the fuzzer closing a case the peer had to fail is a wrong endpoint, fatal for UTF-8 cases", () => {
    const v = judge(get("6.6.1"), { ...clean, peerCloseCode: null });
    assert.deepEqual([v.behavior, v.behaviorClose], ["FAILED", "FAILED"]);
    const rsv = judge(get("3.1"), { ...clean, peerCloseCode: null });
    assert.deepEqual([rsv.behavior, rsv.behaviorClose], ["OK", "FAILED"]);
  });

  it("a close reply with a code outside the list is WRONG CODE, and fails 7.x cases", () => {
    const v = judge(get("7.9.1"), { ...clean, peerCloseCode: 1000, clean: false });
    assert.deepEqual([v.behavior, v.behaviorClose], ["FAILED", "WRONG CODE"]);
    const ok = judge(get("7.9.1"), { ...clean, peerCloseCode: 1002, clean: false });
    assert.deepEqual([ok.behavior, ok.behaviorClose], ["OK", "OK"]);
    const echo = judge(get("7.7.4"), { ...clean, peerCloseCode: 1003 });
    assert.equal(echo.behaviorClose, "OK");
  });

  it("an unclean end is UNCLEAN where a clean close is required; a lingering server fails by client", () => {
    const events = [text("Hello World!")];
    assert.equal(judge(get("7.1.1"), { ...clean, events, clean: false }).behaviorClose, "UNCLEAN");
    const linger = { ...clean, events, droppedByFuzzer: true, peerCloseCode: 1002 };
    assert.equal(
      judge(get("3.1"), { ...linger, initiator: "peer", clean: false }).behaviorClose,
      "FAILED BY CLIENT",
    );
    assert.equal(
      judge(get("3.1"), { ...linger, role: "server", initiator: "peer", clean: false })
        .behaviorClose,
      "OK",
    );
  });

  it("the informational cases are INFORMATIONAL whatever happened", () => {
    const v = judge(get("7.13.1"), { ...clean, peerCloseCode: 1002 });
    assert.deepEqual([v.behavior, v.behaviorClose], ["INFORMATIONAL", "INFORMATIONAL"]);
  });

  it("compression cases are UNIMPLEMENTED without deflate, and loops need every echo", () => {
    assert.equal(
      judge(get("12.1.1"), { ...clean, deflateNegotiated: false }).behavior,
      "UNIMPLEMENTED",
    );
    const done = { ...clean, deflateNegotiated: true, loop: { done: true } };
    assert.equal(judge(get("12.1.1"), done).behavior, "OK");
    const late = { ...done, loop: { done: false, failure: "late" } };
    assert.deepEqual(
      [judge(get("13.7.18"), late).behavior, judge(get("13.7.18"), late).result],
      ["FAILED", "late"],
    );
  });

  it("any protocol violation by the peer fails the case", () => {
    const v = judge(get("7.1.1"), {
      ...clean,
      events: [text("Hello World!")],
      violations: ["masked frame"],
    });
    assert.equal(v.behavior, "FAILED");
    assert.match(v.result, /masked frame/);
  });
});
