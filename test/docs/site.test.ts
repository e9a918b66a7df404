// The documentation site: `npm run docs` builds it (guides, home page, the API
// reference of every package export, the benchmark charts), a broken link
// fails the build, and every guide is in the navigation.

import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = fileURLToPath(new URL("../../../", import.meta.url));
const build = join(root, "tools/docs/build.mjs");
// TypeDoc reads the whole program: a few seconds alone, more on a busy machine.
const T = { timeout: 240_000 };

/** Runs a docs tool without c8's coverage variable (it would profile TypeDoc). */
function run(args: string[]): Promise<{ status: number | null; output: string }> {
  const env = { ...process.env };
  delete env["NODE_V8_COVERAGE"];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: root, env });
    let output = "";
    child.stdout.on("data", (chunk) => (output += chunk));
    child.stderr.on("data", (chunk) => (output += chunk));
    child.on("error", reject);
    child.on("close", (status) => resolve({ status, output }));
  });
}

interface Page {
  readonly file: string;
  readonly title: string;
  readonly group: string;
}

describe("documentation site", () => {
  test("every guide in docs/ is in the navigation (tools/docs/pages.mjs)", async () => {
    const { pages, fragments } = (await import(
      pathToFileURL(join(root, "tools/docs/pages.mjs")).href
    )) as { pages: readonly Page[]; fragments: readonly string[] };
    const listed = new Set(pages.map((page) => page.file));
    const guides = readdirSync(join(root, "docs")).filter((name) => name.endsWith(".md"));
    for (const name of guides) {
      const file = `docs/${name}`;
      assert.ok(listed.has(file) || fragments.includes(file), `${file} is not listed`);
    }
    for (const file of fragments) assert.ok(!listed.has(file), `${file} is a fragment and a page`);
    for (const file of listed)
      assert.ok(existsSync(join(root, file)), `${file} is listed, missing`);
  });

  test("npm run docs builds the site: home, guides, API of every export, charts", T, async () => {
    const out = mkdtempSync(join(tmpdir(), "docs-site-"));
    const { status, output } = await run([build, "--out", out, "--stage", `${out}.stage`]);
    assert.equal(status, 0, output);
    const home = readFileSync(join(out, "index.html"), "utf8");
    assert.match(home, /Why sans I\/O/);

    const exportsMap = JSON.parse(readFileSync(join(root, "package.json"), "utf8")).exports as
      | Record<string, unknown>
      | undefined;
    for (const name of Object.keys(exportsMap ?? {})) {
      if (name === "./package.json" || name === "./runtime") continue;
      const module = `websocket-sansio${name.slice(1)}`.replaceAll("/", "_");
      assert.ok(existsSync(join(out, "modules", `${module}.html`)), `no API page for ${name}`);
    }
    assert.ok(existsSync(join(out, "functions", "websocket-sansio_node.reconnect.html")));

    const benchmarks = readFileSync(join(out, "documents", "Benchmarks.html"), "utf8");
    const charts = [...benchmarks.matchAll(/src="([^"]+\.svg)"/g)].map((match) => match[1]);
    assert.ok(charts.length >= 5, `charts on the benchmark page: ${charts.length}`);
    // Code highlighted by Shiki, and a search index that covers the guides.
    const tutorial = readFileSync(
      join(out, "documents", "Tutorial__echo,_then_a_chat.html"),
      "utf8",
    );
    assert.match(tutorial, /class="hl-\d+"/);
    assert.ok(existsSync(join(out, "assets", "search.js")));
  });

  test("a broken link in a guide fails the build", T, async () => {
    const fixtures = join(root, ".build-docs", "fixtures");
    mkdirSync(fixtures, { recursive: true });
    const page = join(fixtures, "broken.md");
    writeFileSync(
      page,
      "# Broken\n\nSee [the missing guide](no-such-guide.md) and " +
        "[a missing heading](../../docs/getting-started.md#no-such-heading).\n",
    );
    const out = mkdtempSync(join(tmpdir(), "docs-broken-"));
    const args = [build, "--out", out, "--stage", `${out}.stage`, "--add-page", page];
    const { status, output } = await run([...args, "--entry", "./testing"]);
    assert.notEqual(status, 0, output);
    assert.match(output, /no-such-guide\.md/);
    // The heading's anchor, found missing in the output by the link check.
    assert.match(output, /Getting_started\.html#no-such-heading: no id "no-such-heading"/);
    assert.match(output, /Cannot build the site: .*broken internal links/);
  });

  test("the link check finds missing pages and missing anchors", async () => {
    const { findBrokenLinks } = (await import(
      pathToFileURL(join(root, "tools/docs/check-links.mjs")).href
    )) as {
      findBrokenLinks: (dir: string) => { page: string; link: string; problem: string }[];
    };
    const site = mkdtempSync(join(tmpdir(), "docs-links-"));
    mkdirSync(join(site, "documents"));
    writeFileSync(
      join(site, "index.html"),
      '<h2 id="top">Top</h2><a href="documents/a.html#x">a</a>',
    );
    writeFileSync(
      join(site, "documents", "a.html"),
      '<p id="x"></p><a href="../index.html#top">ok</a><a href="../index.html#gone">no</a>' +
        '<img src="../media/chart.svg"><a href="https://example.com/">out</a>',
    );
    const broken = findBrokenLinks(site).map(({ page, link }) => `${page} ${link}`);
    assert.deepEqual(broken.sort(), [
      "documents/a.html ../index.html#gone",
      "documents/a.html ../media/chart.svg",
    ]);
  });
});
