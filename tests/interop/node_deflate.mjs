// Copyright (c) 2026 wsx developers. Distributed under the Boost Software License, Version 1.0.
//
// interop/node_deflate_client, interop/node_deflate_server: permessage-deflate
// (RFC 7692) between wsx and Node's `ws` (pinned in package.json), both ways,
// for several parameter sets.
//
//   node node_deflate.mjs --echo-server PATH   ws clients -> echo_server --deflate
//   node node_deflate.mjs --testee PATH        client_testee --deflate -> ws servers
//
// ws runs with `threshold: 0` so that every message is compressed, however
// small; echo_server --deflate and client_testee --deflate compress every
// message too. For each parameter set:
// - the extension is agreed, with the expected parameters, on both sides
//   (ws: `extensions` and the Sec-WebSocket-Extensions header; wsx: the
//   101 echo_server answers, or client_testee's `extensions` line, printed
//   from session::extensions());
// - text and binary messages, compressible and random, 0 B to 1 MiB, and a
//   fragmented compressed message, come back byte for byte;
// - what wsx sends really is compressed (a compressible 1 MiB echo is a
//   small fraction of 1 MiB on the wire), and it keeps or drops its LZ77
//   window as agreed: a random 4000-byte message sent twice echoes much
//   smaller the second time when wsx's side has context takeover and a
//   window of 2^13 or more, and not smaller when it agreed
//   *_no_context_takeover or a window of 2^11 or less (the second copy is
//   then out of reach).
// Everything is on 127.0.0.1, port 0; every wait is bounded; every child
// is stopped.

import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

import { ensure_node_modules } from "./npm_ensure.mjs";
import { MiB, binary_of, check, package_version, program, runner, socket_view, text_of, with_timeout } from "./node_util.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const TESTEE_TIMEOUT = 60000;

const { values: args } = parseArgs({ options: { "echo-server": { type: "string" }, testee: { type: "string" } } });
if (!args["echo-server"] === !args.testee) {
  console.error("usage: node node_deflate.mjs --echo-server PATH | --testee PATH");
  process.exit(2);
}

// Every length encoding and its edges (RFC 6455 5.2), small ones too: with
// threshold 0 even a 0- or 1-byte message is compressed.
const SIZES = [0, 1, 125, 126, 127, 1000, 65535, 65536, 65537, MiB];
const REPEAT_SIZE = 4000;

// Compressible binary: JSON-like records, not valid UTF-8 in places.
function pattern_of(n) {
  const unit = Buffer.from('{"id":12345,"name":"wsx","tags":["a","b"],"ok":true}\xff\x00', "latin1");
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i += unit.length) unit.copy(b, i, 0, Math.min(unit.length, n - i));
  return b;
}

function messages() {
  const out = [];
  for (const n of SIZES) out.push(text_of(n), binary_of(n), pattern_of(n));
  return out;
}

// "a; b=1; c" -> { name: "a", params: { b: "1", c: true } }.
function parse_extension(value) {
  const [name, ...rest] = String(value).split(";").map((s) => s.trim());
  const params = {};
  for (const p of rest) {
    const i = p.indexOf("=");
    if (i < 0) params[p] = true;
    else params[p.slice(0, i).trim()] = p.slice(i + 1).trim().replace(/^"(.*)"$/, "$1");
  }
  return { name, params };
}

function same_params(got, want) {
  const a = Object.keys(got).sort();
  const b = Object.keys(want).sort();
  return JSON.stringify(a) === JSON.stringify(b) && a.every((k) => String(got[k]) === String(want[k]));
}

// The context-takeover expectation for what wsx sends, from the agreed
// parameters seen from wsx's side.
function wsx_keeps_window(params, wsx_role) {
  const side = wsx_role === "server" ? "server" : "client";
  if (params[`${side}_no_context_takeover`]) return false;
  const bits = params[`${side}_max_window_bits`];
  return bits === undefined || bits === true || Number(bits) >= 13;
}

