// Cold start, in workerd alone (no wrangler dev in front: its Node start-up and bundling would
// drown what the module itself costs): our Worker and the fetch-only Worker, each started
// afresh ROUNDS times. For each start: process start (spawn) to the first 200 answer of
// flower → 320 px JPEG (the fetch-only Worker: the flower itself), polled every
// POLL_MS; that first answer's own latency (the first request a fresh isolate serves); and
// the second request's (a new source URL, so a transform again).
import { spawn } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { get } from "./measure.mjs";
import { freePort, stop } from "./processes.mjs";

const ROUNDS = 5;
const POLL_MS = 2;
const GIVE_UP_MS = 60_000;

/** The Workers started cold: their modules (relative to the project root) and the URL asked. */
const WORKERS = {
  ours: {
    modules: [
      { name: "index.js", kind: "esModule", file: "build/index.js" },
      { name: "index_bg.wasm", kind: "wasm", file: "build/index_bg.wasm" },
    ],
    assets: "www",
    url: (base, source) => `${base}/cdn-cgi/image/width=320,format=jpeg,quality=80/${source}`,
  },
  "fetch-worker": {
    modules: [{ name: "index.js", kind: "esModule", file: "bench/workers/fetch/index.js" }],
    url: (base, source) => `${base}/?${new URLSearchParams({ url: source })}`,
  },
};

/**
 * Measures each Worker's cold start against the origin at `originPort`, writing its workerd
 * configs under `workDir`. Returns { name: { rounds: [{ startToFirstMs, firstMs, secondMs }] } }.
 */
export async function coldStart(originPort, workDir, progress) {
  mkdirSync(workDir, { recursive: true });
  const date = readFileSync("wrangler.toml", "utf8").match(/^compatibility_date = "(.*)"$/m)[1];
  const results = {};
  for (const [name, worker] of Object.entries(WORKERS)) {
    const rounds = [];
    for (let round = 1; round <= ROUNDS; round++) {
      progress(`cold start: ${name}, start ${round}/${ROUNDS}`);
      rounds.push(await oneStart(name, worker, originPort, workDir, date, round));
    }
    results[name] = { rounds };
  }
  return results;
}

async function oneStart(name, worker, originPort, workDir, date, round) {
  const port = await freePort();
  const config = path.join(workDir, `${name}-${port}.capnp`);
  writeFileSync(config, capnp(worker, workDir, date, port, originPort));
  const source = (n) => `http://127.0.0.1:${originPort}/flower.jpg?cold=${round}-${n}`;
  const base = `http://127.0.0.1:${port}`;
  const started = process.hrtime.bigint();
  const child = spawn("workerd", ["serve", config], { stdio: "ignore", detached: true });
  try {
    let first;
    while (!first) {
      const answer = await get(worker.url(base, source(1)));
      const elapsedMs = Number(process.hrtime.bigint() - started) / 1e6;
      if (answer.status === 200) {
        first = { startToFirstMs: elapsedMs, firstMs: answer.ms };
      } else if (answer.status !== 0 || elapsedMs > GIVE_UP_MS || child.exitCode !== null) {
        throw new Error(`cold start of ${name}: ${answer.error ?? answer.status} after ${Math.round(elapsedMs)} ms`);
      } else {
        await new Promise((resolve) => setTimeout(resolve, POLL_MS));
      }
    }
    const second = await get(worker.url(base, source(2)));
    if (second.status !== 200) {
      throw new Error(`cold start of ${name}, second request: ${second.error}`);
    }
    return { ...first, secondMs: second.ms };
  } finally {
    await stop(child);
  }
}

// A workerd config serving one Worker on 127.0.0.1:port, allowed to fetch the origin.
function capnp(worker, workDir, date, port, originPort) {
  const embed = (file) => JSON.stringify(path.relative(workDir, path.resolve(file)));
  const modules = worker.modules.map((m) => `(name = "${m.name}", ${m.kind} = embed ${embed(m.file)})`).join(", ");
  const assets = worker.assets ? `, (name = "ASSETS", service = "www")` : "";
  return `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [
    (name = "main", worker = .worker),
    (name = "www", disk = (path = ${JSON.stringify(path.resolve(worker.assets ?? "www"))})),
    (name = "internet", network = (allow = ["public", "private", "local"])),
  ],
  sockets = [(name = "http", address = "127.0.0.1:${port}", http = (), service = "main")],
);
const worker :Workerd.Worker = (
  modules = [${modules}],
  compatibilityDate = "${date}",
  bindings = [(name = "ALLOWED_SOURCES", text = "127.0.0.1:${originPort}")${assets}],
);
`;
}
