// bench/results.md and bench/results.svg from one run's measurements.
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import sharp from "sharp";
import { firstLine } from "./processes.mjs";
import { CONTESTANTS, rivalsFor } from "./workloads.mjs";

/** CPU, memory, OS and the version of everything measured. */
export function describeMachine() {
  const cpu = readFileSync("/proc/cpuinfo", "utf8").match(/^model name\s*:\s*(.*)$/m)?.[1] ?? os.cpus()[0]?.model;
  const version = (path) => JSON.parse(readFileSync(`${path}/package.json`, "utf8")).version;
  const commit = execFileSync("git", ["rev-parse", "--short", "HEAD"], { encoding: "utf8" }).trim();
  // The Worker is built from the working tree, which may be ahead of the commit.
  const dirty = execFileSync("git", ["status", "--porcelain", "--", "src", "Cargo.toml", "Cargo.lock"], { encoding: "utf8" }).trim() !== "";
  return {
    cpu: `${cpu}, ${os.cpus().length} cores`,
    memory: `${(os.totalmem() / 2 ** 30).toFixed(1)} GiB`,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    wrangler: `wrangler ${firstLine("wrangler", ["--version"])}`,
    workerd: version("node_modules/workerd"),
    sharp: `${sharp.versions.sharp} (libvips ${sharp.versions.vips})`,
    photon: version("bench/node_modules/@cf-wasm/photon"),
    wasmImageOptimization: version("bench/node_modules/wasm-image-optimization"),
    ours: `${commit}${dirty ? " plus uncommitted changes in src/" : ""}, release build (make build)`,
  };
}

/** Writes `${out}.md` and `${out}.svg` (bench/results for a whole run) for `run.workloads`. */
export function writeReport(run, out) {
  const ratios = run.workloads.map((workload) => ratiosFor(workload, run.results));
  writeFileSync(`${out}.md`, markdown(run, ratios));
  writeFileSync(`${out}.svg`, chart(ratios));
}

// ---- numbers -------------------------------------------------------------------------------

function cellOf(results, workload, contestant) {
  return results.find((cell) => cell.workload === workload && cell.contestant === contestant);
}

// The median of every latency sample of a cell, all repetitions pooled.
function medianMs(cell) {
  if (!cell?.ok) {
    return null;
  }
  const samples = cell.latency.reps.flatMap((rep) => rep.samples).sort((a, b) => a - b);
  return samples[Math.floor((samples.length - 1) / 2)];
}

function p95Ms(cell) {
  const samples = cell.latency.reps.flatMap((rep) => rep.samples).sort((a, b) => a - b);
  return samples[Math.min(samples.length - 1, Math.ceil(0.95 * samples.length) - 1)];
}

// CPU time per request of the contestant's process (the workerd that runs a Worker; sharp's
// or the origin's Node process), all it did included.
function cpuMs(cell) {
  return cell?.ok && cell.cpu?.ok ? cell.cpu.perRequestMs : null;
}

// A Worker's CPU time per request less the fetch-only Worker's for the same workload's bytes
// (workerd's own HTTP and fetch work); null for the Node contestants, which run no Worker.
function netCpuMs(results, cell) {
  const contestant = CONTESTANTS[cell?.contestant];
  if (!contestant || !(contestant.worker || contestant.sameWorkerAs || contestant.workerd) || contestant.baseline && !contestant.sameWorkerAs) {
    return null;
  }
  const gross = cpuMs(cell);
  // Each against the fetch-only Worker run the same way: in workerd alone, or in wrangler dev.
  const baseline = cpuMs(cellOf(results, cell.workload, contestant.workerd ? "fetch-worker-workerd" : "fetch-worker"));
  return gross == null || baseline == null ? null : gross - baseline;
}

// The median repetition's throughput.
function perSecond(cell) {
  if (!cell?.ok) {
    return null;
  }
  const values = cell.throughput.reps.map((rep) => rep.perSecond).sort((a, b) => a - b);
  return values[Math.floor((values.length - 1) / 2)];
}