// The bytes the socket read while fn ran (fn: send one message, await its
// echo, nothing else on the wire meanwhile).
async function bytes_read_during(socket, fn) {
  const before = socket.bytesRead;
  await fn();
  return socket.bytesRead - before;
}

// The messages, a fragmented compressed message, and the wire-size checks.
// echo(data) sends data and awaits the same data back (checked). For the
// client direction the peer echoes what we send; for the server direction
// the wsx client echoes what the ws server sends: the same shape both ways.
async function exchange(v, socket, params, wsx_role) {
  for (const m of messages()) await v.expect_echo(m);

  // Fragmented and compressed (ws compresses each fragment with a sync
  // flush; RSV1 on the first frame only).
  const parts = [text_of(3000), text_of(1), text_of(5000)];
  for (let i = 0; i < parts.length; ++i) await v.send(parts[i], { fin: i === parts.length - 1, compress: true });
  const f = await v.next();
  check(!f.is_binary && f.data.toString("utf8") === parts.join(""), `a fragmented compressed text came back different (${f.data.length} bytes)`);
  const bparts = [binary_of(70000), Buffer.alloc(0), pattern_of(20000)];
  for (let i = 0; i < bparts.length; ++i)
    await v.send(bparts[i], { binary: true, fin: i === bparts.length - 1, compress: true });
  const g = await v.next();
  check(g.is_binary && Buffer.compare(g.data, Buffer.concat(bparts)) === 0, "a fragmented compressed binary came back different");

  // wsx compresses: 1 MiB of repetitive text comes back as a few KiB.
  const big = text_of(MiB);
  const n_big = await bytes_read_during(socket, () => v.expect_echo(big));
  check(n_big < MiB / 20, `the 1 MiB compressible echo took ${n_big} bytes on the wire: wsx did not compress it`);

  // wsx keeps (or drops) its window as agreed.
  const r = binary_of(REPEAT_SIZE + 7);
  const first = await bytes_read_during(socket, () => v.expect_echo(r));
  const second = await bytes_read_during(socket, () => v.expect_echo(r));
  if (wsx_keeps_window(params, wsx_role)) {
    check(second * 4 < first, `with context takeover the repeated random message should shrink: ${first} then ${second} bytes`);
  } else {
    check(second * 10 > first * 9, `without context takeover (or with a small window) the repeated random message cannot shrink: ${first} then ${second} bytes`);
  }
  for (const m of [text_of(200), binary_of(10)]) await v.expect_echo(m); // still in step after all that
  return { n_big, first, second };
}

// ---- client direction: ws clients against echo_server --deflate --------------------------------------

// ws client perMessageDeflate options and what echo_server (which accepts
// every valid offer, wsx's default deflate_options) must answer.
const CLIENT_SETS = [
  ["default", {}, {}],
  ["server_no_context_takeover", { serverNoContextTakeover: true }, { server_no_context_takeover: true }],
  ["client_no_context_takeover", { clientNoContextTakeover: true }, { client_no_context_takeover: true }],
  ["server_max_window_bits_9", { serverMaxWindowBits: 9 }, { server_max_window_bits: 9 }],
  ["server_max_window_bits_10", { serverMaxWindowBits: 10 }, { server_max_window_bits: 10 }],
  ["client_max_window_bits_10", { clientMaxWindowBits: 10 }, { client_max_window_bits: 10 }],
  ["server_max_window_bits_8", { serverMaxWindowBits: 8 }, { server_max_window_bits: 8 }],
  ["all_at_once", { serverNoContextTakeover: true, clientNoContextTakeover: true, serverMaxWindowBits: 9, clientMaxWindowBits: 10 },
    { server_no_context_takeover: true, client_no_context_takeover: true, server_max_window_bits: 9, client_max_window_bits: 10 }],
];

