// make profile: where our Worker's CPU time goes on flower → 720 px JPEG (sharp's benchmark
// shape), stage by stage. Runs the built Worker (build/) in workerd alone with its inspector,
// warms it up, then takes V8's CPU profile (DevTools protocol: Profiler.start/stop) over
// REQUESTS serial transforms and sums each function's self time into the stage its name says
// (the Wasm keeps its name section, so Rust functions appear by their paths). Prints the stage
// table and the heaviest functions; writes the whole profile to bench/.work/profile.cpuprofile
// (open it in Chrome DevTools' Performance panel). Not part of make test.
//
// PROFILE_OPTIONS=width=320,format=webp,quality=80 profiles another transform;
// PROFILE_INPUT=flower-24mp.jpg another of the bench's inputs (TRANSFORM_MAX_BYTES is 16 MiB,
// as make bench sets it for that one); PROFILE_BUILD=<dir> another build (a copy of build/
// from another commit).
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { prepareInputs } from "./inputs.mjs";
import { get } from "./measure.mjs";
import { WORKERD_WORKERS, cpuMs, freePort, spawnWorkerd, startNode, stop } from "./processes.mjs";

const WORK = "bench/.work";
const OPTIONS = process.env.PROFILE_OPTIONS ?? "width=720,format=jpeg,quality=80";
const BUILD = process.env.PROFILE_BUILD;
const INPUT = process.env.PROFILE_INPUT ?? "flower.jpg";
const WARMUPS = 10;
const REQUESTS = 20;
// V8 samples the stack every SAMPLING_US of CPU time.
const SAMPLING_US = 100;

/**
 * Stages, first match wins, tested against a function's name (Rust paths for Wasm functions).
 * The order matters: a decoder's colour conversion is colour conversion, not decoding.
 */
