// Copyright (c) 2026 wsx developers. Distributed under the Boost Software License, Version 1.0.
//
// browser/chat and browser/chat_tls: the chat example (examples/chat) in a
// real browser, Debian's Chromium, driven by playwright-core (pinned in
// package.json; it never downloads a browser of its own).
//
//   node chat.mjs --chat PATH --out DIR --deflate ON|OFF [--tls] [--chromium /usr/bin/chromium]
//
// Two pages join the same room; a message typed in one shows up in the
// other; a third page in another room never sees it (nor do the first two
// see the third's), and each page's #count shows how many are in its room;
// reloading the second page closes its WebSocket and the first page and the
// server both see it leave, the count dropping to 1. Every line on the page names the
// handler that ran (onopen, onmessage, onclose with the code, its meaning
// and the reason, onerror), and #status follows readyState: leaving shows
// CLOSING then CLOSED and "onclose 1000 normal closure, no reason"; a join the server
// refuses (a room name too long for its request limits: 431) shows onerror
// and "onclose 1006". --deflate says whether the chat binary
// was built with zlib: then Chromium must have agreed to permessage-deflate,
// otherwise it must not have. With --tls the chat serves its page over
// https:// and the rooms over wss://, with a throwaway CA and server
// certificate made now by the openssl command; Chromium trusts exactly that
// server key (--ignore-certificate-errors-spki-list), nothing else. A
// screenshot of the first page is saved as DIR/chat.png (chat_tls.png). The
// chat server and Chromium are stopped whatever happens.

import { execFileSync } from "node:child_process";
import { createHash, X509Certificate } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { connect as tls_connect } from "node:tls";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

import { ensure_node_modules } from "../interop/npm_ensure.mjs";
import { check, package_version, program, runner, with_timeout } from "../interop/node_util.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const { values: args } = parseArgs({
  options: {
    chat: { type: "string" },
    out: { type: "string" },
    deflate: { type: "string" },
    tls: { type: "boolean", default: false },
    chromium: { type: "string", default: "/usr/bin/chromium" },
  },
});
const on_off = { ON: true, OFF: false, on: true, off: false, 1: true, 0: false, TRUE: true, FALSE: false };
if (!args.chat || !args.out || !(args.deflate in on_off)) {
  console.error("usage: node chat.mjs --chat PATH --out DIR --deflate ON|OFF [--tls] [--chromium /usr/bin/chromium]");
  process.exit(2);
}
const deflate = on_off[args.deflate];
const suite = args.tls ? "browser_tls" : "browser";

const run = new runner(suite);
let context;
const cleanup = async () => {
  if (context) await context.close().catch(() => {});
  context = undefined;
};
// Below ctest's TIMEOUT, so that Chromium and the server are stopped by us.
const overall = setTimeout(async () => {
  run.fail("overall", "the run took longer than 75 s");
  await Promise.race([cleanup(), new Promise((r) => setTimeout(r, 5000))]);
  process.exit(run.finish());
}, 75000);

const ROOM = "interop-room";
// Markup and quotes must arrive as text; multi-byte UTF-8 must survive.
// Longer than the chat's 64-byte compression threshold, so with deflate
// the broadcast really is compressed and Chromium really inflates it.
const MESSAGE = 'hello from alice <b>not bold</b> & "quotes" \u2014 \ud55c\uae00 \u{1F642}';
const REPLY = "hi alice, bob here";
// The rooms-apart case: a third page in OTHER_ROOM, and one message from each page.
const OTHER_ROOM = "other-room";
const ALICE_ROOM_ONLY = "for interop-room only, says alice";
const CAROL_ROOM_ONLY = "for other-room only, says carol";
const BOB_BARRIER = "bob again, in the same room";