/**
 * For one workload: ours and the other Workers, latency and throughput against the reference
 * (sharp, or the origin), and ours against the best other Worker (lowest median latency).
 */
function ratiosFor(workload, results) {
  const { reference, others } = rivalsFor(workload);
  const ref = cellOf(results, workload.id, reference);
  const rows = {};
  for (const name of ["ours", ...(workload.kind === "transform" ? ["ours-workerd"] : []), ...others]) {
    const cell = cellOf(results, workload.id, name);
    rows[name] = {
      ok: Boolean(cell?.ok),
      latencyVsReference: divide(medianMs(cell), medianMs(ref)),
      throughputVsReference: divide(perSecond(cell), perSecond(ref)),
      cpuVsReference: divide(cpuMs(cell), cpuMs(ref)),
      netCpuVsReference: divide(netCpuMs(results, cell), cpuMs(ref)),
    };
  }
  const best = others
    .map((name) => ({ name, cell: cellOf(results, workload.id, name) }))
    .filter((other) => other.cell?.ok)
    .sort((a, b) => medianMs(a.cell) - medianMs(b.cell))[0];
  const ours = cellOf(results, workload.id, "ours");
  return {
    workload,
    reference,
    others,
    rows,
    best: best
      ? { name: best.name, latency: divide(medianMs(ours), medianMs(best.cell)), throughput: divide(perSecond(ours), perSecond(best.cell)) }
      : null,
  };
}

/** The cache hit against a static asset of the same Worker: what a hit costs beyond serving a file. */
function cacheHitLine(results) {
  const hit = cellOf(results, "cache-hit", "ours");
  const file = cellOf(results, "cache-hit", "ours-static");
  const latency = divide(medianMs(hit), medianMs(file));
  const throughput = divide(perSecond(hit), perSecond(file));
  if (latency == null || throughput == null) {
    return "Cache hit against a static asset of the same Worker: not measured (a cell failed).";
  }
  return `Cache hit against a static asset of the same Worker (\`/samples/landscape.jpg\`, 66 KB, from the same wrangler dev):
median latency ${times(latency)} (${ms(medianMs(hit))} vs ${ms(medianMs(file))}), throughput ${times(throughput)}.`;
}

function divide(a, b) {
  return a == null || b == null || b === 0 ? null : a / b;
}

// ---- markdown ------------------------------------------------------------------------------

