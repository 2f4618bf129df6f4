// What is measured: the workloads, and the contestants with the URL each is asked in.
import { PASS_THROUGH_BYTES } from "./inputs.mjs";

const MIB = 1024 * 1024;

/**
 * Each workload: an input the origin serves, the options every contestant is asked for, and
 * its kind: "transform" (every request does the work: its source URL is unique), "cache-hit"
 * (one URL, repeated after its first MISS) or "pass-through" (a source over the byte cap).
 */
export const WORKLOADS = [
  {
    id: "flower-720-jpeg",
    title: "flower 2268×1512 JPEG → 720 px JPEG q80, Lanczos3 (the shape of sharp's benchmark)",
    input: "flower.jpg",
    options: { width: 720, format: "jpeg", quality: 80 },
    kind: "transform",
  },
  {
    id: "flower-320-webp",
    title: "flower → 320 px WebP (q80 where the encoder is lossy)",
    input: "flower.jpg",
    options: { width: 320, format: "webp", quality: 80 },
    kind: "transform",
  },
  {
    id: "flower-320-jpeg",
    title: "flower → 320 px JPEG q80",
    input: "flower.jpg",
    options: { width: 320, format: "jpeg", quality: 80 },
    kind: "transform",
  },
  {
    id: "12mp-320-jpeg",
    title: "12 Mpx JPEG (4000×3000, under 5 MiB) → 320 px JPEG q80",
    input: "flower-12mp.jpg",
    options: { width: 320, format: "jpeg", quality: 80 },
    kind: "transform",
  },
  {
    id: "24mp-320-jpeg",
    title: "24 Mpx JPEG (6000×4000, over 5 MiB) → 320 px JPEG q80; ours with TRANSFORM_MAX_BYTES=16 MiB",
    input: "flower-24mp.jpg",
    options: { width: 320, format: "jpeg", quality: 80 },
    kind: "transform",
    // The default cap (5 MiB) would pass this source through untouched.
    ourVars: { TRANSFORM_MAX_BYTES: String(16 * MIB) },
  },
  {
    id: "alpha-png-256",
    title: "PNG with alpha (768×512 RGBA) → 256 px PNG",
    input: "alpha.png",
    options: { width: 256, format: "png" },
    kind: "transform",
  },
  {
    id: "cache-hit",
    title: "cache hit: the flower-720-jpeg answer again; the origin and the fetch-only Worker serve a 720 px JPEG of about the same size",
    input: "flower.jpg",
    options: { width: 720, format: "jpeg", quality: 80 },
    kind: "cache-hit",
    baselineInput: "flower-720.jpg",
  },
  {
    id: "pass-through-200mib",
    title: "200 MiB image/jpeg source asked for 320 px: ours streams it through untouched",
    input: "pass-through.jpg",
    options: { width: 320, format: "jpeg", quality: 80 },
    kind: "pass-through",
  },
];

/**
 * The contestants. `worker` names a wrangler config for the Workers; `url` builds the request
 * for a source URL and options; `memoryPath` answers JSON with `wasm_memory_bytes`.
 */
