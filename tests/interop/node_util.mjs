// Copyright (c) 2026 wsx developers. Distributed under the Boost Software License, Version 1.0.
//
// What node_client.mjs, node_server.mjs and the browser test share: running
// wsx's programs as children that are always stopped, a bounded case
// runner, and a promise-shaped view of a `ws` socket.

import { spawn } from "node:child_process";
import { accessSync, constants, readFileSync } from "node:fs";
import { join } from "node:path";

export const MiB = 1 << 20;

// Every length encoding and its edges (RFC 6455 5.2).
export const SIZES = [0, 1, 125, 126, 127, 65535, 65536, 65537, MiB];

// The installed version of an npm package, for the log.
export function package_version(dir, name) {
  return JSON.parse(readFileSync(join(dir, "node_modules", name, "package.json"), "utf8")).version;
}

export function check(cond, what) {
  if (!cond) throw new Error(what);
}

// Exactly n UTF-8 bytes mixing 1- to 4-byte characters.
export function text_of(n) {
  const unit = "a\u00e9\u20ac\u{1F642}"; // 1 + 2 + 3 + 4 bytes
  const s = unit.repeat(Math.floor(n / 10));
  return s + "a".repeat(n - Buffer.byteLength(s));
}

// n deterministic pseudo-random bytes.
export function binary_of(n) {
  const b = Buffer.alloc(n);
  let x = (n * 2654435761) >>> 0 || 1;
  for (let i = 0; i < n; ++i) {
    x ^= x << 13; x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5; x >>>= 0;
    b[i] = x & 0xff;
  }
  return b;
}