function markdown(run, ratios) {
  const { machine, started, seconds, plan, state } = run;
  return `# Benchmarks

Written by \`make bench\` (bench/run.mjs); do not edit by hand. Run on ${started.toISOString().replace(/\.\d+Z$/, "Z")},
took ${minutes(seconds)}. Command: \`make bench\` (= \`npm ci --prefix bench\` when needed, then
\`node bench/run.mjs\`, after \`make build\`).

## Machine

- CPU: ${machine.cpu}; memory ${machine.memory}; ${machine.os}
- Node ${machine.node}, ${machine.wrangler}, workerd ${machine.workerd}
- ours: ${machine.ours}
- sharp ${machine.sharp}, @cf-wasm/photon ${machine.photon}, wasm-image-optimization ${machine.wasmImageOptimization}

## Ratios

Median latency at one request in flight, and throughput with ${plan.throughput.concurrency} in flight, divided by the
reference's: sharp for transforms; for the cache hit and the pass-through, a plain Node origin serving the
same bytes. "Best other Worker" is the Wasm peer with the lowest median latency; for the pass-through the
fetch-only JS Worker (workerd's own cost); for the cache hit the faster of that and a static asset of ours. Latency ratios: lower is better
(2.00× = twice as slow). Throughput ratios: higher is better.

CPU ratios: the CPU time per request of the process that answers (the workerd that runs the
Worker; sharp's Node process; the origin's), divided by the reference's, all of it counted ("CPU
÷ ref": each process serves HTTP and fetches the source, as sharp's does); "net" takes the
fetch-only Worker's CPU for the same bytes off ours first (the runtime's share, which
Cloudflare does not bill). Lower is better.

Every Worker runs in wrangler dev, which puts a Node proxy in front of workerd (latency) and
runs an entry Worker and the local Cache API storage in the workerd measured (CPU); production
has none of them. That storage's files are in \`${state}\`${state.startsWith("/dev/shm") ? " (tmpfs): on disk here its writes added 10 to 30 ms, varying from run to run, to ours through wrangler dev" : ""}. The last three columns are ours again in workerd alone (\`workerd serve\`,
as bench/coldstart.mjs runs it: no wrangler dev, no Cache API storage), net of the fetch-only
Worker also in workerd alone: what the transform costs without the development server's share.

| workload | reference | ours: latency ÷ ref | ours: CPU ÷ ref | ours: net CPU ÷ ref | ours: throughput ÷ ref | best other Worker | ours: latency ÷ it | ours: throughput ÷ it | other Workers: latency ÷ ref | ours in workerd alone: latency ÷ ref | alone: CPU ÷ ref | alone: net CPU ÷ ref |
| --- | --- | ---: | ---: | ---: | ---: | --- | ---: | ---: | --- | ---: | ---: | ---: |
${ratios.map(ratioRow).join("\n")}

${cacheHitLine(run.results)}

![Median latency of each Worker divided by the reference's (sharp for transforms, the origin for the cache hit and the pass-through), log scale](results.svg)

## Results

Latency: median and p95 of all requests at one in flight (${plan.latency.reps} repetitions; "rep medians" are each
repetition's median, so the spread shows the noise). Throughput: answers per second (MiB/s for the pass-through) with
${plan.throughput.concurrency} in flight, the median of ${plan.throughput.reps} repetitions (each listed). CPU / request: the answering
process's CPU time (utime + stime from \`/proc/<pid>/stat\`, every thread) over a run of serial
requests (at least ${plan.cpu.seconds} s and ${plan.cpu.minRequests} requests; how many in brackets) after the latency runs, divided by
their number; net CPU: a Worker's less the fetch-only Worker's (same workerd, same source bytes).
Output: body bytes of one
answer. Wasm memory: the Worker's Wasm memory size after the workload (it never shrinks, so this
is the high-water, concurrent requests included); each workload starts the Workers afresh.

${run.workloads.map((workload) => workloadSection(workload, run.results)).join("\n")}
${coldSection(run.cold)}
## Bundle sizes

What \`wrangler deploy --dry-run\` would upload for each Worker ("Total Upload: X KiB / gzip: Y KiB").
Cloudflare's limit (since September 2026) is 64 MiB uncompressed on every plan; start-up must stay under 1 s.

| Worker | upload | gzip |
| --- | ---: | ---: |
${Object.entries(run.bundles)
  .map(([name, size]) => `| ${CONTESTANTS[name].label} | ${size.totalKiB.toFixed(0)} KiB | ${size.gzipKiB.toFixed(0)} KiB |`)
  .join("\n")}

## Inputs

The origin (bench/origin.mjs, a plain Node HTTP server) serves every input from memory with
\`Content-Length\`, an image \`Content-Type\` and \`Cache-Control: public, max-age=86400\`. Generated inputs are
made by bench/inputs.mjs with sharp into bench/.work/inputs/ (not committed) when missing; the
same sharp version makes the same bytes, checked here by their SHA-256.

| input | bytes | SHA-256 | made from |
| --- | ---: | --- | --- |
${Object.entries(run.inputs)
  .map(([name, input]) => `| ${name} | ${bytes(input.bytes)} | \`${input.sha256.slice(0, 16)}…\` | ${input.how} |`)
  .join("\n")}
