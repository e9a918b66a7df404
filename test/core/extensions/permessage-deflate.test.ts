import assert from "node:assert/strict";
import { describe, it } from "node:test";
import zlib from "node:zlib";
import { ProtocolError } from "../../../src/core/errors.js";
import type { Extension, ExtensionParam } from "../../../src/core/extension.js";
import type { DeflateCodec } from "../../../src/core/extensions/deflate-codec.js";
// Loaded for coverage: the module holds only types.
import "../../../src/core/extensions/deflate-codec.js";
import {
  ClientPerMessageDeflateFactory,
  PERMESSAGE_DEFLATE,
  PERMESSAGE_DEFLATE_DEFAULTS,
  PerMessageDeflate,
  type PerMessageDeflateOptions,
  ServerPerMessageDeflateFactory,
} from "../../../src/core/extensions/permessage-deflate.js";
import { createZlibCodec, zlibCodec } from "../../../src/node/zlib-codec.js";
import { fflateCodec } from "../../../src/web/fflate-codec.js";

const RSV1 = 0x40;
const MiB = 1024 * 1024;
const te = new TextEncoder();
const td = new TextDecoder();
const bytes = (...values: number[]) => new Uint8Array(values);

type Options = Partial<PerMessageDeflateOptions>;

/** Runs a whole handshake: client offer, server answer, client check. */
function negotiate(server: Options = {}, client: Options = {}) {
  const serverFactory = new ServerPerMessageDeflateFactory({ codec: zlibCodec, ...server });
  const clientFactory = new ClientPerMessageDeflateFactory({ codec: zlibCodec, ...client });
  const offer = clientFactory.offer();
  const answer = serverFactory.negotiate(offer, []);
  assert.ok(answer, "the server accepts");
  return {
    offer,
    response: answer.params,
    server: answer.extension,
    client: clientFactory.accept(answer.params, []),
  };
}

/** Sends one message from `from` to `to` as frames of the given payload pieces. */
function transfer(
  from: Extension,
  to: Extension,
  pieces: Uint8Array[],
  maxBytes = MiB,
): Uint8Array {
  const out: Uint8Array[] = [];
  pieces.forEach((piece, i) => {
    const first = i === 0;
    const fin = i === pieces.length - 1;
    const { payload, rsv } = from.encode(piece, first, fin);
    if (!first) assert.equal(rsv, 0, "RSV1 only on the first frame");
    out.push(to.decode(payload, rsv, first, fin, maxBytes));
  });
  return Buffer.concat(out);
}

/** Deterministic text that compresses like prose. */
function text(length: number, seed = 1): Uint8Array {
  const words = ["alpha", "beta", "gamma", "delta", "socket", "frame", "deflate", "window", "the"];
  let s = seed;
  let out = "";
  while (out.length < length) {
    s = (s * 1103515245 + 12345) & 0x7fffffff;
    out += `${words[(s >>> 16) % words.length]} `;
  }
  return te.encode(out.slice(0, length));
}

function random(length: number, seed = 7): Uint8Array {
  const out = new Uint8Array(length);
  let s = seed;
  for (let i = 0; i < length; i++) {
    s = (s * 1103515245 + 12345) & 0x7fffffff;
    out[i] = s >> 16;
  }
  return out;
}

function expectProtocolError(fn: () => unknown, closeCode: number): void {
  assert.throws(fn, (error: unknown) => {
    assert.ok(error instanceof ProtocolError);
    assert.equal(error.closeCode, closeCode);
    return true;
  });
}

