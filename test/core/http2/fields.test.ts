import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  BAD_CONTENT_LENGTH,
  checkRequestFields,
  checkResponseFields,
  checkTrailerFields,
  contentLength,
  methodOf,
  NO_CONTENT_LENGTH,
} from "../../../src/core/http2/fields.js";
import type { HeaderField } from "../../../src/core/http2/index.js";
import { CONNECT_WS, GET } from "./wire.js";

describe("fields: requests (RFC 9113 8.3.1, RFC 8441 4)", () => {
  it("accepts a GET, an extended CONNECT (when enabled) and a plain CONNECT", () => {
    assert.equal(checkRequestFields(GET, false), undefined);
    assert.equal(checkRequestFields(CONNECT_WS, true), undefined);
    assert.equal(
      checkRequestFields(
        [
          [":method", "CONNECT"],
          [":authority", "a:443"],
        ],
        false,
      ),
      undefined,
    );
  });

  const bad: [string, HeaderField[], RegExp][] = [
    ["no :method", GET.slice(1), /:method is missing/],
    ["no :path", GET.slice(0, 3), /:scheme or :path is missing/],
    ["upper case", [...GET, ["Host", "x"]], /has upper case/],
    ["colon in a name", [...GET, ["a:b", "x"]], /not allowed/],
    ["DEL in a name", [...GET, ["a\x7f", "x"]], /not allowed/],
    ["non-ASCII in a name", [...GET, ["\xe9", "x"]], /not allowed/],
    ["NUL in a value", [...GET, ["a", "x\0y"]], /NUL, CR or LF/],
    ["trailing tab", [...GET, ["a", "x\t"]], /whitespace/],
    [
      "CR LF in a pseudo-header's value",
      [GET[0]!, GET[1]!, GET[2]!, [":path", "/a\r\nb"]],
      /NUL, CR or LF/,
    ],
    ["pseudo after regular", [["a", "1"], ...GET], /comes after a regular field/],
    ["twice :method", [GET[0]!, ...GET], /appears twice/],
    [":status in a request", [...GET, [":status", "200"]], /not one of a request/],
    [":protocol disabled", CONNECT_WS, /not enabled/],
    ["te: gzip", [...GET, ["te", "gzip"]], /is not "trailers"/],
    ["connection", [...GET, ["connection", "keep-alive"]], /connection-specific field connection/],
    ["CONNECT without :authority", [[":method", "CONNECT"]], /lacks :authority/],
    [
      "CONNECT with :scheme",
      [
        [":method", "CONNECT"],
        [":scheme", "https"],
        [":authority", "a"],
      ],
      /has :scheme or :path/,
    ],
  ];
  for (const [what, fields, reason] of bad)
    it(`rejects ${what}`, () => {
      assert.match(checkRequestFields(fields, false) ?? "", reason);
    });

  it("rejects :protocol on a method other than CONNECT", () => {
    assert.match(
      checkRequestFields(
        [
          [":method", "GET"],
          [":protocol", "websocket"],
          [":scheme", "https"],
          [":path", "/"],
          [":authority", "a"],
        ],
        true,
      ) ?? "",
      /comes with method GET/,
    );
  });
});

describe("fields: responses and trailers (RFC 9113 8.3.2, 8.1)", () => {
  it("returns the status", () => {
    assert.equal(checkResponseFields([[":status", "200"]]), 200);
    assert.equal(
      checkResponseFields([
        [":status", "103"],
        ["link", "</a>"],
      ]),
      103,
    );
  });

  for (const [what, fields, reason] of [
    ["no :status", [["a", "1"]], /missing/],
    ["101", [[":status", "101"]], /101 is not allowed/],
    ["a 4-digit status", [[":status", "2000"]], /not a 3-digit code/],
    ["a status under 100", [[":status", "099"]], /not a 3-digit code/],
    ["a status with a letter", [[":status", "2x0"]], /not a 3-digit code/],
    [
      "an upper-case field name",
      [
        [":status", "200"],
        ["Server", "x"],
      ],
      /Server/,
    ],
    [
      ":status after a regular field",
      [
        ["server", "x"],
        [":status", "200"],
      ],
      /comes after a regular field/,
    ],
    [
      "a request pseudo-header",
      [
        [":status", "200"],
        [":method", "GET"],
      ],
      /not one of a response/,
    ],
    [
      "twice :status",
      [
        [":status", "200"],
        [":status", "204"],
      ],
      /appears twice/,
    ],
  ] as [string, HeaderField[], RegExp][])
    it(`rejects ${what}`, () => {
      const r = checkResponseFields(fields);
      assert.equal(typeof r, "string");
      assert.match(r as string, reason);
    });

  it("trailers: regular fields only", () => {
    assert.equal(checkTrailerFields([["grpc-status", "0"]]), undefined);
    assert.match(
      checkTrailerFields([[":status", "200"]]) ?? "",
      /pseudo-header :status in trailers/,
    );
    // The same rules as a head's regular fields (RFC 9113 8.2.1: lower-case names).
    assert.equal(typeof checkTrailerFields([["Grpc-Status", "0"]]), "string");
  });
});

describe("fields: content-length and method", () => {
  it("reads a content-length", () => {
    assert.equal(contentLength(GET), NO_CONTENT_LENGTH);
    assert.equal(contentLength([...GET, ["content-length", "0"]]), 0);
    assert.equal(
      contentLength([
        ["content-length", "12"],
        ["content-length", "12"],
      ]),
      12,
    );
    for (const bad of ["", "-1", "1.0", " 1", "1234567890123456", "0x10"])
      assert.equal(contentLength([["content-length", bad]]), BAD_CONTENT_LENGTH, bad);
    assert.equal(
      contentLength([
        ["content-length", "1"],
        ["content-length", "2"],
      ]),
      BAD_CONTENT_LENGTH,
    );
  });

  it("finds the method", () => {
    assert.equal(methodOf(GET), "GET");
    assert.equal(methodOf([]), "");
  });
});
