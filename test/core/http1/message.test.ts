import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { DEFAULT_HTTP_LIMITS, REASONS, resolveLimits } from "../../../src/core/http1/message.js";
import { RequestParser } from "../../../src/core/http1/request-parser.js";
import { ResponseParser } from "../../../src/core/http1/response-parser.js";

describe("HTTP limits", () => {
  it("defaults to 8 KiB lines, 128 fields, 32 KiB heads and 64 KiB bodies", () => {
    assert.deepEqual(DEFAULT_HTTP_LIMITS, {
      maxLineBytes: 8192,
      maxHeaders: 128,
      maxHeadBytes: 32768,
      maxBodyBytes: 65536,
    });
    assert.ok(Object.isFrozen(DEFAULT_HTTP_LIMITS));
  });

  it("rejects limits that are not non-negative integers", () => {
    assert.throws(() => new RequestParser({ maxLineBytes: -1 }), RangeError);
    assert.throws(() => new RequestParser({ maxHeaders: 1.5 }), RangeError);
    assert.throws(() => new ResponseParser({ maxBodyBytes: Number.NaN }), /maxBodyBytes/);
    assert.throws(() => new RequestParser({ maxHeadBytes: -5 }), /maxHeadBytes/);
  });
});

describe("resolveLimits", () => {
  it("returns the shared defaults when nothing is overridden", () => {
    assert.equal(resolveLimits(undefined), DEFAULT_HTTP_LIMITS);
  });

  it("overrides some limits, keeps the others, and accepts 0", () => {
    assert.deepEqual(resolveLimits({ maxHeaders: 4, maxBodyBytes: 0 }), {
      ...DEFAULT_HTTP_LIMITS,
      maxHeaders: 4,
      maxBodyBytes: 0,
    });
  });

  it("names the limit and the value it refuses", () => {
    assert.throws(() => resolveLimits({ maxLineBytes: 2 ** 53 }), {
      name: "RangeError",
      message: `Cannot create HTTP parser: maxLineBytes must be a non-negative integer, got ${2 ** 53}`,
    });
    assert.throws(() => resolveLimits({ maxHeadBytes: Number.POSITIVE_INFINITY }), /maxHeadBytes/);
  });
});

describe("REASONS", () => {
  it("RFC 9110 15: gives the registered reason phrase of the statuses a handshake uses", () => {
    assert.equal(REASONS[101], "Switching Protocols");
    assert.equal(REASONS[400], "Bad Request");
    assert.equal(REASONS[426], "Upgrade Required");
    assert.equal(REASONS[431], "Request Header Fields Too Large");
    assert.equal(REASONS[599], undefined);
  });
});