describe("permessage-deflate: RFC 7692 7.2.3 examples", () => {
  const hello = (ext: Extension, payload: Uint8Array, first = true, fin = true, rsv = RSV1) =>
    ext.decode(payload, rsv, first, fin, MiB);

  it("7.2.3.1: decodes 'Hello' in one frame and fragmented in two", () => {
    const { client } = negotiate();
    assert.equal(
      td.decode(hello(client, bytes(0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00))),
      "Hello",
    );
    const a = hello(client, bytes(0xf2, 0x48, 0xcd), true, false);
    const b = hello(client, bytes(0xc9, 0xc9, 0x07, 0x00), false, true, 0);
    assert.equal(td.decode(Buffer.concat([a, b])), "Hello");
  });

  it("7.2.3.1 and 7.2.3.2: encodes 'Hello' as the RFC does, then with the shared window", () => {
    const { server } = negotiate({ thresholdBytes: 0, serverMaxWindowBits: 15 });
    const first = server.encode(te.encode("Hello"), true, true);
    assert.deepEqual(first, {
      payload: bytes(0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00),
      rsv: RSV1,
    });
    const second = server.encode(te.encode("Hello"), true, true);
    assert.deepEqual(second.payload, bytes(0xf2, 0x00, 0x11, 0x00, 0x00));
  });

  it("7.2.3.2: decodes the second 'Hello' through the shared window", () => {
    const { client } = negotiate();
    hello(client, bytes(0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00));
    assert.equal(td.decode(hello(client, bytes(0xf2, 0x00, 0x11, 0x00, 0x00))), "Hello");
  });

  it("7.2.3.2: without context takeover, 'Hello' is encoded afresh every time", () => {
    const { server, response } = negotiate({ thresholdBytes: 0, serverNoContextTakeover: true });
    assert.deepEqual(response[0], ["server_no_context_takeover", null]);
    for (let i = 0; i < 3; i++) {
      const { payload } = server.encode(te.encode("Hello"), true, true);
      assert.deepEqual(payload, bytes(0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00));
    }
  });

  it("7.2.3.3: decodes a stored (uncompressed) DEFLATE block", () => {
    const { client } = negotiate();
    const payload = bytes(0x00, 0x05, 0x00, 0xfa, 0xff, 0x48, 0x65, 0x6c, 0x6c, 0x6f, 0x00);
    assert.equal(td.decode(hello(client, payload)), "Hello");
  });

  it("7.2.3.4: decodes a block with BFINAL set, and the next message as a new stream", () => {
    for (const codec of [zlibCodec, createZlibCodec({ oneShot: true }), fflateCodec]) {
      const { client } = negotiate({}, { codec });
      const payload = bytes(0xf3, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00, 0x00);
      assert.equal(td.decode(hello(client, payload)), "Hello", codec.name);
      const next = bytes(0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00);
      assert.equal(td.decode(hello(client, next)), "Hello", codec.name);
      // A final block in the first frame: the rest of the message is ignored.
      const a = hello(client, bytes(0xf3, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00), true, false);
      const b = hello(client, bytes(0x00), false, true, 0);
      assert.equal(td.decode(Buffer.concat([a, b])), "Hello", codec.name);
      assert.equal(td.decode(hello(client, next)), "Hello", codec.name);
    }
  });

  it("7.2.3.5: decodes two DEFLATE blocks in one message", () => {
    const { client } = negotiate();
    const payload = bytes(
      0xf2,
      0x48,
      0x05,
      0x00,
      0x00,
      0x00,
      0xff,
      0xff,
      0xca,
      0xc9,
      0xc9,
      0x07,
      0x00,
    );
    assert.equal(td.decode(hello(client, payload)), "Hello");
  });

  it("7.2.3.6: an empty message compresses to a single 00 byte and decodes back", () => {
    const { server, client } = negotiate({ thresholdBytes: 0 });
    const { payload, rsv } = server.encode(new Uint8Array(0), true, true);
    assert.deepEqual(payload, bytes(0x00));
    assert.equal(rsv, RSV1);
    assert.equal(client.decode(payload, rsv, true, true, MiB).length, 0);
  });
});

