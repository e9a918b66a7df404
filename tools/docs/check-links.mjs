// Checks every internal link of the built site: each href and src in every
// HTML page must name a file of the site, and its #fragment an id on that
// page. TypeDoc validates the links it makes from TSDoc ({@link}); this also
// covers the guides' Markdown links, images and heading anchors, as a reader
// would follow them in the output.
//
//   node tools/docs/check-links.mjs site

import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** Every .html file under `dir`. */
function htmlFiles(dir) {
  const found = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) found.push(...htmlFiles(path));
    else if (entry.name.endsWith(".html")) found.push(path);
  }
  return found;
}

/** The ids (and old-style names) a page defines, for its fragments. */
function anchorsOf(html) {
  const ids = new Set();
  for (const match of html.matchAll(/\s(?:id|name)="([^"]*)"/g)) ids.add(decodeEntities(match[1]));
  return ids;
}

function decodeEntities(text) {
  return text
    .replaceAll("&quot;", '"')
    .replaceAll("&#39;", "'")
    .replaceAll("&lt;", "<")
    .replaceAll("&gt;", ">")
    .replaceAll("&amp;", "&");
}

/** True for links that leave the site (checked by nobody: no network in CI). */
function isExternal(link) {
  return /^[a-z][a-z0-9+.-]*:/i.test(link) || link.startsWith("//");
}

/**
 * The broken internal links of the site in `dir`, as
 * `{ page, link, problem }` (page relative to `dir`). Empty when all resolve.
 */
export function findBrokenLinks(dir) {
  const root = resolve(dir);
  const anchors = new Map(); // page path -> its ids, read once
  const idsOf = (path) => {
    let ids = anchors.get(path);
    if (ids === undefined) anchors.set(path, (ids = anchorsOf(readFileSync(path, "utf8"))));
    return ids;
  };
  const broken = [];
  for (const page of htmlFiles(root)) {
    const html = readFileSync(page, "utf8");
    for (const match of html.matchAll(/\s(?:href|src)="([^"]*)"/g)) {
      const link = decodeEntities(match[1]);
      if (link === "" || isExternal(link)) continue;
      const hash = link.indexOf("#");
      const pathPart = (hash === -1 ? link : link.slice(0, hash)).split("?")[0];
      const fragment = hash === -1 ? "" : decodeURIComponent(link.slice(hash + 1));
      let target = pathPart === "" ? page : resolve(dirname(page), decodeURIComponent(pathPart));
      const report = (problem) =>
        broken.push({ page: relative(root, page), link, problem: `${problem}` });
      if (!target.startsWith(root)) {
        report("points outside the site");
        continue;
      }
      if (existsSync(target) && statSync(target).isDirectory()) target = join(target, "index.html");
      if (!existsSync(target)) {
        report("no such file");
        continue;
      }
      if (fragment !== "" && target.endsWith(".html") && !idsOf(target).has(fragment)) {
        report(`no id "${fragment}" on ${relative(root, target)}`);
      }
    }
  }
  return broken;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const dir = process.argv[2] ?? "site";
  const broken = findBrokenLinks(dir);
  for (const { page, link, problem } of broken) console.error(`${page}: ${link}: ${problem}`);
  if (broken.length > 0) {
    console.error(`Cannot check the site's links: ${broken.length} broken in ${dir}`);
    process.exit(1);
  }
  console.log(`All internal links of ${dir} resolve`);
}