async function client_direction(WebSocket, run) {
  const server = new program("echo_server", [args["echo-server"], "--port", "0", "--host", "127.0.0.1", "--deflate"]);
  try {
    server.start();
    const port = Number((await server.wait_line(/^echo_server listening on port (\d+)$/))[1]);
    for (const [name, opts, want] of CLIENT_SETS) {
      await run.case(name, async () => {
        const ws = new WebSocket(`ws://127.0.0.1:${port}/deflate/${name}`, {
          perMessageDeflate: { ...opts, threshold: 0 }, maxPayload: 0, handshakeTimeout: 10000,
        });
        const upgrade = new Promise((res) => ws.once("upgrade", res));
        const v = new socket_view(ws);
        try {
          await with_timeout(v.opened, 15000, "opening");
          const res = await upgrade;
          const header = res.headers["sec-websocket-extensions"];
          check(header !== undefined, "echo_server --deflate answered no Sec-WebSocket-Extensions");
          const ext = parse_extension(header);
          check(ext.name === "permessage-deflate", `echo_server agreed to ${header}`);
          check(same_params(ext.params, want), `echo_server answered "${header}", expected the parameters ${JSON.stringify(want)}`);
          check(ws.extensions === "permessage-deflate", `ws says the extensions in use are "${ws.extensions}"`);
          const seen = await exchange(v, res.socket, ext.params, "server");
          ws.close(1000, "deflate done");
          const c = await with_timeout(v.closed, 20000, "the close handshake");
          check(c.code === 1000, `echo_server answered the close with ${c.code}`);
          console.log(`     ${name}: "${header}"; 1 MiB text echoed in ${seen.n_big} bytes; random ${REPEAT_SIZE + 7} B echoed in ${seen.first} then ${seen.second} bytes`);
        } finally {
          ws.terminate();
        }
      });
    }
    check(server.exit_code === undefined, `echo_server died during the run (${server.exit_code})`);
  } finally {
    await server.stop();
    if (server.err_lines.length) console.log("echo_server stderr (last lines):\n  " + server.err_lines.slice(-10).join("\n  "));
  }
}

// ---- server direction: client_testee --deflate against ws servers --------------------------------------

// [name, ws server perMessageDeflate options, client_testee --deflate
// parameters, the offer wsx must make, the answer (params) ws must give].
const SERVER_SETS = [
  ["default", {}, "", {}, {}],
  ["server_no_context_takeover", { serverNoContextTakeover: true }, "", {}, { server_no_context_takeover: true }],
  ["client_no_context_takeover", { clientNoContextTakeover: true }, "", {}, { client_no_context_takeover: true }],
  ["server_max_window_bits_9", { serverMaxWindowBits: 9 }, "", {}, { server_max_window_bits: 9 }],
  ["server_max_window_bits_10", { serverMaxWindowBits: 10 }, "", {}, { server_max_window_bits: 10 }],
  ["client_max_window_bits_10", { clientMaxWindowBits: 10 }, "", {}, { client_max_window_bits: 10 }],
  // What wsx asks for itself (ws accepts and echoes it).
  ["wsx_offers_client_no_context_takeover", {}, "client_no_context_takeover",
    { client_no_context_takeover: true }, { client_no_context_takeover: true }],
  ["wsx_offers_server_no_context_takeover", {}, "server_no_context_takeover",
    { server_no_context_takeover: true }, { server_no_context_takeover: true }],
  ["wsx_offers_window_bits_10", {}, "server_max_window_bits=10,client_max_window_bits=10",
    { server_max_window_bits: 10, client_max_window_bits: 10 }, { server_max_window_bits: 10, client_max_window_bits: 10 }],
];