describe("permessage-deflate: server negotiation", () => {
  const server = (options: Options = {}) =>
    new ServerPerMessageDeflateFactory({ codec: zlibCodec, ...options });
  const answer = (offer: ExtensionParam[], options: Options = {}) =>
    server(options).negotiate(offer, [])?.params ?? null;

  it("accepts a bare offer with the default 12-bit server window", () => {
    assert.deepEqual(answer([]), [["server_max_window_bits", "12"]]);
  });

  it("answers each parameter as RFC 7692 7.1 requires", () => {
    const cases: [ExtensionParam[], Options, ExtensionParam[] | null][] = [
      // 7.1.1.1: an offered server_no_context_takeover is echoed.
      [
        [["server_no_context_takeover", null]],
        { serverMaxWindowBits: 15 },
        [["server_no_context_takeover", null]],
      ],
      // ...and may be sent unasked.
      [
        [],
        { serverNoContextTakeover: true, serverMaxWindowBits: 15 },
        [["server_no_context_takeover", null]],
      ],
      // 7.1.1.2: client_no_context_takeover, asked or unasked.
      [
        [["client_no_context_takeover", null]],
        { serverMaxWindowBits: 15 },
        [["client_no_context_takeover", null]],
      ],
      [
        [],
        { clientNoContextTakeover: true, serverMaxWindowBits: 15 },
        [["client_no_context_takeover", null]],
      ],
      // 7.1.2.1: never more than offered, our limit otherwise.
      [[["server_max_window_bits", "10"]], {}, [["server_max_window_bits", "10"]]],
      [[["server_max_window_bits", "15"]], {}, [["server_max_window_bits", "12"]]],
      [
        [["server_max_window_bits", "15"]],
        { serverMaxWindowBits: 15 },
        [["server_max_window_bits", "15"]],
      ],
      [[["server_max_window_bits", "8"]], {}, [["server_max_window_bits", "8"]]],
      // 7.1.2.2: limit the client only when it allows it, never above its hint.
      [
        [["client_max_window_bits", null]],
        { serverMaxWindowBits: 15 },
        [["client_max_window_bits", "12"]],
      ],
      [
        [["client_max_window_bits", null]],
        { serverMaxWindowBits: 15, clientMaxWindowBits: 15 },
        [],
      ],
      [
        [["client_max_window_bits", "9"]],
        { serverMaxWindowBits: 15 },
        [["client_max_window_bits", "9"]],
      ],
      [
        [["client_max_window_bits", "15"]],
        { serverMaxWindowBits: 15, clientMaxWindowBits: 15 },
        [["client_max_window_bits", "15"]],
      ],
      [[], { serverMaxWindowBits: 15, clientMaxWindowBits: 9 }, []],
    ];
    for (const [offer, options, expected] of cases) {
      assert.deepEqual(answer(offer, options), expected, JSON.stringify([offer, options]));
    }
  });

  it("declines unknown, duplicate and invalid parameters (7.1)", () => {
    const invalid: ExtensionParam[][] = [
      [["x_unknown", null]],
      [
        ["server_no_context_takeover", null],
        ["server_no_context_takeover", null],
      ],
      [
        ["client_max_window_bits", null],
        ["client_max_window_bits", "10"],
      ],
      [["server_no_context_takeover", "1"]],
      [["client_no_context_takeover", ""]],
      [["server_max_window_bits", null]],
      [["server_max_window_bits", "7"]],
      [["server_max_window_bits", "16"]],
      [["server_max_window_bits", "010"]],
      [["server_max_window_bits", "1a"]],
      [["server_max_window_bits", " 9"]],
      [["client_max_window_bits", "0"]],
      [["client_max_window_bits", "08"]],
      [["client_max_window_bits", "abc"]],
    ];
    for (const offer of invalid) assert.equal(answer(offer), null, JSON.stringify(offer));
  });

  it("declines when another extension already owns RSV1 (section 5)", () => {
    const other: Extension = {
      name: "x-other",
      rsvBits: RSV1,
      encode: (payload) => ({ payload, rsv: 0 }),
      decode: (payload) => payload,
    };
    assert.equal(server().negotiate([], [other]), null);
    assert.ok(server().negotiate([], [{ ...other, rsvBits: 0x20 }]));
  });

  it("declines a window the codec cannot honour, and tries the next offer", () => {
    const factory = server({ codec: fflateCodec });
    assert.equal(factory.negotiate([["server_max_window_bits", "10"]], []), null);
    // The default 12 is a preference: fflate compresses with 15.
    assert.deepEqual(factory.negotiate([], [])?.params, []);
    assert.deepEqual(factory.negotiate([["server_max_window_bits", "15"]], [])?.params, [
      ["server_max_window_bits", "15"],
    ]);
  });

  it("rejects bad options with RangeError", () => {
    const bad: Options[] = [
      { serverMaxWindowBits: 7 },
      { serverMaxWindowBits: 16 },
      { clientMaxWindowBits: 12.5 },
      { level: 10 },
      { level: -1 },
      { memLevel: 0 },
      { memLevel: 10 },
      { largeMessageLevel: 10 },
      { largeMessageLevel: 1.5 },
      { largeMessageBytes: -1 },
      { thresholdBytes: -1 },
      { thresholdBytes: Number.NaN },
    ];
    for (const options of bad) {
      assert.throws(() => server(options), RangeError, JSON.stringify(options));
      assert.throws(
        () => new ClientPerMessageDeflateFactory({ codec: zlibCodec, ...options }),
        RangeError,
      );
    }
    assert.throws(() => server({ codec: fflateCodec, serverMaxWindowBits: 12 }), RangeError);
    assert.throws(
      () => new ClientPerMessageDeflateFactory({ codec: fflateCodec, clientMaxWindowBits: 12 }),
      RangeError,
    );
  });

  it("exposes the agreed parameters", () => {
    const result = server({ clientNoContextTakeover: true }).negotiate(
      [
        ["client_max_window_bits", null],
        ["server_no_context_takeover", null],
      ],
      [],
    );
    assert.ok(result);
    assert.equal(result.extension.name, PERMESSAGE_DEFLATE);
    assert.deepEqual(result.extension.params, {
      serverNoContextTakeover: true,
      clientNoContextTakeover: true,
      serverMaxWindowBits: 12,
      clientMaxWindowBits: 12,
    });
  });
});

