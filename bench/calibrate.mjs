// The CPU estimate against the CPU measured (bench/cpu.md): for each transform below, our
// Worker in workerd alone (no wrangler dev, no Cache API storage: every request is a miss and
// a transform) answers 3 warm-up requests, then REQUESTS serial ones with unique source URLs;
// the workerd process's CPU time (utime + stime) over those, divided by their number, is
// "measured". The fetch-only Worker (bench/workers/fetch) fetches the same source as often:
// its CPU is the runtime's HTTP work, which the estimate leaves out, so "net" = measured less
// it. "estimate" is what ours printed in Server-Timing (`cpu;desc="estimate N ms…"`), made from
// the header before decoding (src/transform/cpu.rs). Not part of make test; about 3 minutes.
//
// Usage: node bench/calibrate.mjs (after make build; workerd from node_modules/.bin on PATH).
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { prepareInputs } from "./inputs.mjs";
import { get } from "./measure.mjs";
import { WORKERD_WORKERS, cpuMs, spawnWorkerd, startNode, stop } from "./processes.mjs";

const WORK = "bench/.work";
const WARMUPS = 3;
const REQUESTS = 15;
const CORPUS = "../shared/corpus/photos";

/** Sources beside the bench's own: the flower's progressive and 4:4:4 RGB versions, a PNG. */
const MORE_INPUTS = {
  "flower-progressive.jpg": `${CORPUS}/flower.png.im_q85_420_progr.jpg`,
  "flower-rgb.jpg": `${CORPUS}/flower.png.im_q85_rgb.jpg`,
  "kodim23.png": `${CORPUS}/kodim23.png`,
};

/** [source, options]: the make bench workloads first, then what bench/cpu.md's table has. */
const CASES = [
  ["flower.jpg", "width=720,format=jpeg,quality=80"],
  ["flower.jpg", "width=320,format=webp,quality=80"],
  ["flower.jpg", "width=320,format=jpeg,quality=80"],
  ["flower-12mp.jpg", "width=320,format=jpeg,quality=80"],
  ["flower-24mp.jpg", "width=320,format=jpeg,quality=80"],
  ["alpha.png", "width=256,format=png"],
  ["flower.jpg", "width=283,format=jpeg,quality=80"],
  ["flower.jpg", "width=1134,format=jpeg,quality=80"],
  ["flower.jpg", "width=2268,format=jpeg,quality=80"],
  ["flower.jpg", "width=720,format=webp,quality=80"],
  ["flower.jpg", "width=720,format=png"],
  ["flower.jpg", "width=300,format=avif,quality=60"],
  ["flower-12mp.jpg", "width=2000,format=jpeg,quality=80"],
  ["flower-rgb.jpg", "width=283,format=jpeg,quality=80"],
  ["flower-progressive.jpg", "width=283,format=jpeg,quality=80"],
  ["flower-progressive.jpg", "width=720,format=jpeg,quality=80"],
  ["kodim23.png", "width=256,format=jpeg,quality=80"],
  ["kodim23.png", "width=256,format=webp,quality=80"],
];

async function main() {
  mkdirSync(join(WORK, "logs"), { recursive: true });
  const inputs = await prepareInputs(join(WORK, "inputs"));
  for (const [name, path] of Object.entries(MORE_INPUTS)) {
    inputs[name] = { path, how: `${path}, read in place` };
  }
  const inputsPath = join(WORK, "calibrate-inputs.json");
  writeFileSync(inputsPath, JSON.stringify(inputs, null, 2));
  const origin = await startNode("bench/origin.mjs", [inputsPath], join(WORK, "logs/calibrate-origin.log"));
  const rows = [];
  try {
    const fetchOnly = await perSource(WORKERD_WORKERS["fetch-worker"], origin.port, (base, source) => `${base}/?${new URLSearchParams({ url: source })}`);
    const ours = await spawnWorkerd(WORKERD_WORKERS.ours, origin.port, WORK, undefined, { TRANSFORM_MAX_BYTES: String(16 << 20) });
    try {
      let n = 0;
      for (const [input, options] of CASES) {
        process.stderr.write(`calibrate: ${input} ${options}\n`);
        const url = () => `${ours.base}/cdn-cgi/image/${options}/http://127.0.0.1:${origin.port}/${input}?c=${++n}`;
        const { cpu, timing } = await measure(ours.child.pid, url);
        const estimate = Number(timing.match(/estimate (\d+) ms/)?.[1]);
        const decoded = timing.match(/decode;desc="([^"]*)"/)?.[1] ?? "";
        const net = cpu - (await fetchOnly(input));
        rows.push({ input, options, decoded, cpu, net, estimate });
      }
    } finally {
      await stop(ours.child);
    }
    await fetchOnly.done();
  } finally {
    await stop(origin.child);
  }
  const lines = [
    "| source | options | decoded | measured | net of fetch-only | estimate | net ÷ estimate |",
    "| --- | --- | --- | ---: | ---: | ---: | ---: |",
    ...rows.map(
      (r) =>
        `| ${r.input} | ${r.options} | ${r.decoded} | ${r.cpu.toFixed(1)} | ${r.net.toFixed(1)} | ${r.estimate} | ${(r.net / r.estimate).toFixed(2)} |`,
    ),
  ];
  process.stdout.write(`${lines.join("\n")}\n`);
}

/** The fetch-only Worker's CPU a request for each source (measured once a source). */
async function perSource(worker, originPort, urlFor) {
  const started = await spawnWorkerd(worker, originPort, WORK);
  const known = new Map();
  let n = 0;
  const lookup = async (input) => {
    if (!known.has(input)) {
      const url = () => urlFor(started.base, `http://127.0.0.1:${originPort}/${input}?f=${++n}`);
      known.set(input, (await measure(started.child.pid, url)).cpu);
    }
    return known.get(input);
  };
  lookup.done = () => stop(started.child);
  return lookup;
}

/** CPU ms a request over REQUESTS serial requests after WARMUPS, and the first one's Server-Timing. */
async function measure(pid, url) {
  const deadline = Date.now() + 60_000;
  while ((await get(url())).status !== 200) {
    if (Date.now() > deadline) {
      throw new Error("no 200 answer within 60 s");
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  for (let i = 1; i < WARMUPS; i++) {
    await must(url());
  }
  const before = cpuMs(pid);
  let timing = "";
  for (let i = 0; i < REQUESTS; i++) {
    const answer = await must(url());
    timing ||= answer.headers?.["server-timing"] ?? "";
  }
  return { cpu: (cpuMs(pid) - before) / REQUESTS, timing };
}

async function must(url) {
  const answer = await get(url);
  if (answer.error || answer.status !== 200) {
    throw new Error(`${url}: ${answer.error ?? answer.status}`);
  }
  return answer;
}

main().catch((error) => {
  process.stderr.write(`calibrate failed: ${error.stack ?? error}\n`);
  process.exit(1);
});
