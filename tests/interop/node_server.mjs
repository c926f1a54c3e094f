// Copyright (c) 2026 wsx developers. Distributed under the Boost Software License, Version 1.0.
//
// interop/node_server: wsx's client against a server written with Node's
// `ws` (pinned in package.json).
//
//   node node_server.mjs --testee PATH [--echo-client PATH]
//
// A ws WebSocketServer listens on 127.0.0.1, port 0. client_testee
// (tests/conformance/client_testee.cpp: connects, echoes every message,
// prints `open`, `error <message>`, `close <code>[ <reason>]`) is run against
// it while the server drives a script per path; its lines and exit code are
// checked. echo_client (examples/) is run against an echo path. Every child
// is stopped on exit. Installs the pinned packages first when needed.

import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

import { ensure_node_modules } from "./npm_ensure.mjs";
import {
  SIZES, binary_of, check, package_version, program, runner, socket_view, text_of, with_timeout,
} from "./node_util.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const TESTEE_TIMEOUT = 30000;

const { values: args } = parseArgs({ options: { testee: { type: "string" }, "echo-client": { type: "string" } } });
if (!args.testee) {
  console.error("usage: node node_server.mjs --testee PATH [--echo-client PATH]");
  process.exit(2);
}

const run = new runner("node_server");
const overall = setTimeout(() => {
  run.fail("overall", "the run took longer than 150 s");
  process.exit(run.finish());
}, 150000);

// Scripts the server runs against whoever connects to /<name>.
const scripts = {
  async full(v) {
    await v.expect_echo("hello from node");
    await v.expect_echo("h\u00e9llo \u2014 \ud55c\uae00 \u{1F642}");
    await v.expect_echo(Buffer.from(Array.from({ length: 256 }, (_, i) => i)));
    for (const n of SIZES) {
      await v.expect_echo(text_of(n));
      await v.expect_echo(binary_of(n));
    }
    // A fragmented message reaches the wsx client's handler whole.
    await v.send("frag", { fin: false });
    await v.send("men", { fin: false });
    await v.send("ted", { fin: true });
    const f = await v.next();
    check(!f.is_binary && f.data.toString("utf8") === "fragmented", `a fragmented message came back as ${f.data}`);
    for (const payload of [Buffer.from("node-ping"), Buffer.alloc(0), binary_of(125)]) {
      const pong = new Promise((res) => v.ws.once("pong", res));
      v.ws.ping(payload);
      const got = await with_timeout(pong, 10000, "the pong");
      check(Buffer.compare(got, payload) === 0, `the pong carried ${got.length} bytes, not the ping's ${payload.length}`);
    }
    const sent = Array.from({ length: 500 }, (_, i) => `burst ${i}`);
    for (const s of sent) v.ws.send(s);
    for (const s of sent) {
      const m = await v.next();
      check(m.data.toString("utf8") === s, `expected ${s}, got ${m.data}`);
    }
    v.ws.close(4002, "node done");
    const c = await with_timeout(v.closed, 20000, "the close handshake");
    check(c.code === 4002, `the client answered the close with ${c.code}, not the echoed 4002`);
  },
  async close_normal(v) {
    v.ws.close(1000);
    const c = await with_timeout(v.closed, 20000, "the close handshake");
    check(c.code === 1000, `the client answered the close with ${c.code}`);
  },
  async close_going_away(v) {
    await v.expect_echo("one message first");
    v.ws.close(1001, "server going away \u2014 \u00e0 bient\u00f4t");
    const c = await with_timeout(v.closed, 20000, "the close handshake");
    check(c.code === 1001, `the client answered the close with ${c.code}`);
  },
  async echo(v) {
    v.ws.on("message", (data, is_binary) => v.ws.send(data, { binary: is_binary }));
    const c = await v.closed;
    check(c.code === 1000, `echo_client closed with ${c.code}`);
  },
};

const outcomes = new Map(); // name -> { promise, resolve }
const requests = new Map(); // name -> the upgrade request
function expect(name) {
  let resolve;
  const promise = new Promise((r) => { resolve = r; });
  outcomes.set(name, { promise, resolve });
  return promise;
}

