// Every TypeScript block of README.md and docs/*.md type-checks against the
// package's emitted types (tools/docs/code-blocks.mjs), and a wrong one fails.

import assert from "node:assert/strict";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, test } from "node:test";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = fileURLToPath(new URL("../../../", import.meta.url));
const T = { timeout: 120_000 };

interface Checker {
  checkCodeBlocks(files?: string[]): { ok: boolean; count: number; errors: string[] };
  extractBlocks(text: string): { line: number; code: string; prelude: string }[];
}
const load = async (): Promise<Checker> =>
  (await import(pathToFileURL(join(root, "tools/docs/code-blocks.mjs")).href)) as Checker;

describe("code blocks in the docs", () => {
  test("every TypeScript block of README.md and docs/*.md type-checks", T, async () => {
    const { checkCodeBlocks } = await load();
    const { ok, count, errors } = checkCodeBlocks();
    assert.deepEqual(errors, []);
    assert.ok(ok);
    assert.ok(count >= 30, `only ${count} blocks found`);
  });

  test("a block with a type error fails, reported at its line in the Markdown", T, async () => {
    const { checkCodeBlocks } = await load();
    const dir = join(root, ".build-docs", "fixtures");
    mkdirSync(dir, { recursive: true });
    writeFileSync(
      join(dir, "wrong.md"),
      [
        "# Wrong",
        "",
        "<!-- prelude",
        "declare const url: string;",
        "-->",
        "```ts",
        'import { connect } from "websocket-sansio/node";',
        "const connection = await connect(url);",
        "connection.sendd('hi');",
        "```",
        "",
        "```ts ignore",
        "this is not TypeScript",
        "```",
        "",
      ].join("\n"),
    );
    const { ok, count, errors } = checkCodeBlocks([".build-docs/fixtures/wrong.md"]);
    assert.equal(ok, false);
    assert.equal(count, 1); // the ignored block is not checked
    assert.equal(errors.length, 1, errors.join("\n"));
    assert.match(errors[0]!, /^\.build-docs\/fixtures\/wrong\.md:9:12: error TS2551: .*sendd/);
  });

  test("blocks are found with their prelude; other languages are left alone", async () => {
    const { extractBlocks } = await load();
    const blocks = extractBlocks(
      "<!-- prelude\ndeclare const a: 1;\n-->\n```ts\nconst b = a;\n```\n\n```sh\nls\n```\n" +
        "Text.\n\n```typescript\nconst c = 2;\n```\n",
    );
    assert.deepEqual(blocks, [
      { line: 5, code: "const b = a;", prelude: "declare const a: 1;" },
      { line: 14, code: "const c = 2;", prelude: "" },
    ]);
  });
});
