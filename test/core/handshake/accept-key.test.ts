import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { describe, it } from "node:test";
import fc from "fast-check";
import { decodeBase64 } from "../../../src/core/base64.js";
import { acceptKey, generateKey, WEBSOCKET_GUID } from "../../../src/core/handshake/accept-key.js";
import { ACCEPT, KEY } from "../../helpers/handshake.js";

describe("acceptKey and generateKey", () => {
  it("RFC 6455 1.3/4.2.2: the example key gives the example accept value", () => {
    assert.equal(WEBSOCKET_GUID, "258EAFA5-E914-47DA-95CA-C5AB0DC85B11");
    assert.equal(acceptKey(KEY), ACCEPT);
  });

  it("RFC 6455 4.2.2: accept = base64(SHA-1(key + GUID)), checked against node:crypto", () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 16, maxLength: 16 }), (bytes) => {
        const key = Buffer.from(bytes).toString("base64");
        const expected = createHash("sha1")
          .update(key + WEBSOCKET_GUID)
          .digest("base64");
        assert.equal(acceptKey(key), expected);
      }),
    );
  });

  it("hashes keys of any length and any characters as UTF-8, like node:crypto", () => {
    // The server only accepts 24-character base64 keys, but acceptKey is
    // public: other keys take the general path, and results do not leak
    // between calls that share the scratch buffers.
    for (const key of [
      "",
      "short",
      "x".repeat(100),
      `${"é".repeat(23)}=`,
      `${"A".repeat(23)}\u20ac`,
    ]) {
      const expected = createHash("sha1")
        .update(key + WEBSOCKET_GUID)
        .digest("base64");
      assert.equal(acceptKey(key), expected, key);
      assert.equal(acceptKey(KEY), ACCEPT);
    }
  });

  it("RFC 6455 4.1: the key is base64 of 16 bytes from the injected random source", () => {
    const key = generateKey((bytes) => {
      for (let i = 0; i < bytes.length; i++) bytes[i] = i;
    });
    assert.deepEqual(
      decodeBase64(key),
      Uint8Array.from({ length: 16 }, (_, i) => i),
    );
  });

  it("RFC 6455 4.1: keys from the default source are fresh for each connection", () => {
    // 600 keys: across two refills of the pool they are drawn from (256 each).
    const keys = new Set(Array.from({ length: 600 }, () => generateKey()));
    assert.equal(keys.size, 600);
    for (const key of keys) assert.equal(decodeBase64(key)?.length, 16);
  });
});