describe("permessage-deflate: client negotiation", () => {
  const client = (options: Options = {}) =>
    new ClientPerMessageDeflateFactory({ codec: zlibCodec, ...options });

  it("offers every parameter it is configured with", () => {
    assert.deepEqual(client().offer(), [["client_max_window_bits", null]]);
    assert.deepEqual(
      client({
        serverNoContextTakeover: true,
        clientNoContextTakeover: true,
        serverMaxWindowBits: 10,
        clientMaxWindowBits: 11,
      }).offer(),
      [
        ["server_no_context_takeover", null],
        ["client_no_context_takeover", null],
        ["server_max_window_bits", "10"],
        ["client_max_window_bits", "11"],
      ],
    );
    // fflate compresses with 15 only: it must not let the server pick a smaller window.
    assert.deepEqual(client({ codec: fflateCodec }).offer(), []);
  });

  it("accepts valid responses and uses what they say", () => {
    const ext = client({ serverMaxWindowBits: 10 }).accept(
      [
        ["server_max_window_bits", "9"],
        ["client_max_window_bits", "8"],
        ["client_no_context_takeover", null],
        ["server_no_context_takeover", null],
      ],
      [],
    );
    assert.deepEqual(ext.params, {
      serverNoContextTakeover: true,
      clientNoContextTakeover: true,
      serverMaxWindowBits: 9,
      clientMaxWindowBits: 8,
    });
    // No window in the response: the client keeps to its own hint.
    assert.equal(client({ clientMaxWindowBits: 11 }).accept([], []).params.clientMaxWindowBits, 11);
    assert.equal(client().accept([], []).params.serverMaxWindowBits, 15);
  });

  it("fails the handshake on a response that breaks 7.1 (throws)", () => {
    const cases: [Options, ExtensionParam[]][] = [
      [{}, [["unknown", null]]],
      [
        {},
        [
          ["server_no_context_takeover", null],
          ["server_no_context_takeover", null],
        ],
      ],
      [{}, [["server_no_context_takeover", "x"]]],
      [{}, [["server_max_window_bits", "16"]]],
      [{}, [["server_max_window_bits", null]]],
      // A response's client_max_window_bits needs a value.
      [{}, [["client_max_window_bits", null]]],
      [{}, [["client_max_window_bits", "07"]]],
      // server_no_context_takeover offered but not answered.
      [{ serverNoContextTakeover: true }, []],
      // server_max_window_bits offered but not answered, or answered larger.
      [{ serverMaxWindowBits: 10 }, []],
      [{ serverMaxWindowBits: 10 }, [["server_max_window_bits", "11"]]],
      // client_max_window_bits larger than the client's hint.
      [{ clientMaxWindowBits: 10 }, [["client_max_window_bits", "11"]]],
      // client_max_window_bits never offered (fflate cannot offer it).
      [{ codec: fflateCodec }, [["client_max_window_bits", "15"]]],
    ];
    for (const [options, response] of cases) {
      assert.throws(
        () => client(options).accept(response, []),
        /^Error: Cannot accept permessage-deflate response: /,
        JSON.stringify([options, response]),
      );
    }
  });

  it("fails when another accepted extension owns RSV1", () => {
    const other = negotiate().client;
    assert.throws(() => client().accept([], [other]), /already uses RSV1/);
  });
});