export function with_timeout(promise, ms, what) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: timed out after ${ms / 1000} s`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

// Every child started here, so that an exit for any reason stops them.
const children = new Set();
function kill_all() {
  for (const c of children) {
    try { c.kill("SIGKILL"); } catch { /* already gone */ }
  }
}
process.on("exit", kill_all);
for (const sig of ["SIGINT", "SIGTERM", "SIGHUP"]) {
  process.on(sig, () => { kill_all(); process.exit(1); });
}

// A wsx program as a child process: stdout lines are collected.
export class program {
  constructor(name, argv) {
    this.name = name;
    this.argv = argv;
    this.out_lines = [];
    this.err_lines = [];
    this.exit_code = undefined;
    this.waiters = [];
  }

  start() {
    try {
      accessSync(this.argv[0], constants.X_OK);
    } catch {
      throw new Error(`${this.name}: no executable at ${this.argv[0]} (build it first)`);
    }
    this.child = spawn(this.argv[0], this.argv.slice(1), { stdio: ["ignore", "pipe", "pipe"] });
    children.add(this.child);
    const lines = (stream, into) => {
      let partial = "";
      stream.setEncoding("utf8");
      stream.on("data", (chunk) => {
        partial += chunk;
        let i;
        while ((i = partial.indexOf("\n")) >= 0) {
          into.push(partial.slice(0, i));
          partial = partial.slice(i + 1);
          this.notify();
        }
      });
      stream.on("end", () => { if (partial) into.push(partial); this.notify(); });
    };
    lines(this.child.stdout, this.out_lines);
    lines(this.child.stderr, this.err_lines);
    this.exited = new Promise((res) => {
      this.child.on("close", (code, signal) => {
        children.delete(this.child);
        this.exit_code = code ?? signal;
        this.notify();
        res(this.exit_code);
      });
      this.child.on("error", (e) => {
        children.delete(this.child);
        this.exit_code = `spawn error ${e.message}`;
        this.notify();
        res(this.exit_code);
      });
    });
    return this;
  }

  notify() {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  changed() {
    return new Promise((res) => this.waiters.push(res));
  }

  // The first stdout line matching re (anchored), or an error.
  async wait_line(re, ms = 15000) {
    const deadline = Date.now() + ms;
    for (;;) {
      for (const line of this.out_lines) {
        const m = line.match(re);
        if (m) return m;
      }
      if (this.exit_code !== undefined)
        throw new Error(`${this.name} exited (${this.exit_code}) before printing ${re}; stderr: ${JSON.stringify(this.err_lines.slice(-5))}`);
      const left = deadline - Date.now();
      if (left <= 0)
        throw new Error(`${this.name} printed no line ${re} within ${ms / 1000} s; stdout: ${JSON.stringify(this.out_lines.slice(-5))}`);
      await Promise.race([this.changed(), new Promise((r) => setTimeout(r, Math.min(left, 500)))]);
    }
  }

  async wait_exit(ms) {
    return with_timeout(this.exited, ms, `${this.name} to exit`);
  }

  // SIGTERM, then SIGKILL after 5 s.
  async stop() {
    if (!this.child || this.exit_code !== undefined) return;
    this.child.kill("SIGTERM");
    const killer = setTimeout(() => this.child.kill("SIGKILL"), 5000);
    await this.exited;
    clearTimeout(killer);
  }
}

// Runs named cases one after another, each bounded; prints a line per case
// and the plain closing line.
export class runner {
  constructor(suite) {
    this.suite = suite;
    this.passed = 0;
    this.failed = [];
  }

  async case(name, fn, ms = 60000) {
    const start = Date.now();
    try {
      await with_timeout(Promise.resolve().then(fn), ms, name);
      this.passed += 1;
      console.log(`ok   ${this.suite}/${name} (${((Date.now() - start) / 1000).toFixed(2)} s)`);
    } catch (e) {
      this.fail(name, e);
    }
  }

  fail(name, e) {
    this.failed.push(name);
    console.log(`FAIL ${this.suite}/${name}: ${e && e.message ? e.message : e}`);
  }

  finish() {
    console.log(`${this.suite}: ${this.passed} passed, ${this.failed.length} failed`);
    return this.failed.length === 0 && this.passed > 0 ? 0 : 1;
  }
}

// A `ws` socket seen as promises: next() is the next message, closed is the
// close event's (code, reason), opened the open event.
export class socket_view {
  constructor(ws) {
    this.ws = ws;
    this.queue = [];
    this.takers = [];
    this.error = null;
    this.opened = new Promise((res, rej) => {
      ws.once("open", res);
      ws.once("error", rej);
    });
    this.opened.catch(() => {});
    this.closed = new Promise((res) => {
      ws.on("close", (code, reason) => {
        res({ code, reason: reason.toString("utf8") });
        for (const t of this.takers.splice(0)) t.reject(new Error(`closed with ${code} while waiting for a message`));
      });
    });
    ws.on("error", (e) => { this.error = e; });
    ws.on("message", (data, is_binary) => {
      const m = { data, is_binary };
      const t = this.takers.shift();
      if (t) t.resolve(m); else this.queue.push(m);
    });
  }

  next(ms = 20000) {
    if (this.queue.length) return Promise.resolve(this.queue.shift());
    if (this.ws.readyState === 3) return Promise.reject(new Error("the socket is closed"));
    let taker;
    const p = new Promise((resolve, reject) => { taker = { resolve, reject }; this.takers.push(taker); });
    // A timed-out wait must not swallow the message that comes later.
    return with_timeout(p, ms, "a message").catch((e) => {
      this.takers = this.takers.filter((t) => t !== taker);
      throw e;
    });
  }

  send(data, options = {}) {
    return new Promise((res, rej) => this.ws.send(data, options, (e) => (e ? rej(e) : res())));
  }

  // Sends data and checks it comes back unchanged, same type.
  async expect_echo(data) {
    await this.send(data);
    const m = await this.next();
    const sent_binary = typeof data !== "string";
    const what = `${sent_binary ? "binary" : "text"} of ${Buffer.byteLength(data)} bytes`;
    check(m.is_binary === sent_binary, `sent ${what}, got back ${m.is_binary ? "binary" : "text"}`);
    const expected = sent_binary ? Buffer.from(data) : Buffer.from(data, "utf8");
    check(Buffer.compare(m.data, expected) === 0, `sent ${what}, the echo differs (${m.data.length} bytes back)`);
  }
}