// A throwaway CA and a server certificate for localhost and 127.0.0.1
// signed by it: the two commands examples/chat/README.md shows.
function make_certs(dir) {
  const openssl = (argv) => execFileSync("openssl", argv, { cwd: dir, timeout: 30000, stdio: ["ignore", "ignore", "pipe"] });
  const p256 = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-noenc", "-days", "1"];
  try {
    openssl(["req", "-x509", ...p256, "-subj", "/CN=wsx-test-ca", "-keyout", "ca.key", "-out", "ca.pem"]);
    openssl(["req", "-x509", "-CA", "ca.pem", "-CAkey", "ca.key", ...p256, "-subj", "/CN=localhost",
      "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1", "-addext", "basicConstraints=critical,CA:FALSE",
      "-keyout", "key.pem", "-out", "cert.pem"]);
  } catch (e) {
    throw new Error(`openssl could not make the test certificates (${e.message.split("\n")[0]}); ` +
      "is the openssl command installed?");
  }
  const ca = readFileSync(join(dir, "ca.pem"), "utf8");
  const cert = new X509Certificate(readFileSync(join(dir, "cert.pem")));
  check(cert.verify(new X509Certificate(ca).publicKey), "the server certificate is not signed by the test CA");
  // What Chromium pins: base64(SHA-256(DER SubjectPublicKeyInfo)).
  const spki = createHash("sha256").update(cert.publicKey.export({ type: "spki", format: "der" })).digest("base64");
  return { ca, cert: join(dir, "cert.pem"), key: join(dir, "key.pem"), fingerprint: cert.fingerprint256, spki };
}

// Node's TLS, trusting only the test CA, checks what the chat serves: the
// chain verifies for "localhost" and the leaf is the certificate made above.
function check_served_certificate(port, certs) {
  return with_timeout(new Promise((resolve, reject) => {
    const socket = tls_connect({ host: "127.0.0.1", port, ca: certs.ca, servername: "localhost" }, () => {
      const peer = socket.getPeerCertificate();
      const protocol = socket.getProtocol();
      socket.destroy();
      if (!socket.authorized) reject(new Error(`the chat's certificate does not verify: ${socket.authorizationError}`));
      else if (peer.fingerprint256 !== certs.fingerprint) reject(new Error("the chat serves another certificate"));
      else resolve(protocol);
    });
    socket.on("error", reject);
  }), 10000, "a TLS connection to the chat");
}

// Joins on a freshly loaded page and waits until the page saw the server
// announce its own join: after that it is in the room, and its #count is
// that announcement's unless someone else joins or leaves.
async function join_room(page, url, name, room = ROOM) {
  await page.goto(url, { timeout: 15000 });
  await page.fill("#name", name);
  await page.fill("#room", room);
  await page.click("#join");
  await page.waitForFunction(() => document.querySelector("#status").textContent === "OPEN", null, { timeout: 15000 });
  await wait_message(page, `onmessage ${name} joined ${room} (`, false);
}

// What the page's #count shows: the members of its room, or "-" when it is in none.
async function check_count(page, who, expected) {
  const shown = await page.textContent("#count");
  check(shown === String(expected), `${who}'s page shows ${JSON.stringify(shown)} in the room, not ${expected}`);
}

// No line of the page contains any of texts.
async function check_never(page, who, texts) {
  for (const line of await messages(page))
    for (const t of texts) check(!line.includes(t), `${who}'s page shows ${JSON.stringify(line)}, which is not for its room`);
}

// The li texts of #messages.
function messages(page) {
  return page.$$eval("#messages li", (lis) => lis.map((li) => li.textContent));
}

async function wait_message(page, text, exact) {
  await page.waitForFunction(
    ([t, e]) => [...document.querySelectorAll("#messages li")].some((li) => (e ? li.textContent === t : li.textContent.includes(t))),
    [text, exact], { timeout: 15000 },
  ).catch(async () => {
    throw new Error(`no message ${JSON.stringify(text)} on the page; it shows ${JSON.stringify(await messages(page))}`);
  });
}

// Waits until at least n lines of the page contain text.
async function wait_count(page, text, n) {
  await page.waitForFunction(
    ([t, n]) => [...document.querySelectorAll("#messages li")].filter((li) => li.textContent.includes(t)).length >= n,
    [text, n], { timeout: 15000 },
  ).catch(async () => {
    throw new Error(`fewer than ${n} lines with ${JSON.stringify(text)}; the page shows ${JSON.stringify(await messages(page))}`);
  });
}

async function count(page, text) {
  return (await messages(page)).filter((line) => line.includes(text)).length;
}

async function say(page, text) {
  await page.fill("#text", text);
  await page.click("#send");
}

