import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { HandshakeError } from "../../src/core/errors.js";
import {
  parseExtensionHeader,
  parseTokenList,
  parseUpgradeHeader,
  serializeExtensionHeader,
} from "../../src/core/extension-header.js";

function syntaxError(parse: () => unknown, pattern: RegExp): void {
  assert.throws(parse, (error: unknown) => {
    assert.ok(error instanceof HandshakeError);
    assert.equal(error.status, 400);
    assert.match(error.message, pattern);
    return true;
  });
}

describe("parseExtensionHeader", () => {
  it("RFC 6455 9.1: parses names, bare parameters and token values", () => {
    assert.deepEqual(
      parseExtensionHeader("permessage-deflate; client_max_window_bits; server_max_window_bits=10"),
      [
        {
          name: "permessage-deflate",
          params: [
            ["client_max_window_bits", null],
            ["server_max_window_bits", "10"],
          ],
        },
      ],
    );
  });

  it("RFC 6455 9.1: parses several extensions, in order, keeping repeated names and parameters", () => {
    assert.deepEqual(parseExtensionHeader("foo, bar; baz=2, foo; a; a=1"), [
      { name: "foo", params: [] },
      { name: "bar", params: [["baz", "2"]] },
      {
        name: "foo",
        params: [
          ["a", null],
          ["a", "1"],
        ],
      },
    ]);
  });

  it("RFC 6455 9.1: unescapes quoted-string values, which must be tokens", () => {
    assert.deepEqual(parseExtensionHeader('x; a="10"; b="a\\bc"; c="\\x"'), [
      {
        name: "x",
        params: [
          ["a", "10"],
          ["b", "abc"],
          ["c", "x"],
        ],
      },
    ]);
  });

  it("allows OWS around delimiters and skips empty list elements", () => {
    assert.deepEqual(parseExtensionHeader(' \t, a \t; \tb \t= \t1\t , ,c;d = "2" ,'), [
      { name: "a", params: [["b", "1"]] },
      { name: "c", params: [["d", "2"]] },
    ]);
  });

  const invalid: [string, string, RegExp][] = [
    ["an empty value", "", /no extension/],
    ["only commas and spaces", " , ,", /no extension/],
    ["a name that is not a token", "a b", /expected "," or ";" at position 2/],
    ["a separator as name", "(a)", /expected an extension token at position 0/],
    ["an empty parameter name", "a; =1", /expected a parameter name at position 3/],
    ["an empty parameter value", "a; b=", /expected a parameter value at position 5/],
    ["an empty parameter value before a comma", "a; b= , c", /expected a parameter value/],
    ["a missing name before parameters", "; b", /expected an extension token/],
    ["a parameter value that is not a token", "a; b=1/2", /expected "," or ";"/],
    ["a quoted value that is not a token", 'a; b="1 2"', /quoted value "1 2" is not a token/],
    ["an empty quoted value", 'a; b=""', /quoted value "" is not a token/],
    ["a quoted value with a separator", 'a; b="x,y"', /not a token/],
    ["an unterminated quoted string", 'a; b="12', /invalid quoted-string at position 8/],
    ["a backslash at the end", 'a; b="1\\', /invalid quoted-pair/],
    ["a control character in a quoted string", 'a; b="1\x01"', /invalid quoted-string/],
    ["an escaped control character", 'a; b="1\\\x00"', /invalid quoted-pair/],
    ["a non-latin1 character in a quoted string", 'a; b="\u20ac"', /invalid quoted-string/],
    ["a non-ASCII name", "caf\xe9", /expected "," or ";"/],
    ["a junk character after a parameter", "a; b=1 x", /expected "," or ";"/],
    ["a value after a quoted string", 'a; b="1"2', /expected "," or ";"/],
  ];
  for (const [what, value, pattern] of invalid) {
    it(`RFC 6455 9.1: rejects ${what} with 400`, () => {
      syntaxError(() => parseExtensionHeader(value), pattern);
    });
  }

  it("names the header and quotes the value in errors", () => {
    syntaxError(
      () => parseExtensionHeader("a b"),
      /^Cannot parse Sec-WebSocket-Extensions: .* in "a b"$/,
    );
  });
});

describe("serializeExtensionHeader", () => {
  it("writes elements joined by comma, parameters by semicolon", () => {
    assert.equal(
      serializeExtensionHeader([
        {
          name: "permessage-deflate",
          params: [
            ["client_max_window_bits", null],
            ["server_max_window_bits", "10"],
          ],
        },
        { name: "x", params: [] },
      ]),
      "permessage-deflate; client_max_window_bits; server_max_window_bits=10, x",
    );
    assert.equal(serializeExtensionHeader([]), "");
  });

  it("rejects names, parameter names and values that are not tokens", () => {
    assert.throws(
      () => serializeExtensionHeader([{ name: "a b", params: [] }]),
      /invalid extension name "a b"/,
    );
    assert.throws(
      () => serializeExtensionHeader([{ name: "a", params: [["b c", null]] }]),
      TypeError,
    );
    assert.throws(
      () => serializeExtensionHeader([{ name: "a", params: [["b", "1 2"]] }]),
      /invalid parameter "b=1 2" of "a"/,
    );
    assert.throws(() => serializeExtensionHeader([{ name: "a", params: [["b", ""]] }]), TypeError);
  });

  it("round-trips through parseExtensionHeader (property)", () => {
    const token = fc.stringMatching(/^[!#$%&'*+\-.^_`|~0-9A-Za-z]{1,8}$/);
    const item = fc.record({
      name: token,
      params: fc.array(fc.tuple(token, fc.option(token, { nil: null })), { maxLength: 4 }),
    });
    fc.assert(
      fc.property(fc.array(item, { minLength: 1, maxLength: 4 }), (list) => {
        const plain = list.map(({ name, params }) => ({
          name,
          params: params.map(([k, v]) => [k, v]),
        }));
        assert.deepEqual(parseExtensionHeader(serializeExtensionHeader(list)), plain);
      }),
    );
  });
});

describe("parseTokenList", () => {
  it("splits on commas, trims OWS and skips empty elements", () => {
    assert.deepEqual(parseTokenList(" keep-alive ,\tUpgrade,, "), ["keep-alive", "Upgrade"]);
    assert.deepEqual(parseTokenList(""), []);
    assert.deepEqual(parseTokenList(" , "), []);
  });

  it("rejects elements that are not tokens with 400, naming the header", () => {
    syntaxError(
      () => parseTokenList("chat, super chat", "Sec-WebSocket-Protocol"),
      /^Cannot parse Sec-WebSocket-Protocol: invalid token "super chat"/,
    );
    syntaxError(() => parseTokenList("a/b"), /^Cannot parse header: invalid token "a\/b"/);
  });
});

describe("parseUpgradeHeader", () => {
  it("RFC 9110 7.8: accepts protocol names with an optional /version", () => {
    assert.deepEqual(parseUpgradeHeader("websocket, h2c/2 , HTTP/2.0"), [
      "websocket",
      "h2c/2",
      "HTTP/2.0",
    ]);
  });

  it("rejects malformed protocols with 400", () => {
    for (const value of ["web socket", "a/", "/1", "a/b/c", "a/b c"]) {
      syntaxError(() => parseUpgradeHeader(value), /^Cannot parse Upgrade: invalid token/);
    }
  });
});