| pass-through.jpg | ${bytes(200 * 1024 * 1024)} | | made by the origin as it sends it: a JPEG SOI and JFIF APP0 header, then the byte pattern \`(i × 31 + 7) mod 256\` |

## Method

- Every contestant is asked the same thing over HTTP on 127.0.0.1 and fetches the source from the
  same origin: ours as \`/cdn-cgi/image/width=720,format=jpeg,quality=80/<source>\`; the peer Workers
  (bench/workers/, written the way each package's README shows for Workers) and a Node HTTP server
  around sharp (bench/sharp-server.mjs) as \`/?url=<source>&width=720&format=jpeg&quality=80\`.
- Transforms: each request's source URL carries a unique query string (\`?n=<counter>\`, ignored by
  the origin), so ours never answers from its edge cache and every contestant decodes, resizes
  and encodes every time; ours checks \`X-Cache: MISS\` on each answer (and still stores each answer
  in its cache after sending it, as it would in production). The cache hit repeats one URL after
  its first MISS, checking \`X-Cache: HIT\`.
- Each contestant gets ${plan.warmups} warm-up requests (ours: the MISS that fills the cache, for the cache hit),
  then ${plan.latency.reps} latency repetitions of ${plan.latency.minRequests}–${plan.latency.maxRequests} requests (up to about ${plan.latency.seconds} s each), then
  the CPU time run, then ${plan.throughput.reps} throughput repetitions of ${plan.throughput.minRequests}–${plan.throughput.maxRequests} requests (about ${plan.throughput.seconds} s of single-request work each) at
  ${plan.throughput.concurrency} in flight. The contestants of a workload take turns: latency repetition 1 of each, then 2 of
  each, and so on (throughput likewise), so that a slow stretch of the machine falls on all of them alike. The first wrong answer (status, \`Content-Type\`, \`X-Cache\`, length) stops the cell
  and is reported as its result.
- Baselines for the cache hit and the pass-through: the origin itself, and a fetch-only JS Worker
  (bench/workers/fetch/, \`return fetch(source)\`) in the same workerd, which shows what workerd and
  \`wrangler dev\` cost before any image code runs.
- Each \`wrangler dev\` runs one workerd isolate: JavaScript and Wasm in it run on one thread, so
  its throughput is bounded by one core whatever the concurrency. sharp runs with
  \`sharp.concurrency(1)\` (one libvips thread per image) and \`sharp.cache(false)\`, but Node's
  thread pool runs up to 4 images at once, so on this machine it can use every core.
- Resampling: ours and sharp use Lanczos3, photon is asked for \`SamplingFilter.Lanczos3\`;
  wasm-image-optimization (Skia) has no filter choice. Encoders differ: photon writes lossless
  WebP; ours (vaam-image-webp), wasm-image-optimization and sharp write lossy WebP at q80, but
  each encoder's quality scale is its own (bench/encoders/README.md), so WebP bytes are not
  strictly comparable. Ours writes progressive JPEG. PNG: each library's default compression.
- Ours and sharp (libvips) shrink large JPEGs while decoding (DCT scaling); photon and
  wasm-image-optimization decode every pixel. Ours holds what it reads and decodes under a
  per-isolate memory budget: a transform that finds no room within 2 s is passed through
  (\`X-Cache: BYPASS\`) or refused (503); either counts as a failed answer here.
- \`wrangler dev\` enforces neither the production 128 MB memory limit nor CPU time limits: the
  Wasm memory column shows which Worker would run out of memory in production.
- wasm-image-optimization 2.0.11 depends on worker-lib 2.2.1, which the registry does not
  serve; bench/package.json overrides it to 2.2.0. worker-lib is only used by the package's
  Node thread-pool entry, not by its Workers build.
- Everything runs on this one machine at once: client, origin, workerd and sharp share its
  cores, so absolute numbers belong to this machine; compare within one run.
`;
}

function coldSection(cold) {
  const median = (rounds, key) => {
    const values = rounds.map((round) => round[key]).sort((a, b) => a - b);
    return values[Math.floor((values.length - 1) / 2)];
  };
  const row = (name) => {
    const { rounds } = cold[name];
    const list = (key) => rounds.map((round) => Math.round(round[key])).join(" / ");
    return `| ${CONTESTANTS[name].label} | ${ms(median(rounds, "startToFirstMs"))} (${list("startToFirstMs")}) | ${ms(
      median(rounds, "firstMs"),
    )} (${list("firstMs")}) | ${ms(median(rounds, "secondMs"))} (${list("secondMs")}) |`;
  };
  return `## Cold start

Each Worker in workerd alone (\`workerd serve\`, no wrangler dev in front: bench/coldstart.mjs), started
afresh ${cold.ours.rounds.length} times; medians, each start's figure in brackets. Ours is asked flower → 320 px JPEG q80,
the fetch-only Worker the flower itself. "Start to first answer": from spawning workerd to the first 200
answer, polled every 2 ms (the module's compilation and instantiation included); "first request": that
answer's own latency, the first request a fresh isolate serves; "second": the next one (a new source URL,
so a transform again).

| Worker | start to first answer | first request | second request |
| --- | ---: | ---: | ---: |
${row("ours")}
${row("fetch-worker")}
`;
}

