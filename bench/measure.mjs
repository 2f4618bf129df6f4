// Timing requests: latency one at a time, throughput with several in flight. Plain node:http
// with keep-alive, so the client adds as little as it can and never buffers a big body.
import http from "node:http";
import { cpuMs } from "./processes.mjs";

const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
const REQUEST_TIMEOUT_MS = 120_000;
// Enough of a failed answer's body to say why it failed.
const ERROR_BODY_BYTES = 300;

/**
 * GETs `url`, reading the whole body but keeping none of it unless the status is not 200.
 * @returns {Promise<{status: number, headers: object, bytes: number, ms: number, error?: string}>}
 */
export function get(url) {
  const start = process.hrtime.bigint();
  return new Promise((resolve) => {
    const request = http.get(url, { agent, timeout: REQUEST_TIMEOUT_MS }, (response) => {
      let bytes = 0;
      let head = "";
      response.on("data", (chunk) => {
        bytes += chunk.length;
        if (response.statusCode !== 200 && head.length < ERROR_BODY_BYTES) {
          head += chunk.toString("utf8", 0, ERROR_BODY_BYTES);
        }
      });
      response.on("end", () => {
        const ms = Number(process.hrtime.bigint() - start) / 1e6;
        const answer = { status: response.statusCode, headers: response.headers, bytes, ms };
        resolve(response.statusCode === 200 ? answer : { ...answer, error: `${response.statusCode}: ${head.slice(0, ERROR_BODY_BYTES).trim()}` });
      });
      response.on("error", (error) => resolve({ status: 0, headers: {}, bytes, ms: 0, error: String(error) }));
    });
    request.on("timeout", () => request.destroy(new Error(`no answer within ${REQUEST_TIMEOUT_MS} ms`)));
    request.on("error", (error) => resolve({ status: 0, headers: {}, bytes: 0, ms: 0, error: String(error) }));
  });
}

/**
 * One latency repetition: sequential requests, stopping after `maxRequests`, or after `seconds`
 * once it has `minRequests`. Stops at the first answer `check` refuses.
 * `check(answer)` returns an error string or nothing.
 * @returns {Promise<{ok: true, rep: {n: number, median: number, p95: number, samples: number[]}} | {ok: false, error: string}>}
 */
export async function latencyRep(nextUrl, check, { minRequests, maxRequests, seconds }, progress) {
  const samples = [];
  const start = Date.now();
  while (samples.length < maxRequests && (samples.length < minRequests || Date.now() - start < seconds * 1000)) {
    progress(`request ${samples.length + 1}`);
    const answer = await get(nextUrl());
    const error = answer.error ?? check(answer);
    if (error) {
      return { ok: false, error };
    }
    samples.push(answer.ms);
  }
  return { ok: true, rep: { n: samples.length, median: percentile(samples, 50), p95: percentile(samples, 95), samples } };
}

/**
 * CPU time per request of the process that answers (`pidOf()` finds it): `cpuMs(pid)` (utime +
 * stime, 10 ms ticks) before and after serial requests, at least `minRequests` and `seconds` of
 * them, at most `maxRequests`; then `settleMs` idle so work after the answer (ours stores it in
 * its cache in waitUntil) is counted too. Stops at the first answer `check` refuses; a process
 * replaced during the run (wrangler dev restarting workerd) fails the measurement.
 */
export async function cpuPerRequest(nextUrl, check, pidOf, { minRequests, maxRequests, seconds, settleMs }, progress) {
  let requests = 0;
  const pid = pidOf();
  const before = cpuMs(pid);
  const start = Date.now();
  while (requests < maxRequests && (requests < minRequests || Date.now() - start < seconds * 1000)) {
    progress(`CPU time, request ${requests + 1}`);
    const answer = await get(nextUrl());
    const error = answer.error ?? check(answer);
    if (error) {
      return { ok: false, error };
    }
    requests++;
  }
  await new Promise((resolve) => setTimeout(resolve, settleMs));
  if (pidOf() !== pid) {
    return { ok: false, error: `process ${pid} was replaced during the CPU time run` };
  }
  const total = cpuMs(pid) - before;
  return { ok: true, requests, totalMs: total, perRequestMs: total / requests, wallMs: Date.now() - start - settleMs };
}

/**
 * One throughput repetition: `requests` requests with `concurrency` in flight; its throughput
 * is answers per second and body MiB per second over its wall time.
 */
export async function throughputRep(nextUrl, check, { concurrency, requests }, progress) {
  progress(`${requests} requests, ${concurrency} in flight`);
  let issued = 0;
  let bytes = 0;
  let error;
  const start = process.hrtime.bigint();
  const lane = async () => {
    while (issued < requests && !error) {
      issued++;
      const answer = await get(nextUrl());
      error ??= answer.error ?? check(answer);
      bytes += answer.bytes;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, lane));
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  if (error) {
    return { ok: false, error };
  }
  return { ok: true, rep: { n: requests, seconds, perSecond: requests / seconds, mibPerSecond: bytes / 1048576 / seconds } };
}

/** The p-th percentile (nearest rank) of `values`. */
export function percentile(values, p) {
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))];
}
