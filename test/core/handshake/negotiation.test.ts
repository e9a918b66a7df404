import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { HandshakeError } from "../../../src/core/errors.js";
import type { Extension, ServerExtensionFactory } from "../../../src/core/extension.js";
import { checkResponse } from "../../../src/core/handshake/http1-client.js";
import { acceptRequest } from "../../../src/core/handshake/http1-server.js";
import {
  acceptAnswers,
  checkOrigin,
  disposeAll,
  negotiateOffers,
} from "../../../src/core/handshake/negotiation.js";
import type { ClientHandshakeOptions } from "../../../src/core/handshake/options.js";
import { Headers } from "../../../src/core/headers.js";
import {
  checkFails,
  clientFactory,
  FakeExtension,
  handshakeRequest,
  KEY,
  rejected,
  serverFactory,
  switching,
} from "../../helpers/handshake.js";

describe("client: the answers checkResponse accepts (acceptAnswers)", () => {
  describe("subprotocols", () => {
    const options = { subprotocols: ["chat", "superchat"] };
    it("RFC 6455 4.1: returns the offered subprotocol the server selected", () => {
      assert.equal(
        checkResponse(switching([["Sec-WebSocket-Protocol", " superchat "]]), KEY, options)
          .subprotocol,
        "superchat",
      );
      assert.equal(checkResponse(switching(), KEY, options).subprotocol, null);
    });
    it("RFC 6455 4.1: a subprotocol that was not offered fails", () => {
      checkFails(
        switching([["Sec-WebSocket-Protocol", "other"]]),
        options,
        /subprotocol "other" was not offered/,
      );
      checkFails(switching([["Sec-WebSocket-Protocol", "chat"]]), {}, /was not offered/);
      checkFails(switching([["Sec-WebSocket-Protocol", "Chat"]]), options, /was not offered/);
    });
    it("RFC 6455 4.1: several subprotocols, or an empty value, fail", () => {
      checkFails(
        switching([["Sec-WebSocket-Protocol", "chat, superchat"]]),
        options,
        /expected one subprotocol/,
      );
      checkFails(switching([["Sec-WebSocket-Protocol", ""]]), options, /expected one subprotocol/);
      checkFails(
        switching([["Sec-WebSocket-Protocol", "c h"]]),
        options,
        /Cannot parse Sec-WebSocket-Protocol/,
      );
    });
    it("RFC 6455 11.3.4: a repeated Sec-WebSocket-Protocol fails", () => {
      checkFails(
        switching([
          ["Sec-WebSocket-Protocol", "chat"],
          ["Sec-WebSocket-Protocol", "chat"],
        ]),
        options,
        /repeated Sec-WebSocket-Protocol/,
      );
    });
  });

  describe("extensions", () => {
    it("RFC 6455 9.1: hands each response element to the matching factory, in the server's order", () => {
      const a = clientFactory("a");
      const b = clientFactory("b");
      const result = checkResponse(switching([["Sec-WebSocket-Extensions", "b; x=1, a"]]), KEY, {
        extensions: [a.factory, b.factory],
      });
      assert.deepEqual(result.extensions, [b.created[0], a.created[0]]);
      assert.deepEqual(b.calls, [{ params: [["x", "1"]], accepted: [] }]);
      assert.deepEqual(a.calls, [{ params: [], accepted: [b.created[0]] }]);
    });

    it("RFC 6455 4.1: an extension that was not offered fails", () => {
      const offers: [string, ClientHandshakeOptions][] = [
        ["b", { extensions: [clientFactory("a").factory] }],
        ["a", {}],
      ];
      for (const [answer, options] of offers) {
        const response = switching([["Sec-WebSocket-Extensions", answer]]);
        checkFails(response, options, new RegExp(`extension "${answer}" was not offered`));
      }
    });

    it("RFC 6455 9.1: each offer is accepted at most once; earlier extensions are disposed on failure", () => {
      const a = clientFactory("a");
      checkFails(
        switching([["Sec-WebSocket-Extensions", "a, a"]]),
        { extensions: [a.factory] },
        /extension "a" was not offered/,
      );
      assert.equal(a.created.length, 1);
      assert.equal(a.created[0]!.disposed, true);
    });

    it("tries the next offer of the same name when a factory refuses", () => {
      const first = clientFactory("a", [], new Error("wrong params"));
      const second = clientFactory("a");
      const result = checkResponse(switching([["Sec-WebSocket-Extensions", "a; p"]]), KEY, {
        extensions: [first.factory, second.factory],
      });
      assert.deepEqual(result.extensions, second.created);
      assert.equal(first.calls.length, 1);
    });

    it("RFC 7692 7: a factory's refusal fails the handshake with its error as cause", () => {
      const refusal = new Error("unknown parameter");
      const first = clientFactory("a", [], refusal);
      const second = clientFactory("a", [], new Error("second"));
      const error = checkFails(
        switching([["Sec-WebSocket-Extensions", "a; bogus"]]),
        { extensions: [first.factory, second.factory] },
        /extension "a" refused: unknown parameter/,
      );
      assert.equal(error.cause, refusal);
      const odd = clientFactory("a", [], "a string");
      assert.equal(
        checkFails(
          switching([["Sec-WebSocket-Extensions", "a"]]),
          { extensions: [odd.factory] },
          /refused: a string/,
        ).cause,
        "a string",
      );
    });

    it("RFC 6455 4.1: a malformed Sec-WebSocket-Extensions fails", () => {
      const a = clientFactory("a");
      const error = checkFails(
        switching([["Sec-WebSocket-Extensions", 'a; b="x y"']]),
        { extensions: [a.factory] },
        /Cannot parse Sec-WebSocket-Extensions/,
      );
      assert.ok(error.cause instanceof HandshakeError);
      checkFails(
        switching([["Sec-WebSocket-Extensions", ""]]),
        { extensions: [a.factory] },
        /no extension/,
      );
    });

    it("RFC 6455 11.3.2: a repeated Sec-WebSocket-Extensions fails", () => {
      const a = clientFactory("a");
      const b = clientFactory("b");
      checkFails(
        switching([
          ["Sec-WebSocket-Extensions", "a"],
          ["Sec-WebSocket-Extensions", "b"],
        ]),
        { extensions: [a.factory, b.factory] },
        /repeated Sec-WebSocket-Extensions/,
      );
    });
  });
});

