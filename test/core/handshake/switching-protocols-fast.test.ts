import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { switchingProtocols } from "../../../src/core/handshake/switching-protocols.js";
import { writeSwitchingProtocols } from "../../../src/core/handshake/switching-protocols-fast.js";
import type { Request } from "../../../src/core/http1/message.js";
import { serializeResponse } from "../../../src/core/http1/serialize.js";
import { handshakeRequest } from "../../helpers/handshake.js";

/** What writeSwitchingProtocols writes, at `offset` in a reservation of exactly its size. */
function written(
  request: Request,
  subprotocol: string | null,
  options: { serverHeader?: string | null },
  offset: number,
): { bytes: Uint8Array; reserved: number[] } {
  const reserved: number[] = [];
  let buffer = new Uint8Array(0);
  writeSwitchingProtocols(request, subprotocol, options, (size) => {
    reserved.push(size);
    buffer = new Uint8Array(offset + size).fill(0xee);
    return { buffer, offset };
  });
  assert.ok(
    buffer.subarray(0, offset).every((b) => b === 0xee),
    "wrote before its offset",
  );
  return { bytes: buffer.subarray(offset), reserved };
}

describe("writeSwitchingProtocols, against switchingProtocols serialized", () => {
  const keys = [
    "dGhlIHNhbXBsZSBub25jZQ==", // the usual 24 characters
    "  dGhlIHNhbXBsZSBub25jZQ==\t", // OWS around it, trimmed
    "AAAAAAAAAAAAAAAAAAAAAA==",
    "short", // other lengths are hashed the slow way
    "dGhlIHNhbXBsZSBub25jZé==", // 24 characters, not all ASCII
  ];
  const subprotocols = [null, "chat", "a.very-long~subprotocol!token"];
  const serverHeaders = [{}, { serverHeader: null }, { serverHeader: "demo/1.0 (test) caf\xe9" }];

  it("writes the very same bytes for every key, subprotocol and Server header", () => {
    for (const key of keys) {
      const request = handshakeRequest([["Sec-WebSocket-Key", key]], ["Sec-WebSocket-Key"]);
      for (const subprotocol of subprotocols) {
        for (const options of serverHeaders) {
          const what = JSON.stringify({ key, subprotocol, options });
          const expected = serializeResponse(switchingProtocols(request, subprotocol, "", options));
          for (const offset of [0, 7]) {
            const { bytes, reserved } = written(request, subprotocol, options, offset);
            assert.deepEqual(reserved, [expected.length], what);
            assert.deepEqual(bytes, expected, what);
          }
        }
      }
    }
  });

  it("refuses a Server header that would inject fields, as the serializer does, reserving nothing", () => {
    const request = handshakeRequest();
    const options = { serverHeader: "bad\r\nX-Injected: 1" };
    assert.throws(() => serializeResponse(switchingProtocols(request, null, "", options)), {
      name: "TypeError",
      message: 'Cannot serialize HTTP response: invalid character in header "Server"',
    });
    assert.throws(
      () =>
        writeSwitchingProtocols(request, null, options, () => {
          throw new Error("reserved");
        }),
      {
        name: "TypeError",
        message: 'Cannot serialize HTTP response: invalid character in header "Server"',
      },
    );
  });
});
