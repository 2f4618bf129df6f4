// make bench: our Worker, @cf-wasm/photon and wasm-image-optimization (each in workerd through
// `wrangler dev`), sharp (native libvips in Node) and a plain origin, on the same inputs, in one
// run; writes bench/results.md and bench/results.svg. Run from the project root with
// node_modules/.bin first on PATH (the Makefile does both).
//
// For each workload the Workers are started afresh, so each one's Wasm memory high-water
// belongs to that workload alone; then every contestant is measured in turn: warm-up, latency
// with one request at a time, throughput with CONCURRENCY in flight.
import { existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { prepareInputs } from "./inputs.mjs";
import { cpuPerRequest, get, latencyRep, throughputRep } from "./measure.mjs";
import { coldStart } from "./coldstart.mjs";
import { WORKERD_WORKERS, bundleSize, spawnWorkerd, startNode, startWrangler, stop, workerdPid } from "./processes.mjs";
import { describeMachine, writeReport } from "./report.mjs";
import { CONTESTANTS, WORKLOADS, checkFor, contestantsFor } from "./workloads.mjs";

/** How hard to measure; the whole run should stay within about 15 minutes on 2 cores. */
export const PLAN = {
  warmups: 2,
  latency: { reps: 5, minRequests: 3, maxRequests: 20, seconds: 2.5 },
  // Requests per throughput repetition: enough for about `seconds` at one request at a time,
  // never fewer than one round of CONCURRENCY.
  throughput: { reps: 3, concurrency: 8, seconds: 2.5, minRequests: 8, maxRequests: 1000 },
  // Serial requests for CPU time: the kernel counts in 10 ms ticks, so at least 2 s of them
  // (±0.5 % of the total); the settle time lets work after the answer finish.
  cpu: { minRequests: 10, maxRequests: 400, seconds: 2, settleMs: 200 },
};

const WORK = "bench/.work";
// wrangler dev's local storage (the Cache API's entries, written after every answer) on
// tmpfs where the machine has it: its disk writes are the development server's, which
// production does not have. On this machine's disk, ours through wrangler dev took 46 ms for
// the flower -> 720 JPEG against 33 ms on tmpfs (28 and 27 ms in workerd alone, one run
// each, 2026-12-04), and varied by tens of ms from run to run. BENCH_STATE_DIR=bench/.work/state
// puts it on disk.
const STATE = process.env.BENCH_STATE_DIR ?? (existsSync("/dev/shm") ? "/dev/shm/edge-image-proxy-bench" : join(WORK, "state"));
// BENCH_WORKLOADS=flower-720-jpeg,flower-320-webp measures those workloads only and writes
// bench/.work/results.md (and .svg): bench/results.md is always a whole run.
const ONLY = process.env.BENCH_WORKLOADS?.split(",").filter(Boolean);
const RUN_WORKLOADS = ONLY ? WORKLOADS.filter((workload) => ONLY.includes(workload.id)) : WORKLOADS;
// The Workers run in wrangler dev; the first three are contestants, so their bundles are measured.
const WORKERS = ["ours", "photon", "wasm-image-optimization", "fetch-worker"];
const BUNDLED = WORKERS.slice(0, 3);

async function main() {
  const started = new Date();
  const machine = describeMachine();
  progress("inputs: making the missing ones (bench/.work/inputs/)");
  const inputs = await prepareInputs(join(WORK, "inputs"));
  writeFileSync(join(WORK, "inputs.json"), JSON.stringify(inputs, null, 2));

  // A fresh state directory per run: ours' edge cache starts empty.
  rmSync(STATE, { recursive: true, force: true });
  mkdirSync(join(WORK, "logs"), { recursive: true });
  const origin = await startNode("bench/origin.mjs", [join(WORK, "inputs.json")], join(WORK, "logs/origin.log"));
  const sharp = await startNode("bench/sharp-server.mjs", [], join(WORK, "logs/sharp.log"));
  const bases = { sharp: `http://127.0.0.1:${sharp.port}`, origin: `http://127.0.0.1:${origin.port}` };
  // Whose CPU time each Node contestant's requests cost.
  const pids = { sharp: sharp.child.pid, origin: origin.child.pid };

  progress("bundle sizes: wrangler deploy --dry-run for each Worker");
  const bundles = Object.fromEntries(
    BUNDLED.map((name) => [name, bundleSize(CONTESTANTS[name].worker, join(WORK, "dry-run", name))]),
  );

  const results = [];
  for (const [index, workload] of RUN_WORKLOADS.entries()) {
    const names = contestantsFor(workload);
    const step = `${index + 1}/${RUN_WORKLOADS.length} ${workload.id}`;
    progress(`${step}: starting ${names.filter((n) => WORKERS.includes(n)).join(", ")} in wrangler dev`);
    const workers = await startWorkers(workload, names, origin.port);
    const contestants = names.map((name) => {
      const worker = workers[name] ?? workers[CONTESTANTS[name].sameWorkerAs];
      const alone = Boolean(CONTESTANTS[name].workerd);
      const pid = worker ? () => (alone ? worker.child.pid : workerdPid(worker.child.pid)) : () => pids[name];
      const where = { base: worker?.base ?? bases[name], pid };
      return { name, where, report: (text) => progress(`${step} · ${name}: ${text}`) };
    });
    results.push(...(await measureSideBySide(workload, contestants, origin.port)));
    await Promise.all(Object.values(workers).map((worker) => stop(worker.child)));
  }
  const cold = await coldStart(origin.port, join(WORK, "coldstart"), progress);
  await Promise.all([stop(origin.child), stop(sharp.child)]);

  const seconds = (Date.now() - started.getTime()) / 1000;
  const out = ONLY ? join(WORK, "results") : "bench/results";
  progress(`writing ${out}.md and ${out}.svg (run took ${Math.round(seconds)} s)`, true);
  writeReport({ started, seconds, machine, inputs, bundles, results, cold, workloads: RUN_WORKLOADS, plan: PLAN, state: STATE }, out);
}

/** Starts, side by side, the Workers this workload needs: in wrangler dev, or in workerd alone. */
async function startWorkers(workload, names, originPort) {
  const wanted = names.filter((name) => WORKERS.includes(name) || CONTESTANTS[name].workerd);
  const started = await Promise.all(
    wanted.map((name) =>
      CONTESTANTS[name].workerd
        ? startWorkerd(CONTESTANTS[name].workerd, name === "ours-workerd" ? workload.ourVars : {}, originPort)
        : startWrangler({
            config: CONTESTANTS[name].worker,
            // Only ours reads vars; the peers fetch whatever URL they are given.
            vars: name === "ours" ? { ALLOWED_SOURCES: `127.0.0.1:${originPort}`, ...workload.ourVars } : {},
            statePath: join(STATE, `${workload.id}-${name}`),
            logPath: join(WORK, "logs", `${workload.id}-${name}.log`),
            readyPath: CONTESTANTS[name].readyPath,
          }),
    ),
  );
  return Object.fromEntries(wanted.map((name, i) => [name, started[i]]));
}

/** `workerd serve` of one of WORKERD_WORKERS (bench/processes.mjs), once it answers. */
async function startWorkerd(worker, vars, originPort) {
  const { base, child } = await spawnWorkerd(WORKERD_WORKERS[worker], originPort, WORK, undefined, vars ?? {});
  const deadline = Date.now() + 60_000;
  while (!(await fetch(`${base}/`).then(() => true, () => false))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      throw new Error(`workerd for ${worker} did not answer within 60 s`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return { base, child };
}

// Counts every request of the run, so that each transform's source URL is new to the cache.
let requestNumber = 0;

/**
 * Measures one workload's contestants (each `{ name, where: { base, pid }, report }`: its base
 * URL, `pid()` finds the PID whose CPU time its requests cost) side by side: warm-ups, then the
 * latency repetitions in turns (rep 1 of each contestant, then rep 2 of each, …) and the
 * throughput repetitions likewise, so that a slow stretch of the machine falls on every
 * contestant alike rather than on whoever was measured then; CPU time in between, one
 * contestant after another (it counts the process's own time, which another process's load
 * does not add to). A failure ends that contestant's cell and is recorded, not thrown.
 */
async function measureSideBySide(workload, contestants, originPort) {
  const cells = [];
  for (const { name, where, report } of contestants) {
    const contestant = CONTESTANTS[name];
    const input = contestant.baseline && workload.baselineInput ? workload.baselineInput : workload.input;
    const source = `http://127.0.0.1:${originPort}/${input}`;
    const nextUrl =
      workload.kind === "cache-hit"
        ? () => contestant.url(where.base, source, workload.options)
        : () => contestant.url(where.base, `${source}?n=${++requestNumber}`, workload.options);
    const check = checkFor(workload, name);
    const cell = { workload: workload.id, contestant: name };
    report("warm-up");
    const warm = await warmUp(workload, name, nextUrl, check);
    if (warm.error) {
      Object.assign(cell, { ok: false, error: warm.error });
    } else {
      cell.outputBytes = warm.bytes;
      cell.latency = { ok: true, reps: [] };
    }
    // Beside a transform the fetch-only Worker is only the CPU baseline: no throughput.
    const baselineOnly = workload.kind === "transform" && contestant.baseline;
    cells.push({ cell, contestant, where, report, nextUrl, check, baselineOnly });
  }
  const live = (stage) => cells.filter(({ cell }) => cell[stage]?.ok);

  for (let rep = 1; rep <= PLAN.latency.reps; rep++) {
    for (const { cell, nextUrl, check, report } of live("latency")) {
      const measured = await latencyRep(nextUrl, check, PLAN.latency, (text) => report(`latency rep ${rep}/${PLAN.latency.reps}, ${text}`));
      if (measured.ok) {
        cell.latency.reps.push(measured.rep);
      } else {
        Object.assign(cell.latency, { ok: false, error: measured.error });
      }
    }
  }
  for (const { cell, where, report, nextUrl, check } of live("latency")) {
    cell.cpu = await cpuPerRequest(nextUrl, check, where.pid, PLAN.cpu, report);
  }
  for (const { cell, baselineOnly } of live("cpu")) {
    if (!baselineOnly) {
      cell.throughput = { ok: true, reps: [], plan: throughputPlan(cell.latency) };
    }
  }
  for (let rep = 1; rep <= PLAN.throughput.reps; rep++) {
    for (const { cell, nextUrl, check, report } of live("throughput")) {
      const label = (text) => report(`throughput rep ${rep}/${PLAN.throughput.reps}, ${text}`);
      const measured = await throughputRep(nextUrl, check, cell.throughput.plan, label);
      if (measured.ok) {
        cell.throughput.reps.push(measured.rep);
      } else {
        Object.assign(cell.throughput, { ok: false, error: measured.error });
      }
    }
  }

  const done = [];
  for (const { cell, contestant, where, baselineOnly } of cells) {
    if (cell.latency) {
      cell.ok = cell.latency.ok && Boolean(cell.cpu?.ok) && (baselineOnly || Boolean(cell.throughput?.ok));
      cell.error = cell.latency.error ?? cell.cpu?.error ?? cell.throughput?.error;
    }
    if (cell.throughput) {
      delete cell.throughput.plan;
    }
    done.push({ ...cell, ...(await memory(cell, contestant, where.base)) });
  }
  return done;
}

/** PLAN.warmups requests; for a cache hit, the first one is the MISS that fills the cache. */
async function warmUp(workload, name, nextUrl, check) {
  if (workload.kind === "cache-hit" && name === "ours") {
    // The answer is stored after it is sent (ctx.waitUntil): ask until it comes from the cache.
    for (let attempt = 0; attempt < 50; attempt++) {
      const answer = await get(nextUrl());
      if (answer.error || answer.headers["x-cache"] === "HIT") {
        return answer.error ? answer : { ...answer, error: check(answer) };
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    return { error: "no X-Cache: HIT after 50 requests" };
  }
  let answer;
  for (let i = 0; i < PLAN.warmups; i++) {
    answer = await get(nextUrl());
    const error = answer.error ?? check(answer);
    if (error) {
      return { error };
    }
  }
  return answer;
}

function throughputPlan(measured) {
  const { concurrency, seconds, minRequests, maxRequests } = PLAN.throughput;
  const medianMs = Math.max(...measured.reps.map((rep) => rep.median));
  const requests = Math.min(maxRequests, Math.max(minRequests, Math.round((seconds * 1000) / medianMs)));
  return { concurrency, requests };
}

/**
 * The Wasm memory high-water a Worker reports (Wasm memory only grows), if it reports one.
 * The whole answer goes to bench/.work/logs/ (ours' counters tell waits, bypasses and errors).
 */
async function memory(cell, contestant, base) {
  if (!contestant.memoryPath) {
    return {};
  }
  const answer = await fetch(`${base}${contestant.memoryPath}`).then((r) => r.json(), () => null);
  writeFileSync(join(WORK, "logs", `${cell.workload}-${cell.contestant}-memory.json`), JSON.stringify(answer, null, 2));
  return { wasmMemoryBytes: answer?.wasm_memory_bytes ?? null };
}

// One progress line: rewritten in place on a terminal, one line per step otherwise.
let lastStep = "";
const runStart = Date.now();
function progress(text, final = false) {
  const elapsed = Math.round((Date.now() - runStart) / 1000);
  const line = `bench [${String(Math.floor(elapsed / 60)).padStart(2, "0")}:${String(elapsed % 60).padStart(2, "0")}] ${text}`;
  if (process.stderr.isTTY) {
    process.stderr.write(`\r\x1b[2K${line.slice(0, process.stderr.columns - 1)}${final ? "\n" : ""}`);
    return;
  }
  const step = text.replace(/, request \d+$/, "");
  if (step !== lastStep) {
    lastStep = step;
    process.stderr.write(`${line}\n`);
  }
}

main().catch((error) => {
  process.stderr.write(`\nbench failed: ${error.stack ?? error}\n`);
  process.exit(1);
});
