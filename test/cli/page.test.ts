// The page that `serve` answers at `/`, opened in headless Chromium (Debian's
// `chromium`, driven by playwright-core): it connects back, sends a message
// and shows the echo; in broadcast mode a terminal-side client sees it too.

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { connect } from "../../src/node/index.js";
import { chromiumSkip, withChromium } from "../runtimes/browser.js";
import { startServe } from "./helpers.js";

const skip = chromiumSkip();

describe("serve: the page at / in Chromium", { skip, timeout: 60_000 }, () => {
  test("connects with permessage-deflate, sends a message and shows the echo", async () => {
    const server = await startServe();
    try {
      await withChromium(async (context) => {
        const page = await context.newPage();
        await page.goto(`http://127.0.0.1:${server.port}/`);
        await page.locator("#status", { hasText: /^open/ }).waitFor({ timeout: 10_000 });
        assert.match(
          (await page.textContent("#status")) ?? "",
          /open: ws:\/\/127\.0\.0\.1:\d+\/ \(permessage-deflate/,
        );
        await page.fill("#message", "hello from chromium ✓");
        await page.press("#message", "Enter");
        await page
          .locator("#log div", { hasText: "< hello from chromium ✓" })
          .waitFor({ timeout: 10_000 });
        const lines = await page.locator("#log div").allTextContents();
        assert.deepEqual(lines, ["> hello from chromium ✓", "< hello from chromium ✓"]);
        // Closing from the page is a clean 1000 that the server logs.
        await page.click("#toggle");
        await page.locator("#status", { hasText: /^closed$/ }).waitFor({ timeout: 10_000 });
        await server.waitForLog(/closed 1000 \(normal closure\)/);
      });
      assert.match(server.stderr(), /connected \(permessage-deflate\)/);
    } finally {
      assert.equal(await server.stop(), 0);
    }
  });

  test("in broadcast mode, a message typed in the page reaches another client", async () => {
    const server = await startServe(["--broadcast"]);
    try {
      const other = await connect(`ws://127.0.0.1:${server.port}/`);
      await withChromium(async (context) => {
        const page = await context.newPage();
        await page.goto(`http://127.0.0.1:${server.port}/`);
        await page.locator("#status", { hasText: /^open/ }).waitFor({ timeout: 10_000 });
        assert.match(await page.title(), /broadcast/);
        await page.fill("#message", "to everyone");
        await page.click("#send");
        assert.equal(await other.recv(), "to everyone");
        await other.send("back to the page");
        await page
          .locator("#log div", { hasText: "< back to the page" })
          .waitFor({ timeout: 10_000 });
      });
      await other.close();
    } finally {
      await server.stop();
    }
  });
});
