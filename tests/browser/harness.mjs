// Runs the built Worker in `wrangler dev` (workerd) and a second local server for pages on
// another origin, and launches Debian's Chromium through playwright-core.

import { spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium } from "playwright-core";

const ROOT = new URL("../../", import.meta.url).pathname;

/** Where test artifacts (screenshots) go; CI keeps target/. */
export const ARTIFACTS = join(ROOT, "target/browser");

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
    server.on("error", reject);
  });
}

/** Starts `wrangler dev` on a free port with an empty edge cache; resolves once it answers. */
export async function startWorker() {
  const port = await freePort();
  const state = mkdtempSync(join(tmpdir(), "eip-browser-"));
  const args = ["dev", "--ip", "127.0.0.1", "--port", String(port), "--inspector-port", String(await freePort()),
    "--show-interactive-dev-session=false", "--persist-to", state, "--log-level", "warn"];
  // Own process group, so stopping it also stops workerd.
  const child = spawn("wrangler", args, { cwd: ROOT, detached: true, stdio: ["ignore", "inherit", "inherit"] });
  const base = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 180_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`wrangler dev exited with ${child.exitCode}`);
    try {
      if ((await fetch(`${base}/reference.json`)).ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error("wrangler dev did not answer within 180 s");
    await new Promise((r) => setTimeout(r, 300));
  }
  return { base, stop: () => process.kill(-child.pid, "SIGTERM") };
}

/** Serves fixed HTML pages on another origin (another port) for cross-origin checks. */
export async function startPageServer(pages) {
  const port = await freePort();
  const server = createServer((req, res) => {
    const page = pages[new URL(req.url, "http://x").pathname];
    res.writeHead(page ? 200 : 404, { "content-type": "text/html; charset=utf-8" });
    res.end(page ?? "not found");
  });
  await new Promise((resolve) => server.listen(port, "127.0.0.1", resolve));
  return { base: `http://127.0.0.1:${port}`, stop: () => server.close() };
}

/** Debian's Chromium, headless, with the flags a machine without internet needs. */
export function launchChromium() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
      "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"],
  });
}