describe("server: the offers acceptRequest negotiates (checkOrigin, negotiateOffers)", () => {
  describe("origins", () => {
    const options = { origins: ["https://example.com", null] };
    it("RFC 6455 4.2.2/10.2: an origin in the list is accepted; null allows requests without Origin", () => {
      assert.ok(acceptRequest(handshakeRequest([["Origin", "https://example.com"]]), options).ok);
      assert.ok(acceptRequest(handshakeRequest(), options).ok);
      assert.ok(
        acceptRequest(handshakeRequest([["Origin", "https://evil.example"]])).ok,
        "no list: any origin",
      );
    });
    it("RFC 6455 4.2.2/10.2: another origin, a missing one not allowed, or several get 403", () => {
      rejected(
        handshakeRequest([["Origin", "https://evil.example"]]),
        options,
        403,
        /origin "https:\/\/evil.example" is not allowed/,
      );
      rejected(
        handshakeRequest(),
        { origins: ["https://example.com"] },
        403,
        /origin "" is not allowed/,
      );
      rejected(
        handshakeRequest([
          ["Origin", "https://example.com"],
          ["Origin", "https://example.com"],
        ]),
        options,
        403,
        /not allowed/,
      );
    });
  });

  describe("subprotocols", () => {
    it("RFC 6455 4.2.2: selects the first of the server's subprotocols that the client offered", () => {
      const request = handshakeRequest([
        ["Sec-WebSocket-Protocol", "chat, superchat"],
        ["Sec-WebSocket-Protocol", "v2"],
      ]);
      const result = acceptRequest(request, { subprotocols: ["v2", "superchat", "chat"] });
      assert.ok(result.ok);
      assert.equal(result.subprotocol, "v2");
      assert.equal(result.response.headers.get("sec-websocket-protocol"), "v2");
    });
    it("RFC 6455 4.2.2: sends no header (never an empty one) when nothing matches", () => {
      const result = acceptRequest(handshakeRequest([["Sec-WebSocket-Protocol", "chat"]]), {
        subprotocols: ["other"],
      });
      assert.ok(result.ok);
      assert.equal(result.subprotocol, null);
      assert.equal(result.response.headers.has("sec-websocket-protocol"), false);
      assert.equal(
        acceptRequest(handshakeRequest([["Sec-WebSocket-Protocol", "chat"]])).response.headers.has(
          "sec-websocket-protocol",
        ),
        false,
      );
    });
    it("selectSubprotocol wins over subprotocols and sees the offers and the request", () => {
      const request = handshakeRequest([["Sec-WebSocket-Protocol", "a, b"]]);
      const seen: unknown[] = [];
      const result = acceptRequest(request, {
        subprotocols: ["a"],
        selectSubprotocol: (offered, r) => {
          seen.push(offered, r);
          return "b";
        },
      });
      assert.ok(result.ok);
      assert.equal(result.subprotocol, "b");
      assert.deepEqual(seen, [["a", "b"], request]);
      const none = acceptRequest(request, { selectSubprotocol: () => null });
      assert.ok(none.ok);
      assert.equal(none.response.headers.has("sec-websocket-protocol"), false);
    });
    it("selectSubprotocol sees an empty list when the client offers none", () => {
      const seen: unknown[] = [];
      const result = acceptRequest(handshakeRequest(), {
        selectSubprotocol: (offered) => {
          seen.push(offered);
          return null;
        },
      });
      assert.ok(result.ok);
      assert.deepEqual(seen, [[]]);
    });
    it("answers 500 when selectSubprotocol throws or picks something not offered", () => {
      const request = handshakeRequest([["Sec-WebSocket-Protocol", "a"]]);
      const failure = new Error("boom");
      const thrown = rejected(
        request,
        {
          selectSubprotocol: () => {
            throw failure;
          },
        },
        500,
        /selectSubprotocol failed: boom/,
      );
      assert.equal(thrown.error.cause, failure);
      rejected(
        request,
        { selectSubprotocol: () => "z" },
        500,
        /returned "z", which the client did not offer/,
      );
    });
    it("RFC 6455 4.2.1: a malformed Sec-WebSocket-Protocol gets 400", () => {
      rejected(
        handshakeRequest([["Sec-WebSocket-Protocol", "a b"]]),
        { subprotocols: ["a"] },
        400,
        /Cannot parse Sec-WebSocket-Protocol/,
      );
    });
  });

  describe("extensions", () => {
    it("RFC 6455 9.1: answers each accepted offer with the factory's parameters", () => {
      const a = serverFactory("a", () => [["x", "1"]]);
      const b = serverFactory("b");
      const result = acceptRequest(
        handshakeRequest([["Sec-WebSocket-Extensions", "b; y, c, a; z=2"]]),
        {
          extensions: [a.factory, b.factory],
        },
      );
      assert.ok(result.ok);
      assert.deepEqual(result.extensions, [b.created[0], a.created[0]]);
      assert.equal(result.response.headers.get("sec-websocket-extensions"), "b; y, a; x=1");
      assert.deepEqual(b.calls, [{ params: [["y", null]], accepted: [] }]);
      assert.deepEqual(a.calls, [{ params: [["z", "2"]], accepted: [b.created[0]] }]);
    });

    it("RFC 7692 5: tries offers in order, takes the first accepted and skips later offers of that name", () => {
      const deflate = serverFactory("d", (params) => (params.length === 0 ? [] : null));
      const result = acceptRequest(
        handshakeRequest([
          ["Sec-WebSocket-Extensions", "d; p=1"],
          ["Sec-WebSocket-Extensions", "d, d; q"],
        ]),
        { extensions: [deflate.factory] },
      );
      assert.ok(result.ok);
      assert.equal(deflate.calls.length, 2);
      assert.equal(result.extensions.length, 1);
      assert.equal(result.response.headers.get("sec-websocket-extensions"), "d");
    });

    it("asks the next factory of the same name when one declines; none answers when all decline", () => {
      const declines = serverFactory("d", () => null);
      const accepts = serverFactory("d");
      const result = acceptRequest(handshakeRequest([["Sec-WebSocket-Extensions", "d"]]), {
        extensions: [declines.factory, accepts.factory],
      });
      assert.deepEqual(result.ok && result.extensions, accepts.created);
      const none = acceptRequest(handshakeRequest([["Sec-WebSocket-Extensions", "d, unknown"]]), {
        extensions: [declines.factory],
      });
      assert.ok(none.ok);
      assert.equal(none.response.headers.has("sec-websocket-extensions"), false);
      const unsupported = acceptRequest(handshakeRequest([["Sec-WebSocket-Extensions", "d"]]));
      assert.ok(unsupported.ok);
      assert.equal(unsupported.response.headers.has("sec-websocket-extensions"), false);
    });

    it("RFC 6455 4.2.1/9.1: a malformed Sec-WebSocket-Extensions gets 400", () => {
      const result = rejected(
        handshakeRequest([["Sec-WebSocket-Extensions", "a;;"]]),
        {},
        400,
        /Cannot parse Sec-WebSocket-Extensions/,
      );
      assert.ok(result.error.cause instanceof HandshakeError);
    });

    it("answers 500, disposing what was negotiated, when a factory throws or answers bad parameters", () => {
      const ok = serverFactory("a");
      const failure = new Error("broken");
      const throwing: ServerExtensionFactory = {
        name: "b",
        negotiate: () => {
          throw failure;
        },
      };
      const result = rejected(
        handshakeRequest([["Sec-WebSocket-Extensions", "a, b"]]),
        { extensions: [ok.factory, throwing] },
        500,
        /extension "b" failed: broken/,
      );
      assert.equal(result.error.cause, failure);
      assert.equal(ok.created[0]!.disposed, true);
      const bad = serverFactory("c", () => [["p", "not a token"]]);
      rejected(
        handshakeRequest([["Sec-WebSocket-Extensions", "c"]]),
        { extensions: [bad.factory] },
        500,
        /invalid parameter/,
      );
      assert.equal(bad.created[0]!.disposed, true);
      const noDispose: ServerExtensionFactory = {
        name: "e",
        negotiate: () => ({
          params: [["p", "x y"]],
          extension: { ...new FakeExtension("e", []), dispose: undefined } as unknown as Extension,
        }),
      };
      rejected(
        handshakeRequest([["Sec-WebSocket-Extensions", "e"]]),
        { extensions: [noDispose] },
        500,
        /invalid parameter/,
      );
    });
  });
});

