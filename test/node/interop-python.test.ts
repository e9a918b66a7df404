// Interop with Python websockets (Debian's python3-websockets 10.4, under
// /usr/bin/python3), in both directions.

import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { describe, test } from "node:test";
import { connect, serve } from "../../src/node/index.js";
import { echo, PYTHON, portOf, run, skipWithoutPython } from "./helpers.js";

const skip = await skipWithoutPython("websockets", "python3-websockets");
const T = { timeout: 20_000, skip };

const CLIENT = `
import asyncio, sys, websockets
async def main():
    async with websockets.connect(sys.argv[1], subprotocols=["chat"]) as ws:
        assert ws.subprotocol == "chat", ws.subprotocol
        await ws.send("héllo")
        assert await ws.recv() == "héllo"
        await ws.send(bytes(range(256)) * 1000)
        assert await ws.recv() == bytes(range(256)) * 1000
        await ws.send(["frag", "ment"])
        assert await ws.recv() == "fragment"
        for i in range(500):
            await ws.send(f"m{i}")
        for i in range(500):
            assert await ws.recv() == f"m{i}"
        pong = await ws.ping(b"py")
        await asyncio.wait_for(pong, 5)
    print("closed", ws.close_code)
asyncio.run(main())
`;

const SERVER = `
import asyncio, websockets
async def echo(ws, path):
    async for message in ws:
        await ws.send(message)
async def main():
    async with websockets.serve(echo, "127.0.0.1", 0) as server:
        print(server.sockets[0].getsockname()[1], flush=True)
        await asyncio.sleep(30)
asyncio.run(main())
`;

describe("interop with Python websockets", () => {
  test("a Python client talks to our server", T, async () => {
    const server = await serve(echo, { host: "127.0.0.1", port: 0, subprotocols: ["chat"] });
    const { stdout } = await run(
      PYTHON,
      ["-c", CLIENT, `ws://127.0.0.1:${portOf(server.address)}/`],
      15_000,
    );
    assert.equal(stdout.trim(), "closed 1000");
    await server.close();
  });

  test("our client talks to a Python server", T, async () => {
    const child = spawn(PYTHON, ["-c", SERVER], { stdio: ["ignore", "pipe", "inherit"] });
    try {
      const port = await new Promise<number>((resolve, reject) => {
        child.stdout.once("data", (chunk: Buffer) => resolve(Number(chunk.toString().trim())));
        child.once("exit", (code) => reject(new Error(`python exited with ${code}`)));
      });
      const client = await connect(`ws://127.0.0.1:${port}/`);
      await client.send("from node");
      assert.equal(await client.recv(), "from node");
      const big = new Uint8Array(200_000).map((_, i) => i & 0xff);
      await client.send(big);
      assert.deepEqual(await client.recv(), big);
      for (let i = 0; i < 500; i++) void client.send(`n${i}`);
      for (let i = 0; i < 500; i++) assert.equal(await client.recv(), `n${i}`);
      assert.ok((await client.ping()) >= 0);
      const info = await client.close();
      assert.equal(info.code, 1000);
      assert.equal(info.wasClean, true);
    } finally {
      child.kill("SIGKILL");
    }
  });
});