async function run_testee(port, name, query = "") {
  const done = expect(name);
  const p = new program("client_testee", [args.testee, `ws://127.0.0.1:${port}/${name}${query}`]);
  try {
    p.start();
    const code = await p.wait_exit(TESTEE_TIMEOUT);
    check(code === 0, `client_testee exited with ${code}; stderr: ${JSON.stringify(p.err_lines.slice(-5))}`);
    const outcome = await with_timeout(done, 5000, "the server script");
    if (outcome) throw new Error(`server script: ${outcome.message}`);
    return p.out_lines;
  } finally {
    await p.stop();
  }
}

function same(a, b) {
  return JSON.stringify(a) === JSON.stringify(b);
}

let wss;
try {
  ensure_node_modules(here);
  const { WebSocketServer } = await import("ws");
  console.log(`node ${process.version}, ws ${package_version(here, "ws")}`);
  // No compression: wsx does not offer it yet (a later issue).
  wss = new WebSocketServer({ host: "127.0.0.1", port: 0, perMessageDeflate: false, maxPayload: 0 });
  await with_timeout(new Promise((res, rej) => { wss.once("listening", res); wss.once("error", rej); }), 10000, "listening");
  const port = wss.address().port;
  wss.on("connection", (ws, req) => {
    const url = new URL(req.url, "http://x");
    const name = url.pathname.slice(1);
    requests.set(name, req);
    const v = new socket_view(ws);
    const script = scripts[name];
    const entry = outcomes.get(name);
    Promise.resolve()
      .then(() => (script ? script(v) : Promise.reject(new Error(`no script for ${req.url}`))))
      .then(() => entry && entry.resolve(null), (e) => { entry && entry.resolve(e); ws.terminate(); });
  });

  await run.case("full_script", async () => {
    const lines = await run_testee(port, "full", "?who=wsx&n=1");
    check(same(lines, ["open", "close 4002 node done"]), `client_testee printed ${JSON.stringify(lines)}, expected ["open","close 4002 node done"]`);
    const req = requests.get("full");
    check(req.url === "/full?who=wsx&n=1", `request target ${req.url}`);
    check(req.headers.host === `127.0.0.1:${port}`, `Host header ${req.headers.host}`);
    check(req.headers["sec-websocket-version"] === "13", `Sec-WebSocket-Version ${req.headers["sec-websocket-version"]}`);
  });
  await run.case("close_1000", async () => {
    const lines = await run_testee(port, "close_normal");
    check(same(lines, ["open", "close 1000"]), `client_testee printed ${JSON.stringify(lines)}, expected ["open","close 1000"]`);
  });
  await run.case("close_1001_reason", async () => {
    const lines = await run_testee(port, "close_going_away");
    check(same(lines, ["open", "close 1001 server going away \u2014 \u00e0 bient\u00f4t"]),
      `client_testee printed ${JSON.stringify(lines)}, expected ["open","close 1001 server going away \u2014 \u00e0 bient\u00f4t"]`);
  });
  if (args["echo-client"]) {
    await run.case("echo_client", async () => {
      const messages = ["one", "two", "h\u00e9llo \u{1F642}", "four"];
      const done = expect("echo");
      const p = new program("echo_client", [args["echo-client"], `ws://127.0.0.1:${port}/echo`, ...messages]);
      try {
        p.start();
        const code = await p.wait_exit(TESTEE_TIMEOUT);
        check(code === 0, `echo_client exited with ${code}; stderr: ${JSON.stringify(p.err_lines.slice(-5))}`);
        check(same(p.out_lines, messages), `echo_client printed ${JSON.stringify(p.out_lines)}`);
        const outcome = await with_timeout(done, 5000, "the server side");
        if (outcome) throw outcome;
      } finally {
        await p.stop();
      }
    });
  }
} catch (e) {
  run.fail("setup", e);
} finally {
  if (wss) {
    for (const c of wss.clients) c.terminate();
    await new Promise((res) => wss.close(res));
  }
}
clearTimeout(overall);
process.exit(run.finish());
