// Copyright (c) 2026 wsx developers. Distributed under the Boost Software License, Version 1.0.
//
// Installs a test folder's pinned npm packages (package-lock.json) with
// `npm ci` when node_modules is missing or was installed from another lock
// file, so that a fresh clone (CI) needs nothing but node and npm.
//
//   node npm_ensure.mjs DIR     (ctest's setup step; exit 0 when installed)
//   import { ensure_node_modules } from "./npm_ensure.mjs"   (the test scripts)
//
// Only the npm registry is reached, and only by npm itself; the browser
// tests never download a browser (they use Debian's /usr/bin/chromium).

import { spawnSync } from "node:child_process";
import { copyFileSync, existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const stamp_name = ".wsx-package-lock.json";

export function ensure_node_modules(dir) {
  const lock = join(dir, "package-lock.json");
  const stamp = join(dir, "node_modules", stamp_name);
  if (!existsSync(lock)) throw new Error(`no package-lock.json in ${dir}`);
  if (existsSync(stamp) && readFileSync(stamp, "utf8") === readFileSync(lock, "utf8")) return;

  console.log(`npm ci in ${dir}`);
  const npm = spawnSync("npm", ["ci", "--no-audit", "--no-fund", "--ignore-scripts", "--loglevel=error"], {
    cwd: dir,
    stdio: "inherit",
    timeout: 300_000,
  });
  if (npm.error) throw new Error(`npm ci in ${dir} could not run (${npm.error.message}); is npm installed?`);
  if (npm.status !== 0) throw new Error(`npm ci in ${dir} failed with exit code ${npm.status}`);
  copyFileSync(lock, stamp);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const dir = process.argv[2];
  if (!dir) {
    console.error("usage: node npm_ensure.mjs DIR");
    process.exit(2);
  }
  try {
    ensure_node_modules(resolve(dir));
  } catch (e) {
    console.error(`FAIL: ${e.message}`);
    process.exit(1);
  }
}