function ratioRow({ workload, reference, others, rows, best }) {
  const ours = rows.ours;
  const failedOr = (row, value) => (row.ok ? times(value) : "failed");
  const alone = rows["ours-workerd"];
  const aloneColumns = alone
    ? `${failedOr(alone, alone.latencyVsReference)} | ${failedOr(alone, alone.cpuVsReference)} | ${failedOr(alone, alone.netCpuVsReference)}`
    : "– | – | –";
  const otherLatencies = others.map((name) => `${name} ${failedOr(rows[name], rows[name].latencyVsReference)}`).join(", ");
  return `| ${workload.id} | ${reference} | ${failedOr(ours, ours.latencyVsReference)} | ${failedOr(ours, ours.cpuVsReference)} | ${failedOr(
    ours,
    ours.netCpuVsReference,
  )} | ${failedOr(ours, ours.throughputVsReference)} | ${
    best?.name ?? "none succeeded"
  } | ${times(best?.latency)} | ${times(best?.throughput)} | ${otherLatencies} | ${aloneColumns} |`;
}

function workloadSection(workload, results) {
  const cells = results.filter((cell) => cell.workload === workload.id);
  const passThrough = workload.kind === "pass-through";
  return `### ${workload.id}

${workload.title}.

| contestant | result | median | rep medians | p95 | CPU / request | net CPU | ${passThrough ? "MiB/s" : "answers/s"} at 8 in flight (reps) | output | Wasm memory |
| --- | --- | ---: | --- | ---: | ---: | ---: | --- | ---: | ---: |
${cells.map((cell) => cellRow(cell, passThrough, netCpuMs(results, cell))).join("\n")}
`;
}

function cellRow(cell, passThrough, netCpu) {
  const label = CONTESTANTS[cell.contestant].label;
  const memory = cell.wasmMemoryBytes == null ? "–" : `${(cell.wasmMemoryBytes / 2 ** 20).toFixed(1)} MiB`;
  const measured = cell.latency?.reps ?? [];
  if (!measured.length) {
    return `| ${label} | **failed**: ${escape(cell.error)} | | | | | | | | ${memory} |`;
  }
  const result = cell.ok ? "ok" : `**failed** after ${measured.length} latency reps: ${escape(cell.error)}`;
  const samples = measured.flatMap((rep) => rep.samples).sort((a, b) => a - b);
  const median = samples[Math.floor((samples.length - 1) / 2)];
  const reps = measured.map((rep) => ms(rep.median)).join(" / ");
  const tp = cell.throughput?.reps ?? [];
  const values = tp.map((rep) => (passThrough ? rep.mibPerSecond : rep.perSecond));
  const tpText = values.length ? `${number(values.slice().sort((a, b) => a - b)[Math.floor((values.length - 1) / 2)])} (${values.map(number).join(" / ")})` : "–";
  const cpu = cell.cpu?.ok ? `${ms(cell.cpu.perRequestMs)} (${cell.cpu.requests})` : "–";
  return `| ${label} | ${result} | ${ms(median)} | ${reps} | ${ms(p95Ms(cell))} | ${cpu} | ${ms(netCpu)} | ${tpText} | ${bytes(cell.outputBytes)} | ${memory} |`;
}

// ---- chart ---------------------------------------------------------------------------------

const BAR_COLOURS = {
  ours: "#f38020",
  "ours-workerd": "#f9b47a",
  photon: "#4a7fd4",
  "wasm-image-optimization": "#6aa84f",
  "fetch-worker": "#999999",
};

