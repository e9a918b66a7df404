// Builds the documentation site into site/ (npm run docs): the guides of docs/,
// the README as the home page, and the API reference of every entry point in
// package.json "exports", generated from the TSDoc of the sources.
//
// Why TypeDoc: it is the TypeScript project's own de facto documentation
// generator (maintained, monthly releases), and the only one that makes the
// API reference from our TSDoc and the guides one site from one tool:
// `projectDocuments` turns Markdown guides into pages beside the API, with one
// navigation, one client-side search over both (`searchInDocuments`), Shiki
// highlighting of code blocks, link validation ({@link} in TSDoc, relative
// links between guides, images copied), and a static output with no server.
// A Markdown site generator (VitePress, Starlight) would need TypeDoc anyway,
// through a Markdown plugin, for the reference, plus a bundler and a theme.
// TypeDoc 0.28 needs the TypeScript 6 compiler API while the project builds
// with TypeScript 7 (whose API is not TypeDoc's), so it lives in its own
// package, tools/docs (installed by the root `npm ci` as a file: dependency).
//
//   node tools/docs/build.mjs [--out DIR] [--stage DIR] [--add-page FILE.md] [--entry NAME]...
//
// --add-page adds a Markdown page (for the test that a broken link fails the
// build); --entry limits the API reference to some entry points (by export
// name, e.g. "." or "./testing"), to build faster in tests.

import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { Application, LogLevel } from "typedoc";
import { findBrokenLinks } from "./check-links.mjs";
import { groupOrder, pages } from "./pages.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, "../..");

const { values } = parseArgs({
  options: {
    out: { type: "string", default: join(root, "site") },
    "add-page": { type: "string", multiple: true, default: [] },
    entry: { type: "string", multiple: true, default: [] },
    stage: { type: "string", default: join(root, ".build-docs", "stage") },
  },
});
const out = resolve(values.out);
const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));

/**
 * The TypeScript source of each public entry point: package.json "exports"
 * maps a name to dist/<dir>/index.js, built from src/<dir>/index.ts.
 * `./runtime` only picks /node or /web by condition; it has no API of its own.
 */
function entryPoints() {
  const sources = new Map();
  for (const [name, target] of Object.entries(pkg.exports)) {
    if (name === "./package.json" || name === "./runtime") continue;
    if (values.entry.length > 0 && !values.entry.includes(name)) continue;
    const js = typeof target === "string" ? target : target.default;
    const match = /^\.\/dist\/(.+)\.js$/.exec(js);
    if (match === null) throw new Error(`Cannot map export "${name}" to a source: ${js}`);
    sources.set(name, join(root, "src", `${match[1]}.ts`));
  }
  return [...sources.values()];
}

/** Markdown links and images in `text`, with their targets. */
function linkTargets(text) {
  const targets = [];
  for (const match of text.matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)|\ssrc="([^"]+)"/g)) {
    targets.push(match[1] ?? match[2]);
  }
  return targets.filter((target) => !/^[a-z][a-z0-9+.-]*:|^#|^\/\//i.test(target));
}

/**
 * Copies the guides into a staging folder laid out as the repository, each
 * with its front matter (title and navigation group), and every file they
 * link to (charts, examples), so TypeDoc resolves and copies them.
 */