// What the page's open WebSocket agreed to: the browser's own
// ws.extensions, and what the page shows in #extensions.
async function check_extensions(page, who) {
  // `ws` is the page script's top-level `let`, visible to evaluated code.
  const { url, extensions, shown } = await page.evaluate(() => ({
    url: ws.url,
    extensions: ws.extensions,
    shown: document.querySelector("#extensions").textContent,
  }));
  const scheme = args.tls ? "wss:" : "ws:";
  check(url.startsWith(scheme + "//"), `${who}'s WebSocket is ${url}, not ${scheme}`);
  if (deflate) {
    check(extensions.split(",").some((e) => e.trim().split(";")[0].trim() === "permessage-deflate"),
      `${who}: the chat was built with deflate but Chromium agreed to ${JSON.stringify(extensions)}`);
  } else {
    check(extensions === "", `${who}: the chat was built without deflate but Chromium agreed to ${JSON.stringify(extensions)}`);
  }
  check(shown === (extensions || "none"), `${who}'s page shows extensions ${JSON.stringify(shown)}, the socket says ${JSON.stringify(extensions)}`);
  return extensions;
}

function check_png(file) {
  check(existsSync(file), `no screenshot at ${file}`);
  const png = readFileSync(file);
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  check(png.length > 1000, `${file} is only ${png.length} bytes`);
  check(png.subarray(0, 8).equals(signature), `${file} is not a PNG`);
  check(png.subarray(12, 16).toString("latin1") === "IHDR", `${file} has no IHDR chunk first`);
  const width = png.readUInt32BE(16);
  const height = png.readUInt32BE(20);
  check(width > 0 && height > 0, `${file} is ${width}x${height}`);
  return { bytes: png.length, width, height };
}

