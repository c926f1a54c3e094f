// Copyright (c) 2026 wsx developers. Distributed under the Boost Software License, Version 1.0.
//
// interop/node_client: Node's `ws` (pinned in package.json) as the client
// of wsx's echo_server.
//
//   node node_client.mjs --echo-server PATH
//
// Starts `echo_server --port 0 --host 127.0.0.1`, runs every case on
// 127.0.0.1 only, stops the server whatever happens. Installs the pinned
// packages first (npm ci) when node_modules is missing.

import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

import { ensure_node_modules } from "./npm_ensure.mjs";
import {
  MiB, SIZES, binary_of, check, package_version, program, runner, socket_view, text_of, with_timeout,
} from "./node_util.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const SERVER_LIMIT = 16 * MiB; // echo_server's max_message_size

const { values: args } = parseArgs({ options: { "echo-server": { type: "string" } } });
if (!args["echo-server"]) {
  console.error("usage: node node_client.mjs --echo-server PATH");
  process.exit(2);
}

let WebSocket;
const run = new runner("node_client");
// Bounded as a whole, below ctest's TIMEOUT, so that the cleanup runs.
const overall = setTimeout(() => {
  run.fail("overall", "the run took longer than 150 s");
  process.exit(run.finish());
}, 150000);

// Compression is off unless a case asks: wsx does not offer it yet.
async function open(url, options = {}) {
  const ws = new WebSocket(url, { perMessageDeflate: false, maxPayload: 0, handshakeTimeout: 10000, ...options });
  const v = new socket_view(ws);
  await with_timeout(v.opened, 15000, `opening ${url}`);
  return v;
}

async function close_with(v, code, reason) {
  v.ws.close(code, reason);
  const c = await with_timeout(v.closed, 20000, "the close handshake");
  return c;
}

