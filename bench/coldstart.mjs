// Cold start, in workerd alone (no wrangler dev in front: its Node start-up and bundling would
// drown what the module itself costs): our Worker and the fetch-only Worker, each started
// afresh ROUNDS times. For each start: process start (spawn) to the first 200 answer of
// flower → 320 px JPEG (the fetch-only Worker: the flower itself), polled every
// POLL_MS; that first answer's own latency (the first request a fresh isolate serves); and
// the second request's (a new source URL, so a transform again).
import { mkdirSync } from "node:fs";
import { get } from "./measure.mjs";
import { WORKERD_WORKERS, spawnWorkerd, stop } from "./processes.mjs";

const ROUNDS = 5;
const POLL_MS = 2;
const GIVE_UP_MS = 60_000;

/** The URL each Worker started cold is asked, for a source URL. */
const URLS = {
  ours: (base, source) => `${base}/cdn-cgi/image/width=320,format=jpeg,quality=80/${source}`,
  "fetch-worker": (base, source) => `${base}/?${new URLSearchParams({ url: source })}`,
};

/**
 * Measures each Worker's cold start against the origin at `originPort`, writing its workerd
 * configs under `workDir`. Returns { name: { rounds: [{ startToFirstMs, firstMs, secondMs }] } }.
 */
export async function coldStart(originPort, workDir, progress) {
  mkdirSync(workDir, { recursive: true });
  const results = {};
  for (const name of Object.keys(URLS)) {
    const rounds = [];
    for (let round = 1; round <= ROUNDS; round++) {
      progress(`cold start: ${name}, start ${round}/${ROUNDS}`);
      rounds.push(await oneStart(name, originPort, workDir, round));
    }
    results[name] = { rounds };
  }
  return results;
}

async function oneStart(name, originPort, workDir, round) {
  const source = (n) => `http://127.0.0.1:${originPort}/flower.jpg?cold=${round}-${n}`;
  const url = (n) => URLS[name](base, source(n));
  const { base, child, started } = await spawnWorkerd(WORKERD_WORKERS[name], originPort, workDir);
  try {
    let first;
    while (!first) {
      const answer = await get(url(1));
      const elapsedMs = Number(process.hrtime.bigint() - started) / 1e6;
      if (answer.status === 200) {
        first = { startToFirstMs: elapsedMs, firstMs: answer.ms };
      } else if (answer.status !== 0 || elapsedMs > GIVE_UP_MS || child.exitCode !== null) {
        throw new Error(`cold start of ${name}: ${answer.error ?? answer.status} after ${Math.round(elapsedMs)} ms`);
      } else {
        await new Promise((resolve) => setTimeout(resolve, POLL_MS));
      }
    }
    const second = await get(url(2));
    if (second.status !== 200) {
      throw new Error(`cold start of ${name}, second request: ${second.error}`);
    }
    return { ...first, secondMs: second.ms };
  } finally {
    await stop(child);
  }
}