const profile = mkdtempSync(join(tmpdir(), "wsx-chromium-"));
const cert_dir = args.tls ? mkdtempSync(join(tmpdir(), "wsx-chat-certs-")) : undefined;
let chat;
try {
  check(existsSync(args.chromium),
    `no browser at ${args.chromium}: install Debian's Chromium (apt-get install chromium); ` +
    "the test never downloads one");
  ensure_node_modules(here);
  const { chromium } = await import("playwright-core");
  console.log(`node ${process.version}, playwright-core ${package_version(here, "playwright-core")}`);
  console.log(`chat built ${deflate ? "with" : "without"} permessage-deflate; ${args.tls ? "https:// + wss://" : "http:// + ws://"}`);

  const flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--no-first-run", "--disable-sync", "--disable-quic"];
  const chat_argv = [args.chat, "--port", "0", "--host", "127.0.0.1"];
  let certs;
  if (args.tls) {
    certs = make_certs(cert_dir);
    console.log(`server key SPKI sha256 ${certs.spki}`);
    chat_argv.push("--tls", "--cert", certs.cert, "--key", certs.key);
    // Trust this one server key despite its unknown CA; every other
    // certificate error still fails the page.
    flags.push(`--ignore-certificate-errors-spki-list=${certs.spki}`);
  }

  chat = new program("chat", chat_argv);
  chat.start();
  const port = Number((await chat.wait_line(/^chat listening on port (\d+)$/))[1]);
  const url = `${args.tls ? "https" : "http"}://127.0.0.1:${port}/`;
  if (args.tls) console.log(`node's TLS verified the chat's certificate (${await check_served_certificate(port, certs)})`);

  context = await chromium.launchPersistentContext(profile, {
    executablePath: args.chromium,
    headless: true,
    args: flags,
    viewport: { width: 900, height: 720 },
    timeout: 30000,
  });
  context.setDefaultTimeout(15000); // every Playwright action and wait is bounded
  console.log(`chromium ${context.browser() ? context.browser().version() : "(persistent context)"}`);
  const alice = context.pages()[0] || (await context.newPage());
  const bob = await context.newPage();
  const carol = await context.newPage(); // in OTHER_ROOM
  for (const p of [alice, bob, carol]) p.on("pageerror", (e) => run.fail("page_error", e));

  await run.case("page_served", async () => {
    const res = await alice.goto(url, { timeout: 15000 });
    check(res && res.status() === 200, `GET / answered ${res && res.status()}`);
    check((res.headers()["content-type"] || "").startsWith("text/html"), `GET / is ${res.headers()["content-type"]}`);
    check(await alice.title() === "wsx chat", `the page title is ${await alice.title()}`);
    check(await alice.textContent("#status") === "CLOSED", "the page is not CLOSED before joining");
    await check_count(alice, "alice", "-");
    const protocol = await alice.evaluate(() => location.protocol);
    check(protocol === (args.tls ? "https:" : "http:"), `the page was loaded over ${protocol}`);
    if (args.tls) {
      const security = await res.securityDetails();
      check(security && /^TLS/.test(security.protocol || ""), `no TLS details for the page: ${JSON.stringify(security)}`);
      check(security.subjectName === "localhost", `the page's certificate is for ${security.subjectName}`);
      check(security.issuer === "wsx-test-ca", `the page's certificate was issued by ${security.issuer}`);
      console.log(`page over ${security.protocol}, certificate for ${security.subjectName} from ${security.issuer}`);
    }
  });

  await run.case("both_join", async () => {
    await join_room(alice, url, "alice");
    await join_room(bob, url, "bob");
    await wait_message(alice, "onmessage bob joined " + ROOM, false);
    await wait_message(bob, "onopen connected to ", false);
    await chat.wait_line(/^alice joined interop-room \(1 here\)$/);
    await chat.wait_line(/^bob joined interop-room \(2 here\)$/);
    // alice saw her own join (1 here) before bob joined, then bob's (2 here); bob saw his own.
    await wait_message(alice, `onmessage bob joined ${ROOM} (2 here)`, true);
    await check_count(alice, "alice", 2);
    await check_count(bob, "bob", 2);
    const first = (await messages(alice))[0] || "";
    check(first.startsWith("onopen connected to ws"), `alice's first line is ${JSON.stringify(first)}, not onopen`);
  });

  await run.case(deflate ? "deflate_agreed" : "no_deflate", async () => {
    const a = await check_extensions(alice, "alice");
    await check_extensions(bob, "bob");
    console.log(`Chromium's ws.extensions: ${JSON.stringify(a)}`);
  });

  await run.case("message_arrives", async () => {
    await say(alice, MESSAGE);
    await wait_message(bob, "onmessage alice: " + MESSAGE, true);
    await wait_message(alice, "onmessage alice: " + MESSAGE, true); // the sender is in the room too
    check(await bob.$$eval("#messages b", (b) => b.length) === 0, "the message was rendered as HTML");
    await say(bob, REPLY);
    await wait_message(alice, "onmessage bob: " + REPLY, true);
  });

  // A room is a topic: a publish reaches its subscribers and no one else.
  // The negative checks come after barriers the server orders for us (it
  // writes to each connection in the order it published to it): carol's own
  // message reaches carol after anything published to her before it, and so
  // does bob's own message to bob and alice. No sleeping.
  await run.case("rooms_apart", async () => {
    await join_room(carol, url, "carol", OTHER_ROOM);
    await chat.wait_line(/^carol joined other-room \(1 here\)$/);
    await check_count(carol, "carol", 1);
    await say(alice, ALICE_ROOM_ONLY);
    await wait_message(bob, "onmessage alice: " + ALICE_ROOM_ONLY, true);   // published, to ROOM
    await wait_message(alice, "onmessage alice: " + ALICE_ROOM_ONLY, true);
    await say(carol, CAROL_ROOM_ONLY);
    await wait_message(carol, "onmessage carol: " + CAROL_ROOM_ONLY, true); // after alice's, had it come
    await say(bob, BOB_BARRIER);
    await wait_message(bob, "onmessage bob: " + BOB_BARRIER, true);          // after carol's, had it come
    await wait_message(alice, "onmessage bob: " + BOB_BARRIER, true);
    // carol's lines: her onopen, her join and her message; nothing of alice's or bob's room.
    await check_never(carol, "carol", ["alice", "bob", ALICE_ROOM_ONLY, BOB_BARRIER, ROOM]);
    for (const [page, who] of [[alice, "alice"], [bob, "bob"]])
      await check_never(page, who, ["carol", CAROL_ROOM_ONLY, OTHER_ROOM]);
    await check_count(alice, "alice", 2);
    await check_count(bob, "bob", 2);
    await check_count(carol, "carol", 1);
    console.log(`carol in ${OTHER_ROOM} saw ${(await messages(carol)).length} lines, none from ${ROOM}`);
  });

  await run.case("reload_closes", async () => {
    await bob.reload({ timeout: 15000 });
    // The reloaded page starts over: not joined, no messages.
    check(await bob.textContent("#status") === "CLOSED", "the reloaded page is still joined");
    await check_count(bob, "bob", "-");
    // The server's on_close ran for bob, and the room heard it.
    const left = await chat.wait_line(/^bob left interop-room \((\d+), (\d+) here\)$/);
    console.log(`server saw bob leave with close code ${left[1]}`);
    check(left[1] === "1001" || left[1] === "1006",
      `bob's socket closed with ${left[1]}; a page going away closes with 1001 (or drops TCP: 1006)`);
    check(left[2] === "1", `the server counts ${left[2]} in ${ROOM} after bob left, not 1 (carol is elsewhere)`);
    await wait_message(alice, "onmessage bob left (1 here)", true);
    check(await alice.textContent("#status") === "OPEN", "alice lost her connection when bob left");
    await check_count(alice, "alice", 1);
  });

  await run.case("leave_closes", async () => {
    const left_before = await count(alice, "bob left");
    await join_room(bob, url, "bob");
    await check_count(bob, "bob", 2);
    await wait_count(alice, `onmessage bob joined ${ROOM} (2 here)`, 2); // the second time bob joined
    await check_count(alice, "alice", 2);
    // close() makes readyState CLOSING at once; read it in the same task, before the server can answer.
    const [closing, shown] = await bob.evaluate(() => {
      document.querySelector("#leave").click();
      return [document.querySelector("#status").textContent, document.querySelector("#count").textContent];
    });
    check(closing === "CLOSING", `right after leave the page shows ${closing}, not CLOSING`);
    check(shown === "-", `right after leave the page shows ${JSON.stringify(shown)} in the room, not "-"`);
    // The reason shown is the server's, from its close frame; wsx answers a close with the code alone.
    await wait_message(bob, "onclose 1000 normal closure, no reason", true);
    check(await bob.textContent("#status") === "CLOSED", "after onclose the page is not CLOSED");
    await chat.wait_line(/^bob left interop-room \(1000, \d+ here\)$/);
    await wait_count(alice, "bob left", left_before + 1);
    await check_count(alice, "alice", 1);
    await check_count(bob, "bob", "-");
  });

  await run.case("refused_onerror", async () => {
    await bob.evaluate(() => { document.querySelector("#room").value = "x".repeat(20000); }); // past maxlength
    await bob.click("#join");
    await wait_message(bob, "onerror the connection failed", true);
    await wait_message(bob, "onclose 1006 abnormal closure (no close frame), no reason", true);
    check(await bob.textContent("#status") === "CLOSED", "a refused connection does not show CLOSED");
    await check_count(bob, "bob", "-");
    const handlers = new Set((await messages(bob)).map((line) => line.split(" ")[0]));
    for (const h of ["onopen", "onmessage", "onclose", "onerror"]) check(handlers.has(h), `no ${h} line on the page`);
  });

  await run.case("screenshot", async () => {
    const file = join(args.out, args.tls ? "chat_tls.png" : "chat.png");
    rmSync(file, { force: true });
    await alice.screenshot({ path: file, fullPage: true, timeout: 15000 });
    const png = check_png(file);
    console.log(`screenshot: ${file} (${png.width}x${png.height}, ${png.bytes} bytes)`);
  });
} catch (e) {
  run.fail("setup", e);
} finally {
  await with_timeout(cleanup(), 15000, "closing Chromium").catch((e) => run.fail("cleanup", e));
  if (chat) await chat.stop();
  rmSync(profile, { recursive: true, force: true });
  if (cert_dir) rmSync(cert_dir, { recursive: true, force: true });
  if (chat && chat.err_lines.length) console.log("chat stderr (last lines):\n  " + chat.err_lines.slice(-10).join("\n  "));
}
clearTimeout(overall);
process.exit(run.finish());
