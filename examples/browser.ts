// The core and the connection layer in a browser page, with no bundler and no
// network: a client and a server Connection joined in memory, e.g. to test
// application code that talks WebSocket. Build, serve .build/ over HTTP and
// load it as a module:
//   npx tsc -p tsconfig.json && python3 -m http.server -d .build 8000
//   <script type="module" src="http://localhost:8000/examples/browser.js"></script>

import { connectPair } from "../src/testing/index.js";

const { client, server } = await connectPair();
const echo = (async () => {
  for await (const message of server) await server.send(`echo: ${String(message)}`);
})();
await client.send("hello from the page");
console.log(await client.recv()); // "echo: hello from the page"
await client.close();
await echo;