function stage(dir) {
  rmSync(dir, { recursive: true, force: true });
  const all = [
    ...pages,
    ...values["add-page"].map((file) => ({
      file: relative(root, resolve(file)),
      title: "Added page",
      group: "Added",
    })),
  ];
  const documents = [];
  const copy = (file) => {
    mkdirSync(dirname(join(dir, file)), { recursive: true });
    copyFileSync(join(root, file), join(dir, file));
  };
  const stageLinked = (file, text) => {
    for (const target of linkTargets(text)) {
      const path = relative(root, resolve(root, dirname(file), target.split("#")[0]));
      if (path === "" || path.startsWith("..") || !existsSync(join(root, path))) continue;
      if (path.endsWith(".md") || existsSync(join(dir, path))) continue; // pages, or done
      copy(path);
    }
  };
  for (const { file, title, group } of all) {
    const text = readFileSync(join(root, file), "utf8");
    mkdirSync(dirname(join(dir, file)), { recursive: true });
    writeFileSync(
      join(dir, file),
      `---\ntitle: ${JSON.stringify(title)}\ngroup: ${group}\n---\n\n${text}`,
    );
    documents.push(join(dir, file));
    stageLinked(file, text);
  }
  const readme = readFileSync(join(root, "README.md"), "utf8");
  writeFileSync(join(dir, "README.md"), readme);
  stageLinked("README.md", readme);
  return { readme: join(dir, "README.md"), documents };
}

const stageDir = resolve(values.stage);
const { readme, documents } = stage(stageDir);

const app = await Application.bootstrapWithPlugins({
  name: pkg.name,
  includeVersion: true,
  entryPoints: entryPoints(),
  tsconfig: join(root, "tsconfig.build.json"),
  // The project is type-checked by TypeScript 7 in `npm test`; TypeScript 6,
  // here only to read the sources, need not check them again.
  skipErrorChecking: true,
  readme,
  projectDocuments: documents,
  out,
  cleanOutputDir: true,
  customCss: join(here, "site.css"),
  // Guides in the order of pages.mjs, then the API by kind and name.
  sort: ["documents-first", "kind", "instance-first", "alphabetical-ignoring-documents"],
  groupOrder,
  navigation: { includeGroups: true, includeCategories: false, includeFolders: false },
  // The entry points' group in the navigation, under the guides.
  locales: { en: { kind_plural_module: "API reference" } },
  searchInDocuments: true,
  searchInComments: true,
  headings: { readme: false, document: false },
  // The connection classes' internal state (protected, for the subclass chain
  // in src/connection/) is not API.
  excludePrivate: true,
  excludeProtected: true,
  excludeInternal: true,
  excludeExternals: true,
  highlightLanguages: ["typescript", "javascript", "json", "sh", "bash", "text", "python", "html"],
  ignoredHighlightLanguages: ["capnp"], // workerd's config (cloudflare-workers.md); Shiki has none
  lightHighlightTheme: "github-light",
  darkHighlightTheme: "github-dark",
  hideGenerator: false,
  // No "Defined in" links: the package names no public repository yet, and
  // TypeDoc would build them from the clone's git remote (a local path in a
  // clone, missing in a worktree, a warning either way).
  disableSources: true,
  // With some entry points only (tests), TSDoc links to the others cannot resolve.
  validation: {
    invalidLink: values.entry.length === 0,
    rewrittenLink: true,
    notDocumented: false,
    notExported: false,
  },
  treatWarningsAsErrors: true,
  logLevel: LogLevel.Warn,
});

// TypeDoc's own CLI fails on warnings with treatWarningsAsErrors; through the
// API, the caller checks. The site is written and its links checked even
// after a warning, so that one run reports every problem.
const project = await app.convert();
if (project === undefined) {
  console.error("Cannot build the site: TypeDoc could not convert the project");
  process.exit(1);
}
app.validate(project);
await app.generateDocs(project, out);
const warned = app.logger.hasErrors() || app.logger.hasWarnings();

const broken = findBrokenLinks(out);
for (const { page, link, problem } of broken) console.error(`${page}: ${link}: ${problem}`);
if (warned || broken.length > 0) {
  const problems = [
    ...(warned ? ["TypeDoc's warnings above"] : []),
    ...(broken.length > 0 ? [`${broken.length} broken internal links`] : []),
  ];
  console.error(`Cannot build the site: ${problems.join(" and ")}`);
  process.exit(1);
}
console.log(`Site built in ${relative(process.cwd(), out) || "."}: ${documents.length} guides`);