const cases = (base) => [
  ["text", async () => {
    const v = await open(base + "/text");
    for (const s of ["hello", "h\u00e9llo w\u00f6rld \u2014 \ud55c\uae00 \u{1F642}", '{"json": [1, 2, 3]}'])
      await v.expect_echo(s);
    await close_with(v, 1000);
  }],
  ["binary", async () => {
    const v = await open(base + "/binary");
    await v.expect_echo(Buffer.from(Array.from({ length: 256 }, (_, i) => i)));
    await v.expect_echo(Buffer.from([0x00, 0xff, 0x00])); // not UTF-8: binary is not validated
    await close_with(v, 1000);
  }],
  ["sizes", async () => {
    const v = await open(base + "/sizes");
    for (const n of SIZES) {
      await v.expect_echo(text_of(n));
      await v.expect_echo(binary_of(n));
    }
    await close_with(v, 1000);
  }],
  ["fragmented", async () => {
    // fin: false sends a first fragment, then continuation frames.
    const v = await open(base + "/fragments");
    await v.send("frag", { fin: false });
    await v.send("men", { fin: false });
    await v.send("ted \u00e9", { fin: true });
    const t = await v.next();
    check(!t.is_binary && t.data.toString("utf8") === "fragmented \u00e9", `fragmented text came back as ${t.data}`);
    await v.send(Buffer.from([1, 2]), { binary: true, fin: false });
    await v.send(Buffer.alloc(0), { binary: true, fin: false });
    await v.send(Buffer.from([3]), { binary: true, fin: true });
    const b = await v.next();
    check(b.is_binary && Buffer.compare(b.data, Buffer.from([1, 2, 3])) === 0, "fragmented binary came back different");
    await close_with(v, 1000);
  }],
  ["pipelined", async () => {
    const v = await open(base + "/pipelined");
    const sent = Array.from({ length: 1000 }, (_, i) => `message ${i}`);
    for (const s of sent) v.ws.send(s);
    for (const s of sent) {
      const m = await v.next();
      check(m.data.toString("utf8") === s, `expected ${s}, got ${m.data}`);
    }
    await close_with(v, 1000);
  }],
  ["ping", async () => {
    const v = await open(base + "/ping");
    for (const payload of [Buffer.from("wsx-ping"), Buffer.alloc(0), binary_of(125)]) {
      const pong = new Promise((res) => v.ws.once("pong", res));
      v.ws.ping(payload);
      const got = await with_timeout(pong, 10000, "the pong");
      check(Buffer.compare(got, payload) === 0, `the pong carried ${got.length} bytes, not the ping's ${payload.length}`);
    }
    await v.expect_echo("still open after pings");
    await close_with(v, 1000);
  }],
  ["close_1000", async () => {
    const v = await open(base + "/close");
    await v.expect_echo("before close");
    const c = await close_with(v, 1000, "bye bye");
    check(c.code === 1000, `the server answered the close with ${c.code}`);
  }],
  ["close_4000", async () => {
    const v = await open(base + "/close");
    const c = await close_with(v, 4000, "application code");
    check(c.code === 4000, `the server answered the close with ${c.code}, not the echoed 4000`);
  }],
  ["at_limit_16MiB", async () => {
    const v = await open(base + "/limit");
    await v.expect_echo(binary_of(SERVER_LIMIT));
    await close_with(v, 1000);
  }],
  ["over_limit_1009", async () => {
    // One byte over: the server closes with 1009 (RFC 6455 7.4.1).
    const v = await open(base + "/too-big");
    v.ws.send(Buffer.alloc(SERVER_LIMIT + 1, 0x78), () => {});
    const c = await with_timeout(v.closed, 20000, "the server's close");
    check(c.code === 1009, `closed with ${c.code} ${c.reason}, expected 1009 (message too big)${v.error ? "; error: " + v.error.message : ""}`);
  }],
  ["deflate_declined", async () => {
    // ws offers permessage-deflate by default; wsx declines it (no
    // Sec-WebSocket-Extensions in the 101) and ws goes on uncompressed.
    let offered = "";
    const finishRequest = (req) => {  // ws's hook just before the request is sent
      offered = String(req.getHeader("sec-websocket-extensions") || "");
      req.end();
    };
    const ws = new WebSocket(base + "/deflate", { handshakeTimeout: 10000, maxPayload: 0, finishRequest });
    const upgrade = new Promise((res) => ws.once("upgrade", res));
    const v = new socket_view(ws);
    await with_timeout(v.opened, 15000, "opening with deflate offered");
    const res = await upgrade;
    check(offered.includes("permessage-deflate"), `ws did not offer permessage-deflate: ${offered}`);
    check(res.headers["sec-websocket-extensions"] === undefined,
      `the server answered Sec-WebSocket-Extensions: ${res.headers["sec-websocket-extensions"]}`);
    check(ws.extensions === "", `an extension is active: ${ws.extensions}`);
    await v.expect_echo("uncompressed ".repeat(100));
    await v.expect_echo(binary_of(70000));
    await close_with(v, 1000);
  }],
  ["concurrent", async () => {
    await Promise.all(Array.from({ length: 20 }, async (_, i) => {
      const v = await open(`${base}/concurrent/${i}`);
      for (let j = 0; j < 20; ++j) await v.expect_echo(`client ${i} message ${j}`);
      await close_with(v, 1000);
    }));
  }],
];

const server = new program("echo_server", [args["echo-server"], "--port", "0", "--host", "127.0.0.1"]);
try {
  ensure_node_modules(here);
  ({ default: WebSocket } = await import("ws"));
  console.log(`node ${process.version}, ws ${package_version(here, "ws")}`);
  server.start();
  const port = Number((await server.wait_line(/^echo_server listening on port (\d+)$/))[1]);
  for (const [name, fn] of cases(`ws://127.0.0.1:${port}`)) await run.case(name, fn);
  check(server.exit_code === undefined, `echo_server died during the run (${server.exit_code})`);
} catch (e) {
  run.fail("setup", e);
} finally {
  await server.stop();
  if (server.err_lines.length) console.log("echo_server stderr (last lines):\n  " + server.err_lines.slice(-10).join("\n  "));
}
clearTimeout(overall);
process.exit(run.finish());
