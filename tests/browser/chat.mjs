// Copyright (c) 2026 wsx developers. Distributed under the Boost Software License, Version 1.0.
//
// browser/chat: the chat example (examples/chat) in a real browser, Debian's
// Chromium, driven by playwright-core (pinned in package.json; it never
// downloads a browser of its own).
//
//   node chat.mjs --chat PATH --out DIR [--chromium /usr/bin/chromium]
//
// Two pages join the same room; a message typed in one shows up in the
// other; reloading the second page closes its WebSocket and the first page
// and the server both see it leave. A screenshot of the first page is saved
// as DIR/chat.png. The chat server and Chromium are stopped whatever happens.

import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
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
    chromium: { type: "string", default: "/usr/bin/chromium" },
  },
});
if (!args.chat || !args.out) {
  console.error("usage: node chat.mjs --chat PATH --out DIR [--chromium /usr/bin/chromium]");
  process.exit(2);
}

const run = new runner("browser");
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
const MESSAGE = 'hello from alice <b>not bold</b> & "quotes" \u2014 \ud55c\uae00 \u{1F642}';
const REPLY = "hi alice, bob here";

async function join_room(page, url, name) {
  await page.goto(url, { timeout: 15000 });
  await page.fill("#name", name);
  await page.fill("#room", ROOM);
  await page.click("#join");
  await page.waitForFunction(() => document.querySelector("#status").textContent === "open", null, { timeout: 15000 });
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

async function say(page, text) {
  await page.fill("#text", text);
  await page.click("#send");
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

const chat = new program("chat", [args.chat, "--port", "0", "--host", "127.0.0.1"]);
const profile = mkdtempSync(join(tmpdir(), "wsx-chromium-"));
try {
  check(existsSync(args.chromium),
    `no browser at ${args.chromium}: install Debian's Chromium (apt-get install chromium); ` +
    "the test never downloads one");
  ensure_node_modules(here);
  const { chromium } = await import("playwright-core");
  console.log(`node ${process.version}, playwright-core ${package_version(here, "playwright-core")}`);

  chat.start();
  const port = Number((await chat.wait_line(/^chat listening on port (\d+)$/))[1]);
  const url = `http://127.0.0.1:${port}/`;

  context = await chromium.launchPersistentContext(profile, {
    executablePath: args.chromium,
    headless: true,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
      "--disable-component-update", "--no-first-run", "--disable-sync", "--disable-quic"],
    viewport: { width: 900, height: 720 },
    timeout: 30000,
  });
  console.log(`chromium ${context.browser() ? context.browser().version() : "(persistent context)"}`);
  const alice = context.pages()[0] || (await context.newPage());
  const bob = await context.newPage();
  for (const p of [alice, bob]) p.on("pageerror", (e) => run.fail("page_error", e));

  await run.case("page_served", async () => {
    const res = await alice.goto(url, { timeout: 15000 });
    check(res && res.status() === 200, `GET / answered ${res && res.status()}`);
    check((res.headers()["content-type"] || "").startsWith("text/html"), `GET / is ${res.headers()["content-type"]}`);
    check(await alice.title() === "wsx chat", `the page title is ${await alice.title()}`);
    check(await alice.textContent("#status") === "closed", "the page says open before joining");
  });

  await run.case("both_join", async () => {
    await join_room(alice, url, "alice");
    await join_room(bob, url, "bob");
    await wait_message(alice, "bob joined " + ROOM);
    await chat.wait_line(/^alice joined interop-room \(\d+ here\)$/);
    await chat.wait_line(/^bob joined interop-room \(\d+ here\)$/);
  });

  await run.case("message_arrives", async () => {
    await say(alice, MESSAGE);
    await wait_message(bob, "alice: " + MESSAGE, true);
    await wait_message(alice, "alice: " + MESSAGE, true); // the sender is in the room too
    check(await bob.$$eval("#messages b", (b) => b.length) === 0, "the message was rendered as HTML");
    await say(bob, REPLY);
    await wait_message(alice, "bob: " + REPLY, true);
  });

  await run.case("reload_closes", async () => {
    await bob.reload({ timeout: 15000 });
    // The reloaded page starts over: not joined, no messages.
    check(await bob.textContent("#status") === "closed", "the reloaded page is still joined");
    // The server's on_close ran for bob, and the room heard it.
    const left = await chat.wait_line(/^bob left interop-room \((\d+), (\d+) here\)$/);
    console.log(`server saw bob leave with close code ${left[1]}`);
    check(left[1] === "1001" || left[1] === "1006",
      `bob's socket closed with ${left[1]}; a page going away closes with 1001 (or drops TCP: 1006)`);
    await wait_message(alice, "bob left");
    check(await alice.textContent("#status") === "open", "alice lost her connection when bob left");
  });

  await run.case("screenshot", async () => {
    const file = join(args.out, "chat.png");
    rmSync(file, { force: true });
    await alice.screenshot({ path: file, fullPage: true, timeout: 15000 });
    const png = check_png(file);
    console.log(`screenshot: ${file} (${png.width}x${png.height}, ${png.bytes} bytes)`);
  });
} catch (e) {
  run.fail("setup", e);
} finally {
  await with_timeout(cleanup(), 15000, "closing Chromium").catch((e) => run.fail("cleanup", e));
  await chat.stop();
  rmSync(profile, { recursive: true, force: true });
  if (chat.err_lines.length) console.log("chat stderr (last lines):\n  " + chat.err_lines.slice(-10).join("\n  "));
}
clearTimeout(overall);
process.exit(run.finish());