export const CONTESTANTS = {
  ours: {
    label: "ours (Rust/Wasm, workerd)",
    worker: "wrangler.toml",
    readyPath: "/debug/memory-stats",
    memoryPath: "/debug/memory-stats",
    url: (base, source, options) => `${base}/cdn-cgi/image/${optionList(options)}/${source}`,
  },
  photon: {
    label: "@cf-wasm/photon (workerd)",
    worker: "bench/workers/photon/wrangler.toml",
    readyPath: "/debug/memory",
    memoryPath: "/debug/memory",
    url: queryUrl,
  },
  "wasm-image-optimization": {
    label: "wasm-image-optimization (workerd)",
    worker: "bench/workers/wasm-image-optimization/wrangler.toml",
    readyPath: "/debug/memory",
    memoryPath: "/debug/memory",
    url: queryUrl,
  },
  // Ours again, in workerd alone as production runs a Worker: no wrangler dev in front (its
  // Node proxy adds latency; its entry Worker and local Cache API storage add CPU to the
  // workerd measured) and no Cache API storage (every request is a miss either way).
  "ours-workerd": {
    label: "ours in workerd alone (no wrangler dev)",
    workerd: "ours",
    memoryPath: "/debug/memory-stats",
    url: (base, source, options) => `${base}/cdn-cgi/image/${optionList(options)}/${source}`,
  },
  sharp: {
    label: "sharp (native libvips, Node)",
    url: queryUrl,
  },
  // Baselines: the same bytes with no image code. Both are asked for the workload's
  // `baselineInput` when it has one (the cached answer's size, not the source's).
  "fetch-worker": {
    label: "fetch-only JS Worker (workerd)",
    worker: "bench/workers/fetch/wrangler.toml",
    readyPath: "/ready",
    baseline: true,
    url: (base, source) => `${base}/?${new URLSearchParams({ url: source })}`,
  },
  // The fetch-only Worker in workerd alone: the runtime's share beside "ours-workerd".
  "fetch-worker-workerd": {
    label: "fetch-only JS Worker in workerd alone",
    workerd: "fetch-worker",
    baseline: true,
    url: (base, source) => `${base}/?${new URLSearchParams({ url: source })}`,
  },
  // The cache hit's other yardstick: a file of about the same size (66 KB) from our own
  // Worker's static assets, asked of the same wrangler dev as ours.
  "ours-static": {
    label: "static asset of our Worker (workerd)",
    baseline: true,
    sameWorkerAs: "ours",
    url: (base) => `${base}/samples/landscape.jpg`,
  },
  origin: {
    label: "origin (plain Node fetch)",
    baseline: true,
    url: (base, source) => source,
  },
};

/** The Wasm Workers other than ours, for "best Wasm peer". */
export const PEERS = ["photon", "wasm-image-optimization"];

/**
 * Who runs each kind of workload: a library is not a proxy, so only ours has a cache and a
 * pass-through path. Beside a transform the fetch-only Worker fetches the same source: its
 * CPU time is workerd's own share, taken off each Worker's ("net"); ours and it also run in
 * workerd alone, for the figures without wrangler dev's share.
 */
export function contestantsFor(workload) {
  if (workload.kind === "transform") {
    return ["ours", ...PEERS, "sharp", "fetch-worker", "ours-workerd", "fetch-worker-workerd"];
  }
  return workload.kind === "cache-hit" ? ["ours", "ours-static", "fetch-worker", "origin"] : ["ours", "fetch-worker", "origin"];
}

/** Who each contestant is compared with: its best rival and the reference. */
export function rivalsFor(workload) {
  if (workload.kind === "transform") {
    return { reference: "sharp", others: PEERS };
  }
  return { reference: "origin", others: workload.kind === "cache-hit" ? ["ours-static", "fetch-worker"] : ["fetch-worker"] };
}

/** `check(answer)` for a workload and contestant: an error string, or nothing when the answer is right. */
export function checkFor(workload, contestant) {
  return (answer) => {
    if (workload.kind === "pass-through") {
      return answer.bytes === PASS_THROUGH_BYTES ? undefined : `body of ${answer.bytes} bytes, not ${PASS_THROUGH_BYTES}`;
    }
    if (CONTESTANTS[contestant].baseline) {
      // Their bytes are the origin's own; get() has already refused any status but 200.
      return undefined;
    }
    const type = answer.headers["content-type"];
    if (type !== `image/${workload.options.format}`) {
      return `Content-Type ${type}, not image/${workload.options.format}`;
    }
    if (contestant === "ours") {
      const expected = workload.kind === "cache-hit" ? "HIT" : "MISS";
      if (answer.headers["x-cache"] !== expected) {
        return `X-Cache ${answer.headers["x-cache"]}, not ${expected}`;
      }
    }
    return undefined;
  };
}

function optionList(options) {
  return Object.entries(options)
    .map(([name, value]) => `${name}=${value}`)
    .join(",");
}

function queryUrl(base, source, options) {
  const query = new URLSearchParams({ url: source, ...options });
  return `${base}/?${query}`;
}