describe("negotiation reads no HTTP/1.1 field (shared with RFC 8441 extended CONNECT)", () => {
  // An HTTP/2 request as RFC 8441 5 maps it: no Upgrade, Connection or key.
  const connectRequest = () => ({
    method: "CONNECT",
    target: "/chat",
    headers: new Headers([
      ["Sec-WebSocket-Version", "13"],
      ["Sec-WebSocket-Protocol", "chat, superchat"],
      ["Sec-WebSocket-Extensions", "x-one; a=1, x-two"],
      ["Origin", "https://example.com"],
    ]),
  });

  it("negotiateOffers chooses the subprotocol and extensions from those fields alone", () => {
    const one = serverFactory("x-one");
    const result = negotiateOffers(connectRequest(), {
      subprotocols: ["superchat"],
      extensions: [one.factory],
    });
    assert.ok(result.ok);
    assert.equal(result.subprotocol, "superchat");
    assert.equal(result.extensionAnswer, "x-one; a=1");
    assert.deepEqual(result.extensions, one.created);
  });

  it("negotiateOffers answers no offers with nothing, and malformed offers with 400", () => {
    const bare = { method: "CONNECT", target: "/", headers: new Headers() };
    assert.deepEqual(negotiateOffers(bare, { subprotocols: ["chat"] }), {
      ok: true,
      subprotocol: null,
      extensions: [],
      extensionAnswer: "",
    });
    const bad = connectRequest();
    bad.headers.set("Sec-WebSocket-Protocol", "a b");
    const refused = negotiateOffers(bad, { serverHeader: null });
    assert.ok(!refused.ok);
    assert.equal(refused.response.status, 400);
    assert.equal(refused.response.headers.has("server"), false);
  });

  it("checkOrigin allows anything without origins, and refuses a repeated Origin with 403", () => {
    const request = connectRequest();
    assert.equal(checkOrigin(request.headers, {}), undefined);
    assert.equal(checkOrigin(request.headers, { origins: ["https://example.com"] }), undefined);
    request.headers.append("Origin", "https://example.com");
    const refused = checkOrigin(request.headers, { origins: ["https://example.com"] });
    assert.equal(refused?.response.status, 403);
    assert.match(refused?.error.message ?? "", /^Cannot accept WebSocket: origin /);
  });

  it("acceptAnswers reads the answers of any response (such as HTTP/2's 200), failing through fail", () => {
    const one = clientFactory("x-one");
    const headers = new Headers([
      ["Sec-WebSocket-Protocol", "chat"],
      ["Sec-WebSocket-Extensions", "x-one"],
    ]);
    const fail = (message: string, cause?: unknown): never => {
      throw new Error(message, { cause });
    };
    const result = acceptAnswers(
      headers,
      { subprotocols: ["chat"], extensions: [one.factory] },
      fail,
    );
    assert.equal(result.subprotocol, "chat");
    assert.deepEqual(result.extensions, one.created);
    assert.deepEqual(acceptAnswers(new Headers(), {}, fail), { subprotocol: null, extensions: [] });
    assert.throws(
      () => acceptAnswers(headers, {}, fail),
      /^Error: subprotocol "chat" was not offered$/,
    );
    const malformed = new Headers([["Sec-WebSocket-Extensions", "x-one;;"]]);
    assert.throws(
      () => acceptAnswers(malformed, { extensions: [one.factory] }, fail),
      (error: Error) => error.cause instanceof Error && error.message === error.cause.message,
    );
  });

  it("disposeAll disposes every extension that can be disposed", () => {
    const a = new FakeExtension("a", []);
    const b = new FakeExtension("b", []);
    const plain: Extension = {
      name: "c",
      rsvBits: 0,
      encode: (p) => ({ payload: p, rsv: 0 }),
      decode: (p) => p,
    };
    disposeAll([a, plain, b]);
    assert.equal(a.disposed, true);
    assert.equal(b.disposed, true);
  });
});
