import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { DEFAULT_USER_AGENT } from "../../../src/core/handshake/options.js";
import { requestKey, switchingProtocols } from "../../../src/core/handshake/switching-protocols.js";
import { ACCEPT, handshakeRequest, KEY } from "../../helpers/handshake.js";

describe("switchingProtocols", () => {
  it("RFC 6455 4.2.2: 101 with Upgrade, Connection, the accept value, then Server", () => {
    const response = switchingProtocols(handshakeRequest(), null, "", {});
    assert.equal(response.status, 101);
    assert.equal(response.reason, "Switching Protocols");
    assert.equal(response.body.length, 0);
    assert.deepEqual(
      [...response.headers],
      [
        ["Upgrade", "websocket"],
        ["Connection", "Upgrade"],
        ["Sec-WebSocket-Accept", ACCEPT],
        ["Server", DEFAULT_USER_AGENT],
      ],
    );
  });

  it("adds the subprotocol and extension answer when given, and no Server when null", () => {
    const response = switchingProtocols(handshakeRequest(), "chat", "permessage-deflate", {
      serverHeader: null,
    });
    assert.deepEqual([...response.headers].slice(3), [
      ["Sec-WebSocket-Protocol", "chat"],
      ["Sec-WebSocket-Extensions", "permessage-deflate"],
    ]);
  });

  it("gives equal responses for equal inputs (a server may build it again when asked)", () => {
    const request = handshakeRequest();
    const a = switchingProtocols(request, "chat", "", {});
    const b = switchingProtocols(request, "chat", "", {});
    assert.notEqual(a, b);
    assert.deepEqual([...a.headers], [...b.headers]);
  });
});

describe("requestKey", () => {
  it("is the request's Sec-WebSocket-Key without surrounding OWS", () => {
    assert.equal(requestKey(handshakeRequest()), KEY);
    const padded = handshakeRequest([["Sec-WebSocket-Key", ` \t${KEY} `]], ["Sec-WebSocket-Key"]);
    assert.equal(requestKey(padded), KEY);
  });
});
