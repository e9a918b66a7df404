/**
 * The suite can fail: run a fast subset against ws, server and client, on loopback, and check
 * that ws's known non-strict results show up (it validates UTF-8 only once a whole message has
 * arrived, so the fail-fast cases 6.4.x are NON-STRICT) while plain cases pass.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import WebSocket, { WebSocketServer } from "ws";
import { loadCatalogue, selectCases } from "../../conformance/catalogue.js";
import { fuzzServer } from "../../conformance/fuzzing-client.js";
import { FuzzingServer } from "../../conformance/fuzzing-server.js";
import type { CaseResult } from "../../conformance/results.js";

const catalogue = loadCatalogue();
const cases = selectCases(catalogue, [
  "1.1.2",
  "2.2",
  "3.2",
  "5.6",
  "6.4.*",
  "6.6.1",
  "7.9.1",
  "13.2.1",
]);
const byId = (results: readonly CaseResult[]) => new Map(results.map((r) => [r.id, r]));

function assertWsProfile(results: readonly CaseResult[], failFast: readonly string[]): void {
  const r = byId(results);
  for (const id of failFast) {
    assert.equal(r.get(id)?.behavior, "NON-STRICT", `${id}: ${r.get(id)?.result}`);
    assert.equal(r.get(id)?.behaviorClose, "OK", id);
  }
  for (const id of results
    .map((x) => x.id)
    .filter((id) => /^[1-9]/.test(id) && !failFast.includes(id))) {
    assert.deepEqual(
      [id, r.get(id)?.behavior, r.get(id)?.behaviorClose],
      [id, "OK", "OK"],
      r.get(id)?.result,
    );
  }
}

describe("conformance suite against ws", { timeout: 20_000 }, () => {
  let server: WebSocketServer;
  let port = 0;
  before(async () => {
    server = new WebSocketServer({ host: "127.0.0.1", port: 0, perMessageDeflate: true });
    server.on("connection", (ws) => {
      ws.on("message", (data, binary) => ws.send(data, { binary }));
      ws.on("error", () => {});
    });
    await new Promise((r) => server.once("listening", r));
    const address = server.address();
    port = typeof address === "object" && address ? address.port : 0;
  });
  after(async () => {
    for (const c of server.clients) c.terminate();
    await new Promise((r) => server.close(r));
  });

  it("fuzzing client: ws server's fail-fast UTF-8 results are NON-STRICT, the rest OK", async () => {
    const results = await fuzzServer({
      url: `ws://127.0.0.1:${port}/`,
      cases,
      catalogue,
      loopScale: 0.01,
      handshakeCases: ["0.1.1", "0.1.7"],
    });
    assertWsProfile(results, ["6.4.1", "6.4.2", "6.4.3", "6.4.4"]);
    const r = byId(results);
    assert.equal(r.get("0.1.1")?.behavior, "OK");
    // ws upgrades an HTTP/1.0 request (RFC 6455 4.1 requires HTTP/1.1 or higher).
    assert.equal(r.get("0.1.7")?.behavior, "FAILED");
  });

  it("fuzzing server: ws client driven by the Autobahn URL protocol shows the same profile", async () => {
    // The client runs cases one after the other: keep to one slow fail-fast case.
    const few = selectCases(catalogue, ["1.1.2", "3.2", "6.4.3", "7.9.1", "13.2.1"]);
    const fuzzer = new FuzzingServer({
      cases: few,
      catalogue,
      loopScale: 0.01,
      handshakeCases: ["0.2.8"],
    });
    const fuzzerPort = await fuzzer.listen(0);
    const base = `ws://127.0.0.1:${fuzzerPort}`;
    const run = (path: string, echo: boolean) =>
      new Promise<string>((resolve) => {
        let last = "";
        const ws = new WebSocket(`${base}${path}`);
        ws.on("message", (data, binary) => {
          last = data.toString();
          if (echo) ws.send(data, { binary });
        });
        ws.on("error", () => {});
        ws.on("close", () => resolve(last));
      });
    try {
      const count = Number(await run("/getCaseCount", false));
      assert.equal(count, few.length + 1);
      for (let i = 1; i <= count; i++) await run(`/runCase?case=${i}&agent=ws`, true);
      await run("/updateReports?agent=ws", false);
      const results = fuzzer.results("ws");
      assertWsProfile(results, ["6.4.3"]);
      // A wrong Sec-WebSocket-Accept must make the client fail the connection: ws does.
      assert.equal(byId(results).get("0.2.8")?.behavior, "OK");
    } finally {
      await fuzzer.close();
    }
  });
});
