// The WHATWG WebSocket, scenario by scenario, against the references: every
// scenario of scenarios.ts runs with our class (Node), undici 7's and
// Chromium's (headless, driven by playwright-core), all against one peer, and
// the traces (events in order with their fields, readyState, exceptions)
// must be equal to Chromium's. Where undici departs from Chromium, the
// departure is listed and checked to still exist.

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { WebSocket as UndiciWebSocket } from "undici";
import { serve, WebSocket } from "../../src/node/index.js";
import { CloseEvent } from "../../src/whatwg/index.js";
import { bounded } from "../helpers/bounded.js";
import { echo, portOf, selfSigned } from "../node/helpers.js";
import { chromiumSkip, withChromium } from "../runtimes/browser.js";
import { startPeer } from "./peer.js";
import { runScenario, SCENARIO_NAMES, SCENARIOS, type ScenarioName } from "./scenarios.js";
import { scenarioTraces } from "./traces.js";

/** Where undici 7 departs from Chromium (and so from us). */
const UNDICI_DEPARTURES: Partial<Record<ScenarioName, string>> = {
  construct: "refuses subprotocols that differ only in case ('a', 'A')",
  echo: "does not count sends after the closing handshake started in bufferedAmount",
  closeWhileConnecting: "fires no close event when close() is called while connecting",
  subprotocolChoice: "fires an ErrorEvent, not an Event",
  refused: "fires an ErrorEvent, not an Event",
  dropped: "fires error when the TCP connection drops without a close frame",
  badFrame: "fires an ErrorEvent, not an Event",
  microtasks: "dispatches the messages of one read in one task (no microtask checkpoint between)",
  handlers: "moves an event handler's listener to the end when the handler changes",
  oneHandshakeAtATime:
    "opens several connections to one host and port at once (RFC 6455 4.1: wait for the one in progress)",
};

/**
 * The undici reference is undici 7 on Node. Bun replaces the `undici` package
 * with its own WebSocket, and on Deno undici runs over Deno's node:net layer
 * (its bufferedAmount scenario times out there): on those runtimes our traces
 * are compared with Chromium's only.
 */
const undiciSkip =
  process.versions["bun"] !== undefined || process.versions["deno"] !== undefined
    ? "the undici reference runs on Node only"
    : false;

describe("WHATWG WebSocket: scenarios against Chromium and undici", { timeout: 120_000 }, () => {
  const { traces, noChromium } = scenarioTraces(
    SCENARIO_NAMES,
    {
      ours: (name, base) => bounded(runScenario(name, WebSocket, base)),
      undici:
        undiciSkip === false
          ? (name, base) => bounded(runScenario(name, UndiciWebSocket, base), 3000)
          : undefined,
    },
    (name, base) => `(${SCENARIOS})()[${JSON.stringify(name)}](WebSocket, ${JSON.stringify(base)})`,
  );

  for (const name of SCENARIO_NAMES) {
    test(`${name}: the same trace as Chromium`, { skip: noChromium }, () => {
      assert.deepEqual(traces.ours.get(name), traces.chromium.get(name));
    });
    const departure = UNDICI_DEPARTURES[name];
    test(`${name}: ${departure === undefined ? "the same trace as undici" : `undici departs: ${departure}`}`, {
      skip: undiciSkip,
    }, () => {
      if (departure === undefined) assert.deepEqual(traces.ours.get(name), traces.undici.get(name));
      else assert.notDeepEqual(traces.undici.get(name), traces.ours.get(name));
    });
  }
});

describe("WHATWG WebSocket: a URL's credentials answer a 401's Basic challenge", {
  timeout: 60_000,
}, () => {
  const skip = chromiumSkip();
  test("as Chromium does on a page of the server's origin (undici sends them first)", {
    skip,
  }, async () => {
    const peer = await startPeer();
    try {
      const ours = await bounded(runScenario("credentialsChallenged", WebSocket, peer.base));
      const chromium = await withChromium(async (context) => {
        const page = await context.newPage();
        await page.goto(`${peer.base.replace("ws://", "http://")}/page`);
        return bounded(
          page.evaluate(
            `(${SCENARIOS})()["credentialsChallenged"](WebSocket, ${JSON.stringify(peer.base)})`,
          ),
          10_000,
        );
      });
      assert.deepEqual(ours, chromium);
      // The right pair opened, after three 401s (the wrong pair's two, its own first).
      assert.equal((ours as { data?: unknown }[]).find((entry) => entry.data)?.data, "3");
    } finally {
      await peer.close();
    }
  });
});

