// Scenarios run by every WebSocketStream under test (ours on Node and Deno,
// undici's on Node, Chromium's in a page), each returning the observable
// trace: promise outcomes with their values, chunks read, exceptions. Plain
// JavaScript in a string, as in scenarios.ts:
// `(STREAM_SCENARIOS)()[name](WebSocketStream, WebSocketError, base)`.

export const STREAM_SCENARIOS = String.raw`() => {
  const wait = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
  const error = (e) => e === undefined ? { undefined: true } : {
    name: e.name, isDOMException: e instanceof DOMException,
    ...("closeCode" in e ? { closeCode: e.closeCode, reason: e.reason } : {}),
  };
  const settle = (promise) => promise.then(
    (value) => ({ value: value === undefined ? "undefined" : value }),
    (e) => ({ rejected: error(e) }));
  const attempt = (f) => {
    try { const value = f(); return { value: value === undefined ? "undefined" : value }; }
    catch (e) { return error(e); }
  };
  const chunk = (c) => typeof c === "string" ? c : { type: c.constructor.name, bytes: Array.from(c instanceof ArrayBuffer ? new Uint8Array(c) : new Uint8Array(c.buffer, c.byteOffset, c.byteLength)) };
  const read = (reader) => reader.read().then(
    ({ value, done }) => done ? { done } : { value: chunk(value) },
    (e) => ({ rejected: error(e) }));

  return {
    async construct(WebSocketStream, WebSocketError, base) {
      const host = base.slice("ws://".length);
      const trace = [];
      for (const args of [["http://" + host + "/x"], ["ws://" + host + "/#"], ["ftp://" + host],
          [base + "/", { protocols: ["a", "a"] }], [base + "/", { protocols: ["a b"] }]]) {
        const result = attempt(() => new WebSocketStream(...args));
        if (result.value) {
          trace.push({ url: result.value.url.replace(/:\d+\//, ":PORT/") });
          result.value.close();
          await settle(result.value.closed);
        } else trace.push(result);
      }
      const plain = new WebSocketError();
      trace.push({ name: plain.name, message: plain.message, closeCode: plain.closeCode,
        reason: plain.reason, isDOMException: plain instanceof DOMException });
      trace.push(attempt(() => new WebSocketError("m", { closeCode: 999 })));
      trace.push(attempt(() => new WebSocketError("m", { closeCode: 70000 })));
      trace.push(attempt(() => new WebSocketError("m", { reason: "x".repeat(124) })));
      const reasoned = new WebSocketError("m", { reason: "r" });
      trace.push({ closeCode: reasoned.closeCode, reason: reasoned.reason, message: reasoned.message });
      return trace;
    },

    async echo(WebSocketStream, WebSocketError, base) {
      const trace = [];
      const stream = new WebSocketStream(base + "/", { protocols: ["chat"] });
      const { readable, writable, protocol, extensions } = await stream.opened;
      trace.push({ protocol, extensionsType: typeof extensions });
      const writer = writable.getWriter();
      const reader = readable.getReader();
      trace.push(await settle(writer.write("héllo")));
      trace.push(await read(reader));
      await writer.write(new Uint8Array([1, 2, 3]));
      trace.push(await read(reader));
      await writer.write(new Uint8Array([4, 5]).buffer);
      trace.push(await read(reader));
      await writer.write(new DataView(new Uint8Array([9, 8, 7]).buffer, 1));
      trace.push(await read(reader));
      stream.close({ closeCode: 3456, reason: "pizza" });
      trace.push(await settle(stream.closed));
      trace.push(await read(reader));
      trace.push(await settle(writer.write("late")));
      return trace;
    },

    async closeArguments(WebSocketStream, WebSocketError, base) {
      const trace = [];
      const stream = new WebSocketStream(base + "/");
      await stream.opened;
      for (const info of [{ closeCode: 999 }, { closeCode: 1001 }, { closeCode: 70000 },
          { closeCode: 3000, reason: "x".repeat(124) }]) {
        trace.push(attempt(() => stream.close(info)));
      }
      trace.push(attempt(() => stream.close({ reason: "because" })));
      trace.push(await settle(stream.closed));
      return trace;
    },

    async closeWithoutCode(WebSocketStream, WebSocketError, base) {
      const trace = [];
      for (const close of [(s) => s.close(), (s) => s.close({}), (s) => s.close({ reason: "" })]) {
        const stream = new WebSocketStream(base + "/");
        await stream.opened;
        close(stream);
        trace.push(await settle(stream.closed));
      }
      return trace;
    },

    async writableClose(WebSocketStream, WebSocketError, base) {
      const stream = new WebSocketStream(base + "/");
      const { readable, writable } = await stream.opened;
      const trace = [];
      trace.push(await settle(writable.getWriter().close()));
      trace.push(await settle(stream.closed));
      trace.push(await read(readable.getReader()));
      return trace;
    },

    async readableEndsAfterCleanClose(WebSocketStream, WebSocketError, base) {
      const trace = [];
      const pending = (promise) => Promise.race([settle(promise), wait(1000).then(() => "pending")]);
      // A message arrives, nobody reads, the writer closes: it is still read
      // after the clean close, then the readable ends. (One message: of
      // several unread, Chromium keeps only what its stream had buffered.)
      const stream = new WebSocketStream(base + "/");
      const { readable, writable } = await stream.opened;
      const writer = writable.getWriter();
      await writer.write("burst:1");
      await wait(100);
      trace.push(await settle(writer.close()));
      trace.push(await settle(stream.closed));
      const reader = readable.getReader();
      trace.push(await read(reader), await read(reader));
      trace.push(await pending(reader.closed));
      // Nothing arrives and nobody reads: reader.closed still settles.
      const idle = new WebSocketStream(base + "/");
      const streams = await idle.opened;
      const idleReader = streams.readable.getReader();
      trace.push(await settle(streams.writable.getWriter().close()));
      trace.push(await settle(idle.closed));
      trace.push(await pending(idleReader.closed));
      return trace;
    },

    async closeWithUnreadMessages(WebSocketStream, WebSocketError, base) {
      // A hundred messages nobody reads (more than a receive queue holds),
      // then close(): the closing handshake still completes, at once.
      const stream = new WebSocketStream(base + "/");
      const { writable } = await stream.opened;
      await writable.getWriter().write("burst:100");
      await wait(200);
      const started = Date.now();
      stream.close();
      const closed = await settle(stream.closed);
      return [closed, { withinTwoSeconds: Date.now() - started < 2000 }];
    },

    async writableAbort(WebSocketStream, WebSocketError, base) {
      const trace = [];
      for (const reason of [new WebSocketError("stop", { closeCode: 4001, reason: "r" }), new Error("x"), undefined]) {
        const stream = new WebSocketStream(base + "/");
        const { writable } = await stream.opened;
        trace.push(await settle(writable.abort(reason)));
        trace.push(await settle(stream.closed));
      }
      return trace;
    },

    async readableCancel(WebSocketStream, WebSocketError, base) {
      const trace = [];
      const stream = new WebSocketStream(base + "/");
      const { readable, writable } = await stream.opened;
      trace.push(await settle(readable.cancel(new WebSocketError("", { closeCode: 4002 }))));
      trace.push(await settle(stream.closed));
      trace.push(await settle(writable.getWriter().write("x")));
      return trace;
    },

    async serverCloses(WebSocketStream, WebSocketError, base) {
      const trace = [];
      const stream = new WebSocketStream(base + "/");
      const { readable, writable } = await stream.opened;
      const writer = writable.getWriter();
      await writer.write("close:4000:bye");
      const reader = readable.getReader();
      trace.push(await read(reader));
      trace.push(await settle(stream.closed));
      trace.push(await settle(writer.write("x")));
      return trace;
    },

    async dropped(WebSocketStream, WebSocketError, base) {
      const trace = [];
      const stream = new WebSocketStream(base + "/drop");
      const { readable } = await stream.opened;
      // The message "x" arrived before the drop; it is not read before the close.
      trace.push(await settle(stream.closed));
      const reader = readable.getReader();
      trace.push(await read(reader));
      trace.push(await read(reader));
      return trace;
    },

    async refused(WebSocketStream, WebSocketError, base) {
      const stream = new WebSocketStream(base + "/reject");
      return [await settle(stream.opened), await settle(stream.closed)];
    },

    async aborted(WebSocketStream, WebSocketError, base) {
      const trace = [];
      const early = new WebSocketStream(base + "/", { signal: AbortSignal.abort() });
      trace.push(await settle(early.opened), await settle(early.closed));
      const controller = new AbortController();
      const late = new WebSocketStream(base + "/", { signal: controller.signal });
      controller.abort(new Error("changed my mind"));
      trace.push(await settle(late.opened), await settle(late.closed));
      const open = new AbortController();
      const opened = new WebSocketStream(base + "/", { signal: open.signal });
      await opened.opened;
      open.abort();
      await wait(50);
      opened.close();
      trace.push(await settle(opened.closed));
      return trace;
    },

    async subprotocolChoice(WebSocketStream, WebSocketError, base) {
      const trace = [];
      for (const path of ["/protocol/none", "/protocol/other"]) {
        const stream = new WebSocketStream(base + path, { protocols: ["chat"] });
        trace.push(await settle(stream.opened.then(({ protocol }) => protocol)));
        trace.push(await settle(stream.closed));
      }
      return trace;
    },

    async closeWhileConnecting(WebSocketStream, WebSocketError, base) {
      const stream = new WebSocketStream(base + "/");
      stream.close();
      return [await settle(stream.opened), await settle(stream.closed)];
    },
  };
}`;

export const STREAM_SCENARIO_NAMES = [
  "construct",
  "echo",
  "closeArguments",
  "closeWithoutCode",
  "writableClose",
  "readableEndsAfterCleanClose",
  "closeWithUnreadMessages",
  "writableAbort",
  "readableCancel",
  "serverCloses",
  "dropped",
  "refused",
  "aborted",
  "subprotocolChoice",
  "closeWhileConnecting",
] as const;

export type StreamScenarioName = (typeof STREAM_SCENARIO_NAMES)[number];

/** Runs one scenario in this process. */
export function runStreamScenario(
  name: StreamScenarioName,
  WebSocketStream: unknown,
  WebSocketError: unknown,
  base: string,
): Promise<unknown> {
  // The scenarios are this file's own source, shared with a page.
  const scenarios = new Function(`return (${STREAM_SCENARIOS})()`)() as Record<
    StreamScenarioName,
    (WebSocketStream: unknown, WebSocketError: unknown, base: string) => Promise<unknown>
  >;
  return scenarios[name](WebSocketStream, WebSocketError, base);
}
