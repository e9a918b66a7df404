// The serve process keeps V8's young generation at its starting size while
// long-lived objects (connections) pile up; without it, V8 grows the space.

import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { test } from "node:test";

const module = new URL("../../src/cli/young-generation.js", import.meta.url).href;

/** The young generation's size after 30 MB of surviving objects, in a child process. */
function youngGenerationAfterSurvivors(keepSmall: boolean): number {
  const script = `
    import { getHeapSpaceStatistics } from "node:v8";
    import { keepYoungGenerationSmall } from ${JSON.stringify(module)};
    if (${keepSmall}) keepYoungGenerationSmall();
    const kept = [];
    for (let i = 0; i < 300_000; i++) kept.push({ i, list: [i, i + 1, i + 2], text: "x" + i });
    const space = getHeapSpaceStatistics().find((s) => s.space_name === "new_space");
    process.stdout.write(String(space.space_size));
  `;
  return Number(execFileSync(process.execPath, ["--input-type=module", "-e", script]));
}

test("keepYoungGenerationSmall keeps the young generation from growing", () => {
  const grown = youngGenerationAfterSurvivors(false);
  const kept = youngGenerationAfterSurvivors(true);
  assert.ok(kept <= 2 * 2 ** 20, `young generation of ${kept} bytes`);
  assert.ok(grown > 2 * kept, `without it: ${grown} bytes, with it: ${kept} bytes`);
});