/** Horizontal bars, one group per workload: median latency ÷ reference, on a log scale. */
function chart(ratios) {
  const rowHeight = 16;
  const groupGap = 14;
  const left = 170;
  const plotWidth = 460;
  const top = 62;
  const values = ratios.flatMap((r) => Object.values(r.rows).map((row) => row.latencyVsReference)).filter((v) => v != null);
  const maxDecade = Math.max(1, Math.ceil(Math.log10(Math.max(...values, 10))));
  const minDecade = Math.min(0, Math.floor(Math.log10(Math.min(...values, 1))));
  const x = (ratio) => left + ((Math.log10(ratio) - minDecade) / (maxDecade - minDecade)) * plotWidth;
  const parts = [];
  let y = top;
  for (const { workload, reference, rows } of ratios) {
    parts.push(`<text x="${left - 8}" y="${y + 11}" text-anchor="end" font-weight="bold">${workload.id}</text>`);
    parts.push(`<text x="${left - 8}" y="${y + 24}" text-anchor="end" fill="#666">÷ ${reference}</text>`);
    for (const [name, row] of Object.entries(rows)) {
      const colour = BAR_COLOURS[name];
      if (row.latencyVsReference == null) {
        parts.push(`<text x="${left + 4}" y="${y + 12}" fill="${colour}">${name}: ${row.ok ? "no reference" : "failed"}</text>`);
      } else {
        const end = x(row.latencyVsReference);
        parts.push(`<rect x="${x(10 ** minDecade)}" y="${y + 2}" width="${Math.max(1, end - x(10 ** minDecade)).toFixed(1)}" height="${rowHeight - 4}" fill="${colour}"/>`);
        parts.push(`<text x="${(end + 4).toFixed(1)}" y="${y + 12}">${times(row.latencyVsReference)}</text>`);
      }
      y += rowHeight;
    }
    y += Math.max(0, 30 - rowHeight * Object.keys(rows).length) + groupGap;
  }
  const axis = [];
  for (let decade = minDecade; decade <= maxDecade; decade++) {
    const at = x(10 ** decade).toFixed(1);
    axis.push(`<line x1="${at}" y1="${top - 6}" x2="${at}" y2="${y}" stroke="#ccc"/>`);
    axis.push(`<text x="${at}" y="${top - 10}" text-anchor="middle" fill="#666">${10 ** decade}×</text>`);
  }
  const legend = Object.entries(BAR_COLOURS)
    .map(([name, colour], i) => `<rect x="${10 + i * 165}" y="${y + 6}" width="10" height="10" fill="${colour}"/><text x="${10 + i * 165 + 14}" y="${y + 15}">${name}</text>`)
    .join("");
  const height = y + 28;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${left + plotWidth + 80}" height="${height}" font-family="sans-serif" font-size="11">
<rect width="100%" height="100%" fill="white"/>
<text x="10" y="16" font-size="13" font-weight="bold">Median latency ÷ reference, log scale: lower is better</text>
<text x="10" y="31" fill="#666">reference: sharp (native) for transforms; a plain Node origin for the cache hit and the pass-through</text>
${axis.join("\n")}
${parts.join("\n")}
${legend}
</svg>
`;
}

// ---- formatting ----------------------------------------------------------------------------

function ms(value) {
  if (value == null) {
    return "–";
  }
  return `${value < 1 ? value.toFixed(2) : value < 10 ? value.toFixed(1) : Math.round(value)} ms`;
}

function number(value) {
  return value < 10 ? value.toFixed(2) : value < 100 ? value.toFixed(1) : Math.round(value).toString();
}

function times(value) {
  return value == null ? "–" : `${value < 10 ? value.toFixed(2) : value.toFixed(1)}×`;
}

function bytes(value) {
  return value == null ? "–" : value.toLocaleString("en-US");
}

function minutes(seconds) {
  return `${Math.floor(seconds / 60)} min ${Math.round(seconds % 60)} s`;
}

function escape(text) {
  return String(text ?? "").replace(/\|/g, "\\|").replace(/\s+/g, " ").slice(0, 200);
}
