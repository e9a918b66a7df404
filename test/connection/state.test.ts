import assert from "node:assert/strict";
import { describe, test } from "node:test";
import * as state from "../../src/connection/state.js";
import { connectPair } from "../../src/testing/index.js";

const T = { timeout: 5000 };

// src/connection/state.ts: the flags and the map of the state.
describe("Connection state", () => {
  test("the nine flags are distinct bits of one number", () => {
    const flags = [
      state.PAUSED,
      state.FLUSH_SCHEDULED,
      state.UNWRITABLE,
      state.HALF_CLOSED,
      state.OPENED,
      state.TRANSPORT_GONE,
      state.FINISHED,
      state.ITERATING,
      state.CLOSE_DEADLINE_SET,
    ];
    let all = 0;
    for (const flag of flags) {
      assert.equal(flag & (flag - 1), 0, `${flag} is one bit`);
      assert.equal(all & flag, 0, `${flag} is not shared`);
      all |= flag;
    }
    assert.ok(all < 2 ** 30, "a small integer");
  });

  test("the rare state is made on first use, with nothing pending", () => {
    const rare = new state.RareState();
    assert.deepEqual([rare.waiters, rare.pings, rare.latency], [[], [], 0]);
    assert.equal(rare.info, undefined);
    assert.equal(rare.localError, undefined);
  });

  test("the map's end state: both sides finished, no deadline armed", T, async () => {
    const { client, server } = await connectPair({ server: { pingIntervalMs: 1000 } });
    await client.close();
    await server.closed;
    for (const connection of [client, server]) {
      const fields = connection as unknown as {
        flags: number;
        openCloseDeadline: unknown;
        keepaliveDeadline: unknown;
      };
      const flags = fields.flags;
      assert.ok(flags & state.OPENED);
      assert.ok(flags & state.FINISHED);
      assert.ok(flags & state.TRANSPORT_GONE);
      assert.equal(flags & state.CLOSE_DEADLINE_SET, 0);
      assert.equal(fields.openCloseDeadline, undefined);
      assert.equal(fields.keepaliveDeadline, undefined);
    }
  });
});
