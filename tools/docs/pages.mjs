// The site's table of contents: every guide in docs/, in reading order, with
// the group it is listed under in the navigation. The build gives TypeDoc a
// copy of each with this as its front matter, so the files in docs/ stay plain
// Markdown that reads the same on GitHub and in the package.
//
// A new guide goes here; the site test fails on a docs/*.md missing from this
// list, so none is left out of the navigation by accident.

/** Guides by navigation group: [file, title] in reading order. */
const groups = {
  "Start here": [
    ["docs/getting-started.md", "Getting started"],
    ["docs/tutorial.md", "Tutorial: echo, then a chat"],
  ],
  "How-to guides": [
    ["docs/existing-http-server.md", "An existing HTTP server"],
    ["docs/bring-your-own-io.md", "Bring your own I/O"],
    ["docs/limits-and-security.md", "Limits and security"],
    ["docs/reconnection.md", "Reconnecting clients"],
    ["docs/compression.md", "Compression"],
    ["docs/streaming.md", "Streaming large messages"],
    ["docs/logging-and-diagnostics.md", "Logging and diagnostics"],
    ["docs/testing.md", "Testing with an in-memory pair"],
    ["docs/pubsub.md", "Broadcast and pub/sub"],
    ["docs/proxies.md", "Proxies"],
    ["docs/http2.md", "WebSocket over HTTP/2"],
    ["docs/migrating-from-ws.md", "Migrating from ws"],
    ["docs/whatwg.md", "The browser's API (WHATWG)"],
  ],
  Runtimes: [
    ["docs/runtimes.md", "Runtimes and entry points"],
    ["docs/bun.md", "Bun"],
    ["docs/deno.md", "Deno"],
    ["docs/cloudflare-workers.md", "Cloudflare Workers"],
    ["docs/browser.md", "In a browser"],
  ],
  Reference: [
    ["docs/benchmarks.md", "Benchmarks"],
    ["conformance/README.md", "Conformance suite"],
  ],
};

/** @type {ReadonlyArray<{ file: string, title: string, group: string }>} */
export const pages = Object.entries(groups).flatMap(([group, list]) =>
  list.map(([file, title]) => ({ file, title, group })),
);

/** The order of the groups in the navigation; the API modules come after. */
export const groupOrder = [...Object.keys(groups), "*"];