describe("WHATWG WebSocket: where Chromium departs from the standards, we follow them", () => {
  test("a URL whose host has a space is refused (URL Standard; Chromium escapes it)", () => {
    assert.throws(() => new WebSocket("ws://foo bar/"), { name: "SyntaxError" });
  });

  test("close(1000.6) rounds to 1001 and is refused (Web IDL [Clamp]; Chromium truncates)", async () => {
    const server = await serve(async (connection) => void (await connection.closed), {
      host: "127.0.0.1",
      port: 0,
    });
    try {
      const ws = new WebSocket(`ws://127.0.0.1:${portOf(server.address)}/`);
      await new Promise((resolve) => ws.addEventListener("open", resolve));
      assert.throws(() => ws.close(1000.6), { name: "InvalidAccessError" });
      ws.close(1000.4);
      await new Promise((resolve) => ws.addEventListener("close", resolve));
    } finally {
      await server.close();
    }
  });

  test("close(undefined, reason) closes with 1000 and the reason (Web IDL: undefined is missing; Chromium takes 0)", async () => {
    let seen: unknown;
    const server = await serve(
      async (connection) => {
        const { code, reason } = await connection.closed;
        seen = { code, reason };
      },
      { host: "127.0.0.1", port: 0 },
    );
    try {
      const ws = new WebSocket(`ws://127.0.0.1:${portOf(server.address)}/`);
      await new Promise((resolve) => ws.addEventListener("open", resolve));
      ws.close(undefined, "why");
      await new Promise((resolve) => ws.addEventListener("close", resolve));
      await new Promise((resolve) => setTimeout(resolve, 50));
      assert.deepEqual(seen, { code: 1000, reason: "why" });
    } finally {
      await server.close();
    }
  });
});

describe("WHATWG WebSocket: CloseEvent", () => {
  test("needs a type (Web IDL: a required argument)", {
    // Deno's own does not check it.
    skip: "CloseEvent" in globalThis ? "the runtime's own CloseEvent is the one exported" : false,
  }, () => {
    assert.throws(() => new (CloseEvent as unknown as new () => CloseEvent)(), TypeError);
  });

  test("carries code, reason and wasClean, with the standard's defaults", () => {
    const event = new CloseEvent("close", { code: 4000, reason: "bye", wasClean: true });
    assert.deepEqual(
      [event.type, event.code, event.reason, event.wasClean],
      ["close", 4000, "bye", true],
    );
    assert.ok(event instanceof Event);
    const plain = new CloseEvent("close");
    assert.deepEqual([plain.code, plain.reason, plain.wasClean], [0, "", false]);
    // The runtime's own class where it has one: Deno's says "[object Event]".
    const native = (globalThis as { CloseEvent?: typeof CloseEvent }).CloseEvent;
    assert.equal(
      Object.prototype.toString.call(plain),
      native === undefined
        ? "[object CloseEvent]"
        : Object.prototype.toString.call(new native("close")),
    );
  });
});

describe("WHATWG WebSocket: bufferedAmount while the peer does not read", () => {
  test("stays up while the data waits, and falls to 0 once the peer reads", {
    timeout: 20_000,
  }, async () => {
    let startReading!: () => void;
    const reading = new Promise<void>((resolve) => (startReading = resolve));
    const server = await serve(
      async (connection) => {
        await reading;
        for await (const _ of connection);
      },
      { host: "127.0.0.1", port: 0, maxMessageBytes: 1 << 20 },
    );
    try {
      // No compression: deflating megabytes of random data only costs time here.
      const ws = new WebSocket(`ws://127.0.0.1:${portOf(server.address)}/`, [], {
        compression: null,
      });
      await new Promise((resolve) => ws.addEventListener("open", resolve));
      // Random, so that permessage-deflate cannot shrink it.
      const chunk = new Uint8Array(1 << 20);
      for (let i = 0; i < chunk.length; i += 65536)
        crypto.getRandomValues(chunk.subarray(i, i + 65536));
      for (let i = 0; i < 32; i++) ws.send(chunk);
      assert.equal(ws.bufferedAmount, 32 << 20);
      await new Promise((resolve) => setTimeout(resolve, 300));
      const waiting = ws.bufferedAmount;
      assert.ok(waiting > 0 && waiting <= 32 << 20, `bufferedAmount ${waiting}`);
      startReading();
      const deadline = Date.now() + 10_000;
      while (ws.bufferedAmount > 0 && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      assert.equal(ws.bufferedAmount, 0);
      ws.close();
      await new Promise((resolve) => ws.addEventListener("close", resolve));
    } finally {
      await server.close();
    }
  });
});

describe("WHATWG WebSocket: the library's options in a third argument", () => {
  test("wss: with a private certificate authority (tls.ca)", { timeout: 10_000 }, async () => {
    const { key, cert } = selfSigned();
    const server = await serve(echo, { host: "127.0.0.1", port: 0, tls: { key, cert } });
    try {
      const url = `wss://localhost:${portOf(server.address)}/`;
      const refused = new WebSocket(url);
      const events: string[] = [];
      refused.onerror = () => events.push("error");
      await new Promise((resolve) => refused.addEventListener("close", resolve));
      assert.deepEqual(events, ["error"], "an unknown certificate authority fails the connection");

      const ws = new WebSocket(url, [], { tls: { ca: cert } });
      await new Promise((resolve) => ws.addEventListener("open", resolve));
      const echoed = new Promise((resolve) =>
        ws.addEventListener("message", (event) => resolve((event as MessageEvent).data)),
      );
      ws.send("over TLS");
      assert.equal(await echoed, "over TLS");
      ws.close();
      const event = await new Promise<CloseEvent>((resolve) =>
        ws.addEventListener("close", (e) => resolve(e as CloseEvent)),
      );
      assert.deepEqual([event.code, event.wasClean], [1005, true]);
    } finally {
      await server.close();
    }
  });
});
