// Scenarios run by every WHATWG WebSocket under test (ours on Node and Deno,
// undici's on Node, Chromium's in a page), each returning the observable
// trace: events in order with their fields, readyState, exceptions. The
// source is plain JavaScript in a string so that a page can run it as it is:
// `(SCENARIOS)()[name](WebSocket, base)` with `base` the peer's ws://host:port.

export const SCENARIOS = String.raw`() => {
  const wait = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
  const describe = (data) =>
    typeof data === "string" ? data
    : data instanceof ArrayBuffer ? { arraybuffer: Array.from(new Uint8Array(data)) }
    : data instanceof Blob ? { blob: data.size, type: data.type }
    : { other: String(data) };
  function record(ws, trace) {
    for (const type of ["open", "message", "error", "close"]) {
      ws.addEventListener(type, (event) => {
        const entry = { type, readyState: ws.readyState, bufferedAmount: ws.bufferedAmount };
        if (type === "open") Object.assign(entry, { protocol: ws.protocol });
        if (type === "message") {
          Object.assign(entry, {
            data: describe(event.data),
            origin: event.origin.replace(/:\d+$/, ":PORT"),
            name: event.constructor.name,
            lastEventId: event.lastEventId,
          });
        }
        if (type === "close") {
          Object.assign(entry, {
            code: event.code, reason: event.reason, wasClean: event.wasClean,
            name: event.constructor.name,
          });
        }
        if (type === "error") Object.assign(entry, { name: event.constructor.name });
        trace.push(entry);
      });
    }
  }
  const closed = (ws) => new Promise((resolve) => ws.addEventListener("close", resolve));
  const traceUntilClosed = async (ws) => {
    const trace = [];
    record(ws, trace);
    await closed(ws);
    return trace;
  };
  const opened = (ws) => new Promise((resolve, reject) => {
    ws.addEventListener("open", resolve);
    ws.addEventListener("close", () => reject(new Error("closed before open")));
  });
  const nextMessage = (ws) => new Promise((resolve) =>
    ws.addEventListener("message", (event) => resolve(event.data), { once: true }));
  const attempt = (f) => {
    try { return { value: f() }; }
    catch (error) { return { name: error.name, isDOMException: error instanceof DOMException }; }
  };

  return {
    async construct(WebSocket, base) {
      const host = base.slice("ws://".length);
      const trace = [];
      const inputs = [
        [base + "/"], ["http://" + host + "/a?b"], ["ws://" + host + "/#"],
        ["ws://" + host + "/#x"], ["ftp://" + host + "/"], ["/relative"],
        ["ws://" + host + "/x y"], ["ws://" + host], [base + "/", "chat"], [base + "/", ["a", "a"]],
        [base + "/", ["a", "A"]], [base + "/", ["a b"]], [base + "/", [""]], [base + "/", ["é"]],
        [base + "/", []], [base + "/", "a,b"],
      ];
      for (const args of inputs) {
        const result = attempt(() => new WebSocket(...args));
        if (result.value) {
          const ws = result.value;
          trace.push({ url: ws.url.replace(/:\d+\//, ":PORT/"), readyState: ws.readyState,
            protocol: ws.protocol, extensions: ws.extensions, binaryType: ws.binaryType,
            bufferedAmount: ws.bufferedAmount });
          ws.close();
        } else trace.push(result);
      }
      trace.push(attempt(() => new WebSocket()));
      trace.push([WebSocket.CONNECTING, WebSocket.OPEN, WebSocket.CLOSING, WebSocket.CLOSED,
        WebSocket.prototype.OPEN, String(Object.prototype.toString.call(WebSocket.prototype))]);
      return trace;
    },

    async echo(WebSocket, base) {
      const trace = [];
      const ws = new WebSocket(base + "/", ["chat", "other"]);
      record(ws, trace);
      trace.push({ send: attempt(() => ws.send("early")) });
      await opened(ws);
      ws.send("héllo");
      trace.push({ afterSend: ws.bufferedAmount });
      await nextMessage(ws);
      ws.send(new Uint8Array([1, 2, 3]));
      await nextMessage(ws);
      ws.binaryType = "nonsense";
      trace.push({ binaryType: ws.binaryType });
      ws.binaryType = "arraybuffer";
      ws.send(new Uint16Array([0x0201, 0x0403]).buffer);
      await nextMessage(ws);
      ws.send(new DataView(new Uint8Array([9, 8, 7, 6]).buffer, 1, 2));
      await nextMessage(ws);
      ws.send(new Blob(["blob"]));
      await nextMessage(ws);
      ws.send(42);
      await nextMessage(ws);
      ws.send("\ud800x");
      await nextMessage(ws);
      ws.close(1000, "done");
      trace.push({ afterClose: ws.readyState });
      ws.send("late");
      ws.send(new Uint8Array(10));
      trace.push({ bufferedAfterSendOnClosing: ws.bufferedAmount });
      await closed(ws);
      ws.send("later");
      trace.push({ bufferedAfterSendOnClosed: ws.bufferedAmount, readyState: ws.readyState });
      return trace;
    },

    async sendSnapshot(WebSocket, base) {
      const trace = [];
      const ws = new WebSocket(base + "/");
      ws.binaryType = "arraybuffer";
      record(ws, trace);
      await opened(ws);
      // Sent behind a Blob (read first), then changed: the bytes of the call go.
      const bytes = new Uint8Array([97, 98]);
      ws.send(new Blob(["blob"]));
      ws.send(bytes);
      bytes[0] = 1;
      const buffer = new Uint8Array([99]).buffer;
      ws.send(buffer);
      new Uint8Array(buffer)[0] = 2;
      ws.send(bytes.subarray(1));
      bytes[1] = 3;
      await wait(300);
      ws.close();
      await closed(ws);
      return trace;
    },

    async credentialsChallenged(WebSocket, base) {
      // The URL's user name and password answer a 401's Basic challenge: a
      // wrong pair fails, the right one opens (the first message: the 401s
      // the server answered until then). Not in SCENARIO_NAMES: Chromium
      // answers only from a page of the server's origin (from about:blank,
      // where the others run, it does not), see websocket.test.ts.
      const trace = [];
      for (const pair of ["user:wrong", "user:pass"]) {
        const ws = new WebSocket(base.replace("ws://", "ws://" + pair + "@") + "/auth");
        record(ws, trace);
        ws.addEventListener("message", () => ws.close());
        await closed(ws);
      }
      return trace;
    },

    async oneHandshakeAtATime(WebSocket, base) {
      // Three at once to one host and port, the second given up while waiting:
      // each of the others is answered with the number of handshakes to this
      // URL the server had in progress when it arrived.
      const url = base + "/hold?" + Math.random().toString(36).slice(2);
      const sockets = [0, 1, 2].map(() => new WebSocket(url));
      sockets[1].close();
      const firsts = await Promise.all(sockets.map((ws) => new Promise((resolve) => {
        ws.addEventListener("message", (event) => resolve(event.data), { once: true });
        ws.addEventListener("close", () => resolve("closed"));
      })));
      const open = [sockets[0], sockets[2]].filter((ws) => ws.readyState !== WebSocket.CLOSED);
      for (const ws of open) ws.close();
      await Promise.all(open.map(closed));
      return firsts;
    },

    async closeArguments(WebSocket, base) {
      const trace = [];
      const ws = new WebSocket(base + "/");
      await opened(ws);
      for (const args of [[999], [1001], [2999], [5000], [NaN], [1000.4], [-1],
          [65536 + 1000], ["1000x"], [3000, "é".repeat(62)], [3000, "x".repeat(124)]]) {
        trace.push({ args: String(args).slice(0, 20), result: attempt(() => ws.close(...args)), readyState: ws.readyState });
      }
      record(ws, trace);
      trace.push({ result: attempt(() => ws.close(4999, "x".repeat(123))), readyState: ws.readyState });
      trace.push({ again: attempt(() => ws.close(1000)) });
      await closed(ws);
      return trace;
    },

    async closeCodes(WebSocket, base) {
      const trace = [];
      for (const args of [[], [4001, "é"], [1000], [3000, ""], [1000, "why"]]) {
        const ws = new WebSocket(base + "/");
        await opened(ws);
        record(ws, trace);
        ws.close(...args);
        await closed(ws);
      }
      return trace;
    },

    async serverCloses(WebSocket, base) {
      const trace = [];
      const ws = new WebSocket(base + "/");
      record(ws, trace);
      await opened(ws);
      ws.send("close:4000:bye");
      await closed(ws);
      return trace;
    },

    async credentials(WebSocket, base) {
      const trace = [];
      const ws = new WebSocket(base.replace("ws://", "ws://user:pass@") + "/");
      trace.push({ url: ws.url.replace(/:\d+\//, ":PORT/") });
      record(ws, trace);
      ws.addEventListener("open", () => ws.close());
      await closed(ws);
      return trace;
    },

    async subprotocolChoice(WebSocket, base) {
      const trace = [];
      for (const path of ["/protocol/none", "/protocol/other"]) {
        const ws = new WebSocket(base + path, ["chat"]);
        record(ws, trace);
        ws.addEventListener("open", () => ws.close());
        await closed(ws);
      }
      return trace;
    },

    async closeWhileConnecting(WebSocket, base) {
      const trace = [];
      const ws = new WebSocket(base + "/");
      record(ws, trace);
      trace.push({ send: attempt(() => ws.send("x")) });
      ws.close();
      trace.push({ readyState: ws.readyState });
      ws.send("x");
      trace.push({ bufferedAmount: ws.bufferedAmount });
      await closed(ws);
      await wait(50);
      return trace;
    },

    // The peer refuses the handshake, drops the connection, sends a bad frame.
    refused: (WebSocket, base) => traceUntilClosed(new WebSocket(base + "/reject")),
    dropped: (WebSocket, base) => traceUntilClosed(new WebSocket(base + "/drop")),
    badFrame: (WebSocket, base) => traceUntilClosed(new WebSocket(base + "/bad-frame")),

    async microtasks(WebSocket, base) {
      const trace = [];
      const ws = new WebSocket(base + "/");
      ws.onmessage = (event) => {
        trace.push("message " + event.data);
        Promise.resolve().then(() => trace.push("microtask " + event.data));
      };
      ws.onopen = () => {
        trace.push("open");
        Promise.resolve().then(() => trace.push("microtask open"));
      };
      await opened(ws);
      ws.send("burst:3");
      while (trace.length < 8) await wait(10);
      ws.close();
      await closed(ws);
      return trace;
    },

    async messagesAfterClose(WebSocket, base) {
      const trace = [];
      const ws = new WebSocket(base + "/");
      record(ws, trace);
      await opened(ws);
      ws.send("burst:5");
      ws.addEventListener("message", () => ws.close(), { once: true });
      await closed(ws);
      return trace;
    },

    async blobOrder(WebSocket, base) {
      const trace = [];
      const ws = new WebSocket(base + "/");
      ws.binaryType = "arraybuffer";
      await opened(ws);
      ws.onmessage = (event) => trace.push(describe(event.data));
      const big = new Blob([new Uint8Array(200000).fill(7)]);
      ws.send(big);
      ws.send("b");
      trace.push({ buffered: ws.bufferedAmount });
      ws.send(new Blob(["c"]));
      ws.send(new Uint8Array([4]));
      trace.push({ buffered: ws.bufferedAmount });
      while (trace.length < 6) await wait(10);
      trace[2] = { length: trace[2].arraybuffer.length };
      trace.push({ buffered: ws.bufferedAmount });
      ws.close();
      await closed(ws);
      return trace;
    },

    async handlers(WebSocket, base) {
      const trace = [];
      const ws = new WebSocket(base + "/");
      const first = () => trace.push("first");
      ws.onmessage = first;
      ws.addEventListener("message", () => trace.push("listener"));
      ws.onmessage = () => trace.push("second");
      trace.push(ws.onmessage === first, ws.onopen);
      await opened(ws);
      const echoed = () => { const message = nextMessage(ws); ws.send("m"); return message; };
      await echoed();
      ws.onmessage = null;
      ws.onmessage = function () { trace.push("third " + (this === ws)); };
      await echoed();
      ws.onmessage = 5;
      trace.push(ws.onmessage);
      await echoed();
      ws.close();
      await closed(ws);
      return trace;
    },

    async bufferedAmount(WebSocket, base) {
      const trace = [];
      const ws = new WebSocket(base + "/");
      await opened(ws);
      ws.send("x".repeat(512 * 1024));
      ws.send(new Uint8Array(1000));
      trace.push(ws.bufferedAmount);
      await nextMessage(ws);
      await nextMessage(ws);
      trace.push(ws.bufferedAmount);
      ws.close();
      await closed(ws);
      return trace;
    },
  };
}`;

/** The scenarios' names, in the order they run. */
export const SCENARIO_NAMES = [
  "construct",
  "echo",
  "closeArguments",
  "closeCodes",
  "serverCloses",
  "credentials",
  "subprotocolChoice",
  "closeWhileConnecting",
  "refused",
  "dropped",
  "badFrame",
  "microtasks",
  "messagesAfterClose",
  "blobOrder",
  "handlers",
  "bufferedAmount",
  "sendSnapshot",
  "oneHandshakeAtATime",
] as const;

export type ScenarioName = (typeof SCENARIO_NAMES)[number] | "credentialsChallenged";

/** Runs one scenario in this process with `WebSocket`. */
export function runScenario(
  name: ScenarioName,
  WebSocket: unknown,
  base: string,
): Promise<unknown> {
  // The scenarios are this file's own source, shared with a page.
  const scenarios = new Function(`return (${SCENARIOS})()`)() as Record<
    ScenarioName,
    (WebSocket: unknown, base: string) => Promise<unknown>
  >;
  return scenarios[name](WebSocket, base);
}