async function server_direction(WebSocketServer, run) {
  for (const [name, opts, testee_params, offer_extra, want] of SERVER_SETS) {
    await run.case(name, async () => {
      const wss = new WebSocketServer({ host: "127.0.0.1", port: 0, perMessageDeflate: { ...opts, threshold: 0 }, maxPayload: 0 });
      let testee;
      try {
        await with_timeout(new Promise((res, rej) => { wss.once("listening", res); wss.once("error", rej); }), 10000, "listening");
        let answered;
        wss.once("headers", (headers) => {
          const h = headers.find((l) => /^sec-websocket-extensions:/i.test(l));
          answered = h === undefined ? undefined : h.slice(h.indexOf(":") + 1).trim();
        });
        const connected = new Promise((res) => wss.once("connection", (ws, req) => res({ ws, req })));
        const argv = [args.testee, `ws://127.0.0.1:${wss.address().port}/deflate/${name}`, "--deflate"];
        if (testee_params) argv.push(testee_params);
        testee = new program("client_testee", argv).start();
        const { ws, req } = await with_timeout(connected, 15000, "client_testee to connect");
        const v = new socket_view(ws);

        const offered = parse_extension(req.headers["sec-websocket-extensions"] ?? "");
        check(offered.name === "permessage-deflate", `client_testee --deflate offered "${req.headers["sec-websocket-extensions"]}"`);
        // wsx always offers client_max_window_bits: without a value when it
        // may use 15 bits, with its value when less.
        const want_offer = { client_max_window_bits: true, ...offer_extra };
        check(same_params(offered.params, want_offer), `client_testee offered "${req.headers["sec-websocket-extensions"]}", expected ${JSON.stringify(want_offer)}`);
        check(answered !== undefined, "ws answered no Sec-WebSocket-Extensions");
        const ext = parse_extension(answered);
        check(ext.name === "permessage-deflate" && same_params(ext.params, want), `ws answered "${answered}", expected ${JSON.stringify(want)}`);
        check(ws.extensions === "permessage-deflate", `ws says the extensions in use are "${ws.extensions}"`);
        // wsx's session::extensions() is what the server answered.
        const line = await testee.wait_line(/^extensions (.*)$/, 15000);
        check(line[1] === answered, `client_testee's session::extensions() is "${line[1]}", the server answered "${answered}"`);

        const seen = await exchange(v, req.socket, ext.params, "client");
        ws.close(4003, "deflate done");
        const c = await with_timeout(v.closed, 20000, "the close handshake");
        check(c.code === 4003, `client_testee answered the close with ${c.code}`);
        const code = await testee.wait_exit(TESTEE_TIMEOUT);
        check(code === 0, `client_testee exited with ${code}; stderr: ${JSON.stringify(testee.err_lines.slice(-5))}`);
        const lines = testee.out_lines;
        const expect = ["open", `extensions ${answered}`, "close 4003 deflate done"];
        check(JSON.stringify(lines) === JSON.stringify(expect), `client_testee printed ${JSON.stringify(lines)}, expected ${JSON.stringify(expect)}`);
        console.log(`     ${name}: offered "${req.headers["sec-websocket-extensions"]}", answered "${answered}"; 1 MiB text echoed in ${seen.n_big} bytes; random ${REPEAT_SIZE + 7} B echoed in ${seen.first} then ${seen.second} bytes`);
      } finally {
        if (testee) await testee.stop();
        for (const c of wss.clients) c.terminate();
        await new Promise((res) => wss.close(res));
      }
    });
  }
}

const suite = args["echo-server"] ? "node_deflate_client" : "node_deflate_server";
const run = new runner(suite);
// Bounded as a whole, below ctest's TIMEOUT, so that the cleanup runs.
const overall = setTimeout(() => {
  run.fail("overall", "the run took longer than 150 s");
  process.exit(run.finish());
}, 150000);

try {
  ensure_node_modules(here);
  const ws_module = await import("ws");
  console.log(`node ${process.version}, ws ${package_version(here, "ws")}`);
  if (args["echo-server"]) await client_direction(ws_module.default, run);
  else await server_direction(ws_module.WebSocketServer, run);
} catch (e) {
  run.fail("setup", e);
}
clearTimeout(overall);
process.exit(run.finish());
