// Screenshots of the built site in headless Chromium, to look at it as a
// reader would: the home page, a guide, an API page, and the search.
//
//   node tools/docs/screenshots.mjs [SITE] [OUT]   (defaults: site, /tmp/docs-shots)

import { mkdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { chromium } from "playwright-core";

const site = resolve(process.argv[2] ?? "site");
const out = resolve(process.argv[3] ?? "/tmp/docs-shots");
mkdirSync(out, { recursive: true });

const shots = [
  ["home", "index.html"],
  ["guide-tutorial", "documents/Tutorial__echo,_then_a_chat.html"],
  ["guide-limits", "documents/Limits_and_security.html"],
  ["guide-benchmarks", "documents/Benchmarks.html"],
  ["api-node-module", "modules/websocket-sansio_node.html"],
  ["api-connect", "functions/websocket-sansio_node.connect.html"],
  ["api-client-options", "interfaces/websocket-sansio_node.ClientOptions.html"],
];

const browser = await chromium.launch({ executablePath: "/usr/bin/chromium" });
try {
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  for (const [name, path] of shots) {
    await page.goto(pathToFileURL(join(site, path)).href);
    await page.waitForTimeout(300); // the navigation tree is filled in by a script
    await page.screenshot({ path: join(out, `${name}.png`) });
    console.log(join(out, `${name}.png`));
  }
  // The search box, with a query typed in.
  await page.goto(pathToFileURL(join(site, "index.html")).href);
  await page.keyboard.press("/");
  await page.keyboard.type("reconnect");
  await page.waitForTimeout(500);
  await page.screenshot({ path: join(out, "search.png") });
  console.log(join(out, "search.png"));
} finally {
  await browser.close();
}