describe("permessage-deflate: messages", () => {
  const paramSets: [string, Options, Options][] = [
    ["defaults", {}, {}],
    [
      "no context takeover both ways",
      { serverNoContextTakeover: true, clientNoContextTakeover: true },
      {},
    ],
    [
      "client asks for everything",
      {},
      {
        serverNoContextTakeover: true,
        clientNoContextTakeover: true,
        serverMaxWindowBits: 9,
        clientMaxWindowBits: 10,
      },
    ],
    ["8-bit windows", { serverMaxWindowBits: 8, clientMaxWindowBits: 8 }, {}],
    ["15-bit windows", { serverMaxWindowBits: 15, clientMaxWindowBits: 15 }, {}],
    ["level 0 and 1", { level: 0 }, { level: 1, memLevel: 9 }],
  ];

  for (const [name, server, client] of paramSets) {
    it(`round-trips both ways, whole and fragmented: ${name}`, () => {
      const pair = negotiate({ thresholdBytes: 0, ...server }, { thresholdBytes: 0, ...client });
      for (const [from, to] of [
        [pair.server, pair.client],
        [pair.client, pair.server],
      ] as const) {
        for (let n = 0; n < 4; n++) {
          const message = text(3000 + n * 500, n);
          assert.deepEqual(transfer(from, to, [message]), Buffer.from(message));
          const pieces = [
            message.subarray(0, 100),
            message.subarray(100, 100),
            message.subarray(100),
          ];
          assert.deepEqual(transfer(from, to, pieces), Buffer.from(message));
          const noise = random(700, n);
          assert.deepEqual(transfer(from, to, [noise]), Buffer.from(noise));
        }
      }
    });
  }

  it("decodes however the compressed payload is split into frames", () => {
    const { server, client } = negotiate({ thresholdBytes: 0 });
    const message = text(600);
    for (let i = 0; i <= 40; i++) {
      const { payload } = server.encode(message, true, true);
      // Every position of a short prefix, then a coarser sweep is implicit in the rest.
      const cut = Math.min(i * Math.ceil(payload.length / 40), payload.length);
      const a = client.decode(payload.subarray(0, cut), RSV1, true, false, MiB);
      const b = client.decode(payload.subarray(cut), 0, false, true, MiB);
      assert.deepEqual(Buffer.concat([a, b]), Buffer.from(message));
    }
  });

  it("decodes a compressed payload split at every position (no context takeover)", () => {
    const { server, client } = negotiate({
      thresholdBytes: 0,
      serverNoContextTakeover: true,
    });
    const message = text(300);
    const { payload } = server.encode(message, true, true);
    for (let cut = 0; cut <= payload.length; cut++) {
      const a = client.decode(payload.subarray(0, cut), RSV1, true, false, MiB);
      const b = client.decode(payload.subarray(cut), 0, false, true, MiB);
      assert.deepEqual(Buffer.concat([a, b]), Buffer.from(message), `cut ${cut}`);
    }
  });

  it("encodes a message split at every position into frames the peer decodes", () => {
    const { server, client } = negotiate({ thresholdBytes: 0 });
    const message = text(200);
    for (let cut = 0; cut <= message.length; cut++) {
      const pieces = [message.subarray(0, cut), message.subarray(cut)];
      assert.deepEqual(transfer(server, client, pieces), Buffer.from(message), `cut ${cut}`);
    }
  });

  it("sends empty fragments correctly, with and without earlier output", () => {
    const { server, client } = negotiate({ thresholdBytes: 0 });
    const empty = new Uint8Array(0);
    transfer(server, client, [te.encode("warm up the window")]);
    // Nothing new since the last flush: the message still needs a block.
    assert.equal(transfer(server, client, [empty, empty, empty]).length, 0);
    assert.deepEqual(transfer(server, client, [te.encode("ab"), empty]), Buffer.from("ab"));
    assert.deepEqual(transfer(server, client, [empty, te.encode("cd")]), Buffer.from("cd"));
    assert.deepEqual(transfer(server, client, [te.encode("Hello")]), Buffer.from("Hello"));
  });

  it("leaves messages below the threshold uncompressed, RSV1 clear", () => {
    const { server, client } = negotiate();
    const small = te.encode("x".repeat(PERMESSAGE_DEFLATE_DEFAULTS.thresholdBytes - 1));
    const { payload, rsv } = server.encode(small, true, true);
    assert.equal(rsv, 0);
    assert.equal(payload, small);
    assert.equal(client.decode(payload, 0, true, true, MiB), payload);
    // A fragmented message is compressed whatever its first frame's size.
    assert.equal(server.encode(small, true, false).rsv, RSV1);
    assert.equal(server.encode(small, false, false).rsv, 0);
  });

  it("fails with 1002 on RSV1 in a continuation frame", () => {
    const { client } = negotiate();
    client.decode(bytes(0xf2, 0x48), RSV1, true, false, MiB);
    expectProtocolError(() => client.decode(bytes(0xcd), RSV1, false, true, MiB), 1002);
  });

  it("fails with 1007 on invalid DEFLATE data, and the shared codec recovers", () => {
    for (const server of [{}, { clientNoContextTakeover: true }]) {
      const pair = negotiate(server);
      expectProtocolError(() => pair.server.decode(bytes(0xff, 0xff), RSV1, true, true, MiB), 1007);
      const other = negotiate(server);
      const message = text(1000);
      assert.deepEqual(transfer(other.client, other.server, [message]), Buffer.from(message));
    }
  });

  it("fails with 1009 on an uncompressed message over the limit", () => {
    const { client } = negotiate();
    expectProtocolError(() => client.decode(new Uint8Array(11), 0, true, true, 10), 1009);
  });

  it("bounds a decompression bomb by its decompressed size (1009), stopping early", () => {
    const bomb = zlib.deflateRawSync(new Uint8Array(16 * MiB), {
      finishFlush: zlib.constants.Z_SYNC_FLUSH,
    });
    const payload = bomb.subarray(0, bomb.length - 4);
    assert.ok(payload.length < 100_000);
    // CPU time of this process, not wall clock: another process on the
    // machine does not make it grow, so the comparison holds under load. On
    // Bun it counts every thread (its collector's too) and a native inflate of
    // 16 MiB takes 2-3 ms, so each sample repeats the work until it is tens of
    // milliseconds and starts after a full collection where the runtime offers one.
    const collect = (globalThis as { Bun?: { gc(force: boolean): void } }).Bun?.gc;
    const cpuMs = (reps: number, run: (rep: number) => void): number => {
      let best = Infinity;
      for (let sample = 0; sample < 3; sample++) {
        collect?.(true);
        const before = process.cpuUsage();
        for (let rep = 0; rep < reps; rep++) run(sample * reps + rep);
        const used = process.cpuUsage(before);
        best = Math.min(best, (used.user + used.system) / 1000 / reps);
      }
      return best;
    };
    for (const codec of [zlibCodec, createZlibCodec({ oneShot: true }), fflateCodec]) {
      const inflateWhole = () => {
        const out = codec.createInflater(15).inflate(payload, true, 32 * MiB);
        assert.equal(out?.length, 16 * MiB);
      };
      // The work of inflating the whole bomb (16 MiB) with this codec, in
      // samples of at least about 30 ms.
      const once = cpuMs(1, inflateWhole);
      const reps = Math.min(16, Math.max(1, Math.ceil(30 / Math.max(once, 0.5))));
      const whole = reps === 1 ? once : cpuMs(reps, inflateWhole);
      for (const server of [{}, { clientNoContextTakeover: true }]) {
        // Negotiated before the clock starts: setting up a pair costs about
        // what inflating 16 MiB does with a fast zlib (Node 26's).
        const pairs = Array.from({ length: 3 * reps }, () =>
          negotiate({ ...server, codec }, { codec }),
        );
        const bounded = cpuMs(reps, (index) => {
          const pair = pairs[index]!;
          expectProtocolError(() => pair.server.decode(payload, RSV1, true, true, MiB), 1009);
        });
        // Stopping near 1 MiB is about a sixteenth of the whole; inflating it
        // all and checking the size after would cost the whole.
        assert.ok(
          bounded < whole / 2,
          `${codec.name} stops early: ${bounded.toFixed(1)} ms of CPU against ${whole.toFixed(1)} ms for the whole bomb`,
        );
        // Fragmented: the limit holds for the message (the native codecs stop in
        // the first frame, the one-shot fallback buffers until the last).
        const other = negotiate({ ...server, codec }, { codec });
        expectProtocolError(() => {
          other.server.decode(payload.subarray(0, 50_000), RSV1, true, false, MiB);
          other.server.decode(payload.subarray(50_000), 0, false, true, MiB);
        }, 1009);
        // The connection sharing the codec is unaffected.
        const message = text(5000);
        const third = negotiate({ ...server, codec }, { codec });
        assert.deepEqual(transfer(third.client, third.server, [message]), Buffer.from(message));
      }
    }
  });

  it("allows exactly maxBytes of output", () => {
    const { server, client } = negotiate({ thresholdBytes: 0 });
    const message = text(5000);
    const { payload, rsv } = server.encode(message, true, true);
    assert.equal(client.decode(payload, rsv, true, true, 5000).length, 5000);
    const again = server.encode(message, true, true);
    expectProtocolError(() => client.decode(again.payload, rsv, true, true, 4999), 1009);
  });

  it("compresses with an 8-bit window without referring further than 256 bytes", () => {
    // Message 2 repeats message 1 at distance 300: a large enough window refers back
    // to it, which an inflater with a 256-byte window (it keeps no more history) rejects.
    const message = random(300, 3);
    for (const [bits, valid] of [
      [8, true],
      [9, true],
      [10, false],
    ] as const) {
      const { server } = negotiate({ thresholdBytes: 0, serverMaxWindowBits: bits });
      const strict = zlibCodec.createInflater(8);
      assert.deepEqual(
        strict.inflate(server.encode(message, true, true).payload, true, MiB),
        message,
      );
      const second = () => strict.inflate(server.encode(message, true, true).payload, true, MiB);
      if (valid) assert.deepEqual(second(), message);
      else assert.throws(second, /invalid distance too far back/);
    }
  });

  it("shares one compressed payload between connections without context takeover", () => {
    const a = negotiate({ serverNoContextTakeover: true, thresholdBytes: 0 });
    const b = negotiate({ serverNoContextTakeover: true, thresholdBytes: 0 });
    const c = negotiate({ thresholdBytes: 0 });
    assert.ok(a.server.sharedKey !== null);
    assert.equal(a.server.sharedKey, b.server.sharedKey);
    assert.equal(c.server.sharedKey, null);
    const message = text(2000);
    const encoded = a.server.encode(message, true, true);
    assert.deepEqual(b.server.encode(message, true, true), encoded);
    assert.deepEqual(b.client.decode(encoded.payload, encoded.rsv, true, true, MiB), message);
  });

  it("compresses large messages and frames at largeMessageLevel, keeping the window", () => {
    // A zlib codec that records the level of each call.
    const levels: (number | undefined)[] = [];
    const recording: DeflateCodec = {
      ...zlibCodec,
      name: "recording",
      createDeflater(options) {
        const deflater = zlibCodec.createDeflater(options);
        return {
          deflate(input, level) {
            levels.push(level);
            return deflater.deflate(input, level);
          },
          reset: () => deflater.reset(),
          close: () => deflater.close(),
        };
      },
    };
    const small = text(1000, 3);
    const large = text(20_000, 3);
    const cases: [Options, number, number][] = [
      [{}, PERMESSAGE_DEFLATE_DEFAULTS.level, PERMESSAGE_DEFLATE_DEFAULTS.largeMessageLevel],
      [{ level: 2 }, 2, 2],
      [{ level: 9, largeMessageLevel: 1, largeMessageBytes: 1000 }, 9, 1],
      [{ serverNoContextTakeover: true }, 6, 4],
    ];
    for (const [options, smallLevel, largeLevel] of cases) {
      const { server, client } = negotiate(
        { codec: recording, thresholdBytes: 0, ...options },
        { codec: recording },
      );
      levels.length = 0;
      const threshold = options.largeMessageBytes ?? PERMESSAGE_DEFLATE_DEFAULTS.largeMessageBytes;
      const below = small.subarray(0, Math.min(small.length, threshold - 1));
      assert.deepEqual(transfer(server, client, [below]), Buffer.from(below));
      assert.deepEqual(transfer(server, client, [large]), Buffer.from(large));
      // Fragmented: each frame by its own size.
      assert.deepEqual(
        transfer(server, client, [large.subarray(0, 500), large.subarray(500)]),
        Buffer.from(large),
      );
      assert.deepEqual(levels, [smallLevel, largeLevel, smallLevel, largeLevel]);
    }
    // The level changes within the window: a repeated large message refers back.
    const { server, client } = negotiate({ thresholdBytes: 0, serverMaxWindowBits: 15 });
    const noise = random(20_000);
    const first = server.encode(noise, true, true);
    const again = server.encode(noise, true, true);
    assert.ok(again.payload.length < first.payload.length / 10);
    client.decode(first.payload, first.rsv, true, true, MiB);
    assert.deepEqual(client.decode(again.payload, again.rsv, true, true, MiB), noise);
  });

  it("gives connections with other large-message settings another shared key", () => {
    const key = (options: Options) =>
      negotiate({ serverNoContextTakeover: true, ...options }).server.sharedKey;
    assert.notEqual(key({}), key({ largeMessageLevel: 1 }));
    assert.notEqual(key({}), key({ largeMessageBytes: 1000 }));
    assert.equal(key({}), key({ largeMessageLevel: 4 }));
  });

  it("dispose closes the codecs, and a fresh message works after", () => {
    const { server, client } = negotiate({ thresholdBytes: 0 });
    transfer(server, client, [text(1000)]);
    transfer(client, server, [text(1000)]);
    server.dispose();
    server.dispose();
    assert.ok(server instanceof PerMessageDeflate);
  });

  it("refuses a codec whose output does not end with a sync flush", () => {
    const broken: DeflateCodec = {
      name: "broken",
      deflateWindowBits: [15],
      createDeflater: () => ({ deflate: () => bytes(1, 2, 3, 4, 5), reset() {}, close() {} }),
      createInflater: () => zlibCodec.createInflater(15),
    };
    for (const tail of [
      bytes(1, 2, 3, 4, 5),
      bytes(0),
      bytes(0, 0, 0xff, 0),
      bytes(0, 0, 0, 0xff),
      bytes(0, 1, 0xff, 0xff),
    ]) {
      const codec = {
        ...broken,
        createDeflater: () => ({ deflate: () => tail, reset() {}, close() {} }),
      };
      const { server } = negotiate({ codec, thresholdBytes: 0 }, { codec });
      assert.throws(() => server.encode(text(10), true, true), /does not end with a sync flush/);
    }
  });
});
