import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { DEFAULT_HTTP_LIMITS } from "../../../src/core/http1/message.js";
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
