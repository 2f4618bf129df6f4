// Builds of our Worker side by side, in one run: for each Wasm module given (build/index_bg.wasm
// and variants of it: wasm-opt levels, other crate features), the gzipped size, and in workerd
// alone (no wrangler dev) the median latency and the workerd process's CPU time per request
// on flower → 720 px JPEG, flower → 320 px WebP and JPEG and the 12 Mpx JPEG → 320 px JPEG.
// The modules take turns, ROUNDS times, so that a change in the machine's load falls on each
// alike. Not part of make test.
//
// Usage: node bench/variants.mjs name=path [name=path ...], each path a build directory (its
// index.js and index_bg.wasm: a copy of build/ from another commit) or a .wasm file made from
// build/index_bg.wasm (wasm-opt levels: it takes build/index.js, wasm-bindgen's glue).
// VARIANT_WORKLOADS=flower-720-jpeg,12mp-320-jpeg measures those only.
// VARIANT_ROUNDS=8 VARIANT_REQUESTS=30 takes more samples (defaults 3 and 15).
import { mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { join } from "node:path";
import { prepareInputs } from "./inputs.mjs";
import { get, percentile } from "./measure.mjs";
import { WORKERD_WORKERS, cpuMs, spawnWorkerd, startNode, stop } from "./processes.mjs";

const WORK = "bench/.work";
// VARIANT_ROUNDS and VARIANT_REQUESTS raise these when two builds differ by less than the
// rounds' spread.
const ROUNDS = Number(process.env.VARIANT_ROUNDS ?? 3);
const WARMUPS = 5;
const REQUESTS = Number(process.env.VARIANT_REQUESTS ?? 15);
const ALL_WORKLOADS = {
  "flower-720-jpeg": { input: "flower.jpg", options: "width=720,format=jpeg,quality=80" },
  "flower-320-webp": { input: "flower.jpg", options: "width=320,format=webp,quality=80" },
  "flower-320-jpeg": { input: "flower.jpg", options: "width=320,format=jpeg,quality=80" },
  "12mp-320-jpeg": { input: "flower-12mp.jpg", options: "width=320,format=jpeg,quality=80" },
};
const WORKLOADS = Object.fromEntries(
  Object.entries(ALL_WORKLOADS).filter(([id]) => !process.env.VARIANT_WORKLOADS || process.env.VARIANT_WORKLOADS.split(",").includes(id)),
);

async function main() {
  const variants = process.argv.slice(2).map((arg) => {
    const [name, path] = arg.split("=");
    const dir = statSync(path).isDirectory() ? path : null;
    const files = { "index.js": dir ? join(dir, "index.js") : "build/index.js", "index_bg.wasm": dir ? join(dir, "index_bg.wasm") : path };
    return { name, files, gzip: gzipSync(readFileSync(files["index_bg.wasm"]), { level: 9 }).length };
  });
  mkdirSync(join(WORK, "logs"), { recursive: true });
  const inputs = await prepareInputs(join(WORK, "inputs"));
  writeFileSync(join(WORK, "inputs.json"), JSON.stringify(inputs, null, 2));
  const origin = await startNode("bench/origin.mjs", [join(WORK, "inputs.json")], join(WORK, "logs/variants-origin.log"));
  const samples = {};
  try {
    for (let round = 1; round <= ROUNDS; round++) {
      for (const variant of variants) {
        const worker = {
          ...WORKERD_WORKERS.ours,
          modules: WORKERD_WORKERS.ours.modules.map((m) => ({ ...m, file: variant.files[m.name] })),
        };
        const started = await spawnWorkerd(worker, origin.port, WORK);
        try {
          for (const [workload, { input, options }] of Object.entries(WORKLOADS)) {
            process.stderr.write(`round ${round}/${ROUNDS} ${variant.name} ${workload}\n`);
            const cell = (samples[`${variant.name} ${workload}`] ??= { ms: [], cpu: [] });
            let n = 0;
            const url = () => `${started.base}/cdn-cgi/image/${options}/http://127.0.0.1:${origin.port}/${input}?v=${round}-${++n}`;
            await ready(url);
            for (let i = 0; i < WARMUPS; i++) {
              await must(url());
            }
            const before = cpuMs(started.child.pid);
            for (let i = 0; i < REQUESTS; i++) {
              cell.ms.push((await must(url())).ms);
            }
            cell.cpu.push((cpuMs(started.child.pid) - before) / REQUESTS);
          }
        } finally {
          await stop(started.child);
        }
      }
    }
  } finally {
    await stop(origin.child);
  }
  const lines = ["| variant | gzipped Wasm | workload | median latency | CPU / request (each round) |", "| --- | ---: | --- | ---: | --- |"];
  for (const variant of variants) {
    for (const workload of Object.keys(WORKLOADS)) {
      const { ms, cpu } = samples[`${variant.name} ${workload}`];
      const mean = cpu.reduce((a, b) => a + b, 0) / cpu.length;
      lines.push(
        `| ${variant.name} | ${variant.gzip.toLocaleString("en-US")} B | ${workload} | ${percentile(ms, 50).toFixed(1)} ms | ${mean.toFixed(1)} ms (${cpu.map((c) => c.toFixed(1)).join(" / ")}) |`,
      );
    }
  }
  process.stdout.write(`${lines.join("\n")}\n`);
}

async function ready(url) {
  const deadline = Date.now() + 60_000;
  while ((await get(url())).status !== 200) {
    if (Date.now() > deadline) {
      throw new Error("the Worker did not answer within 60 s");
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

async function must(url) {
  const answer = await get(url);
  if (answer.error) {
    throw new Error(`${url}: ${answer.error}`);
  }
  return answer;
}

main().catch((error) => {
  process.stderr.write(`variants failed: ${error.stack ?? error}\n`);
  process.exit(1);
});