const STAGES = [
  ["V8 garbage collector", /^\(garbage collector\)$/],
  ["(program): V8 and workerd outside JS and Wasm", /^\(program\)$/],
  ["JPEG damage check (jpeg_damage)", /jpeg_damage|jpeg_segments/],
  // jpeg-encoder's RGB → YCbCr conversion and block extraction are inlined into our `jpeg`
  // closure of encode::encode.
  ["JPEG encode", /jpeg_encoder|transform::encode::(jpeg|encode::\{\{closure)/],
  ["colour conversion (decoder)", /color_convert|ycbcr|ycc/i],
  ["JPEG decode: entropy, IDCT, upsampling", /jpeg_decoder|zune_jpeg/],
  ["header reading (inspect)", /ImageReader|image::io::|transform::decode::(inspect|scalable_jpeg|coefficient_bytes)/],
  // vaam-image-webp's crate is named image_webp too: its lossy encoder goes to encode; the VP8
  // transforms and predictors that encoder and decoder share get a stage of their own.
  ["WebP/PNG/AVIF encode", /vaam|image_webp::(lossy::(encoder|arithmetic_encoder)|encoder)|png::encoder|(^|[^f])deflate|fdeflate::compress|rav1e|ravif|avif/i],
  ["VP8 transforms and prediction (WebP encoder or decoder)", /image_webp::lossy::(transform|prediction|loop_filter)/],
  ["PNG/WebP/GIF decode", /png::decoder|image_webp::|vp8::|lossless::|gif::|inflate|fdeflate|miniz/i],
  ["resize", /fast_image_resize|transform::resize/],
  ["copies and allocation", /memcpy|memmove|memset|dlmalloc|alloc::|realloc|__rust_alloc|__rdl_|to_vec|clone|extend_from_slice|copy_from_slice/i],
  ["hashing (cache key, ETag)", /sha2|sha256|hmac|compress256/i],
  ["JS glue and runtime", /^\(|wasm_bindgen|js_sys|web_sys|worker::|worker_sys|__wbg|__wbindgen|serde|url::|core::fmt|fmt::|^[a-z]{1,3}$|^(read|write|set|get|fetch|anonymous)/i],
];

async function main() {
  mkdirSync(join(WORK, "logs"), { recursive: true });
  const inputs = await prepareInputs(join(WORK, "inputs"));
  writeFileSync(join(WORK, "inputs.json"), JSON.stringify(inputs, null, 2));
  const origin = await startNode("bench/origin.mjs", [join(WORK, "inputs.json")], join(WORK, "logs/profile-origin.log"));
  const inspectorPort = await freePort();
  const ours = WORKERD_WORKERS.ours;
  const modules = BUILD ? ours.modules.map((m) => ({ ...m, file: join(BUILD, m.name) })) : ours.modules;
  const vars = { TRANSFORM_MAX_BYTES: String(16 * 1024 * 1024) };
  const worker = await spawnWorkerd({ ...ours, modules }, origin.port, WORK, inspectorPort, vars);
  try {
    let n = 0;
    const url = () => `${worker.base}/cdn-cgi/image/${OPTIONS}/http://127.0.0.1:${origin.port}/${INPUT}?profile=${++n}`;
    await waitFor(url);
    for (let i = 0; i < WARMUPS; i++) {
      await must(url());
    }
    const inspector = await connect(inspectorPort);
    await inspector.call("Profiler.enable");
    await inspector.call("Profiler.setSamplingInterval", { interval: SAMPLING_US });
    await inspector.call("Profiler.start");
    let wallMs = 0;
    const cpuBefore = cpuMs(worker.child.pid);
    for (let i = 0; i < REQUESTS; i++) {
      wallMs += (await must(url())).ms;
    }
    const cpuPerRequest = (cpuMs(worker.child.pid) - cpuBefore) / REQUESTS;
    const { profile } = await inspector.call("Profiler.stop");
    inspector.close();
    writeFileSync(join(WORK, "profile.cpuprofile"), JSON.stringify(profile));
    print(profile, wallMs, cpuPerRequest);
  } finally {
    await Promise.all([stop(worker.child), stop(origin.child)]);
  }
}

async function waitFor(url) {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if ((await get(url())).status === 200) {
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error("the Worker did not answer within 60 s");
}

async function must(url) {
  const answer = await get(url);
  if (answer.error) {
    throw new Error(`${url}: ${answer.error}`);
  }
  return answer;
}

/**
 * A DevTools client for the isolate at /main of workerd's inspector. workerd reads inspector
 * messages when the isolate next runs, so each call is followed by cheap requests until its
 * answer arrives.
 */
async function connect(port) {
  const socket = new WebSocket(`ws://127.0.0.1:${port}/main`);
  await new Promise((resolve, reject) => {
    socket.onopen = resolve;
    socket.onerror = () => reject(new Error(`no inspector at 127.0.0.1:${port}/main`));
  });
  const pending = new Map();
  socket.onmessage = (event) => {
    const message = JSON.parse(event.data);
    pending.get(message.id)?.(message);
  };
  let id = 0;
  return {
    call(method, params = {}) {
      const callId = ++id;
      return new Promise((resolve, reject) => {
        pending.set(callId, (message) => {
          pending.delete(callId);
          return message.error ? reject(new Error(`${method}: ${JSON.stringify(message.error)}`)) : resolve(message.result);
        });
        socket.send(JSON.stringify({ id: callId, method, params }));
      });
    },
    close: () => socket.close(),
  };
}

/**
 * The stage table, then the heaviest functions, from a V8 CPU profile. A sample's time delta
 * is wall time (on a loaded machine it includes time the thread waited for a core), so each
 * stage is shown as its share of the samples and as that share of workerd's CPU time per
 * request, measured over the same requests (utime + stime, 10 ms ticks).
 */
function print(profile, wallMs, cpuPerRequest) {
  // Self time of each node: the time deltas of the samples taken in it.
  const selfUs = new Map();
  profile.samples.forEach((node, i) => selfUs.set(node, (selfUs.get(node) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  const byFunction = new Map();
  for (const node of profile.nodes) {
    const name = node.callFrame.functionName || `(anonymous ${node.callFrame.url.split("/").pop()})`;
    byFunction.set(name, (byFunction.get(name) ?? 0) + (selfUs.get(node.id) ?? 0));
  }
  const idle = new Set(["(idle)"]);
  const stageUs = new Map();
  let busyUs = 0;
  for (const [name, us] of byFunction) {
    if (idle.has(name)) {
      continue;
    }
    busyUs += us;
    const stage = STAGES.find(([, pattern]) => pattern.test(name))?.[0] ?? "other";
    stageUs.set(stage, (stageUs.get(stage) ?? 0) + us);
  }
  const perRequest = (us) => (us / 1000 / REQUESTS).toFixed(1);
  const cpuShare = (us) => ((cpuPerRequest * us) / busyUs).toFixed(1);
  const lines = [
    `Profile of ${REQUESTS} requests /cdn-cgi/image/${OPTIONS}/${INPUT} (after ${WARMUPS} warm-up), sampled every ${SAMPLING_US} µs;`,
    `mean wall time per request ${(wallMs / REQUESTS).toFixed(1)} ms; workerd's CPU time per request ${cpuPerRequest.toFixed(1)} ms.`,
    "",
    "| stage | share of samples | ms of CPU / request | sampled ms / request |",
    "| --- | ---: | ---: | ---: |",
    ...[...stageUs]
      .sort((a, b) => b[1] - a[1])
      .map(([stage, us]) => `| ${stage} | ${((100 * us) / busyUs).toFixed(0)} % | ${cpuShare(us)} | ${perRequest(us)} |`),
    `| **all but idle** | 100 % | **${cpuPerRequest.toFixed(1)}** | ${perRequest(busyUs)} |`,
    `| (idle) | | | ${perRequest(byFunction.get("(idle)") ?? 0)} |`,
    "",
    "Heaviest functions (self time, ms / request, stage):",
    "",
    ...[...byFunction]
      .filter(([name]) => !idle.has(name))
      .sort((a, b) => b[1] - a[1])
      .slice(0, 30)
      .map(([name, us]) => `- ${perRequest(us)} ${name.slice(0, 140)} (${STAGES.find(([, p]) => p.test(name))?.[0] ?? "other"})`),
  ];
  process.stdout.write(`${lines.join("\n")}\n`);
}

main().catch((error) => {
  process.stderr.write(`profile failed: ${error.stack ?? error}\n`);
  process.exit(1);
});
