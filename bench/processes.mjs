// Starting and stopping what the bench measures: Node servers and `wrangler dev` instances.
// Each child runs in its own process group and is stopped by its own PID, never by name
// (other wrangler/workerd processes on the machine are not ours to touch).
import { spawn, execFileSync } from "node:child_process";
import { createWriteStream, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import path from "node:path";

const children = new Set();

// Whatever ends the bench (an error, Ctrl-C), its children end with it.
for (const signal of ["SIGINT", "SIGTERM"]) {
  process.on(signal, () => {
    stopAll();
    process.exit(130);
  });
}
process.on("exit", stopAll);

/** A port that was free a moment ago (bind port 0, read it, close). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** Runs `node <script> ...args` and resolves to the JSON line it prints once listening. */
export function startNode(script, args, logPath) {
  const child = track(spawn(process.execPath, [script, ...args], { stdio: ["ignore", "pipe", "pipe"], detached: true }));
  child.stderr.pipe(createWriteStream(logPath));
  return new Promise((resolve, reject) => {
    child.once("exit", (code) => reject(new Error(`${script} exited with ${code}; see ${logPath}`)));
    child.stdout.once("data", (line) => resolve({ ...JSON.parse(line), child }));
  });
}

/**
 * Starts `wrangler dev` on a free port with its own state directory and inspector port, and
 * resolves once `readyPath` answers 200.
 */
export async function startWrangler({ config, vars, statePath, logPath, readyPath }) {
  const port = await freePort();
  const args = ["dev", "--config", withoutBuild(config, statePath), "--ip", "127.0.0.1", "--port", String(port)];
  // Absolute, like --outdir below: wrangler reads relative paths against the config's directory.
  args.push("--inspector-port", String(await freePort()), "--persist-to", path.resolve(statePath));
  args.push("--show-interactive-dev-session=false", "--log-level", "warn");
  for (const [name, value] of Object.entries(vars)) {
    args.push("--var", `${name}:${value}`);
  }
  const log = createWriteStream(logPath);
  const child = track(spawn("wrangler", args, { stdio: ["ignore", "pipe", "pipe"], detached: true }));
  child.stdout.pipe(log);
  child.stderr.pipe(log);
  const base = `http://127.0.0.1:${port}`;
  await waitReady(`${base}${readyPath}`, child, logPath);
  return { base, child };
}

/**
 * The PID of the workerd that runs the Worker under a `wrangler dev` started as `launcher`
 * (asked when needed: wrangler dev may start a new workerd after its first one):
 * among the launcher's descendants (found from each process's parent in /proc, never by
 * name across the machine), the workerd started with `--inspector-addr`; wrangler's other
 * workerd runs its entry proxy. The e2e harness tells them apart the same way.
 */
export function workerdPid(launcher) {
  const processes = readdirSync("/proc")
    .filter((name) => /^\d+$/.test(name))
    .map((name) => {
      const stat = readOr(`/proc/${name}/stat`);
      // "pid (comm) state ppid ...": comm may hold spaces, so split at the last ") ".
      const close = stat.lastIndexOf(") ");
      const comm = stat.slice(stat.indexOf(" (") + 2, close);
      return { pid: Number(name), ppid: Number(stat.slice(close + 2).split(" ")[1]), comm };
    });
  const family = new Set([launcher]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const { pid, ppid } of processes) {
      if (family.has(ppid) && !family.has(pid)) {
        family.add(pid);
        grew = true;
      }
    }
  }
  const worker = processes.find(
    ({ pid, comm }) => family.has(pid) && comm === "workerd" && readOr(`/proc/${pid}/cmdline`).includes("--inspector-addr"),
  );
  if (!worker) {
    throw new Error(`no workerd with --inspector-addr under process ${launcher}`);
  }
  return worker.pid;
}

// The kernel counts CPU time in clock ticks (CLK_TCK a second; 100 on Linux as built today).
const TICKS_PER_SECOND = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;

/** CPU time (user + system, every thread) process `pid` has spent so far, in ms. */
export function cpuMs(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  // After "pid (comm) ", utime and stime are the 12th and 13th fields.
  const fields = stat.slice(stat.lastIndexOf(") ") + 2).split(" ");
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SECOND;
}

function readOr(path) {
  try {
    return readFileSync(path, "utf8");
  } catch {
    // The process ended while /proc was read.
    return "";
  }
}

/**
 * `config` itself, or for one with a `[build]` table (ours: `make -s build`, watching src/) a
 * copy without it, its paths made absolute, written beside `statePath`: the bench measures
 * the build it was started with, and an edit to src/ during a run must not rebuild and reload
 * the Worker in the middle of it (make bench builds first).
 */
function withoutBuild(config, statePath) {
  const text = readFileSync(config, "utf8");
  if (!/^\[build\]$/m.test(text)) {
    return config;
  }
  const dir = path.dirname(path.resolve(config));
  const copy = text
    .replace(/^\[build\]\n(?:(?!\[).*\n)*/m, "")
    .replace(/^(main|directory) = "(.*)"$/gm, (_, key, value) => `${key} = ${JSON.stringify(path.resolve(dir, value))}`);
  const out = `${path.resolve(statePath)}.wrangler.toml`;
  mkdirSync(path.dirname(out), { recursive: true });
  writeFileSync(out, copy);
  return out;
}

async function waitReady(url, child, logPath) {
  const deadline = Date.now() + 180_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) {
      throw new Error(`wrangler dev exited with ${child.exitCode}; see ${logPath}`);
    }
    const ok = await fetch(url).then((r) => r.ok, () => false);
    if (ok) {
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
  throw new Error(`wrangler dev did not answer ${url} within 180 s; see ${logPath}`);
}

/** Workers run in workerd alone: their modules, relative to the project root, and assets. */
export const WORKERD_WORKERS = {
  ours: {
    modules: [
      { name: "index.js", kind: "esModule", file: "build/index.js" },
      { name: "index_bg.wasm", kind: "wasm", file: "build/index_bg.wasm" },
    ],
    assets: "www",
  },
  "fetch-worker": { modules: [{ name: "index.js", kind: "esModule", file: "bench/workers/fetch/index.js" }] },
};

/**
 * Spawns `workerd serve` (no wrangler dev in front) running `worker` on a free port, allowed to
 * fetch from the origin at `originPort`, its config written under `workDir`; with
 * `--inspector-addr` when `inspectorPort` is given (the isolate is at path /main), and text
 * bindings `vars` beside ALLOWED_SOURCES. Does not wait:
 * `started` is the spawn time (process.hrtime.bigint()).
 */
export async function spawnWorkerd(worker, originPort, workDir, inspectorPort, vars = {}) {
  const port = await freePort();
  const config = path.join(workDir, `workerd-${port}.capnp`);
  writeFileSync(config, workerdConfig(worker, workDir, port, originPort, vars));
  const args = ["serve", config, ...(inspectorPort ? [`--inspector-addr=127.0.0.1:${inspectorPort}`] : [])];
  const started = process.hrtime.bigint();
  const child = track(spawn("workerd", args, { stdio: "ignore", detached: true }));
  return { base: `http://127.0.0.1:${port}`, child, started };
}

// The config serving one Worker on 127.0.0.1:port with ours' compatibility date; embedded
// files are named relative to the config's directory.
function workerdConfig(worker, workDir, port, originPort, vars) {
  const date = readFileSync("wrangler.toml", "utf8").match(/^compatibility_date = "(.*)"$/m)[1];
  const embed = (file) => JSON.stringify(path.relative(workDir, path.resolve(file)));
  const modules = worker.modules.map((m) => `(name = "${m.name}", ${m.kind} = embed ${embed(m.file)})`).join(", ");
  const assets = worker.assets ? `, (name = "ASSETS", service = "www")` : "";
  const texts = Object.entries(vars)
    .map(([name, value]) => `, (name = "${name}", text = ${JSON.stringify(value)})`)
    .join("");
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
  bindings = [(name = "ALLOWED_SOURCES", text = "127.0.0.1:${originPort}")${texts}${assets}],
);
`;
}

/** Stops one child (its whole process group: wrangler's workerd goes with it). */
export async function stop(child) {
  if (child.exitCode !== null || child.signalCode !== null) {
    return;
  }
  const exited = new Promise((resolve) => child.once("exit", resolve));
  kill(child, "SIGTERM");
  const timer = setTimeout(() => kill(child, "SIGKILL"), 5000);
  await exited;
  clearTimeout(timer);
  children.delete(child);
}

function stopAll() {
  for (const child of children) {
    kill(child, "SIGKILL");
  }
}

function kill(child, signal) {
  try {
    process.kill(-child.pid, signal);
  } catch {
    // Already gone.
  }
}

function track(child) {
  children.add(child);
  child.once("exit", () => children.delete(child));
  return child;
}

/**
 * The gzipped upload size of a Worker, from `wrangler deploy --dry-run`'s
 * "Total Upload: X KiB / gzip: Y KiB" line.
 */
export function bundleSize(config, outdir) {
  const output = execFileSync("wrangler", ["deploy", "--dry-run", "--config", config, "--outdir", path.resolve(outdir)], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
  });
  const match = output.match(/Total Upload: ([\d.]+) KiB \/ gzip: ([\d.]+) KiB/);
  if (!match) {
    throw new Error(`no "Total Upload" line in wrangler's output:\n${output}`);
  }
  return { totalKiB: Number(match[1]), gzipKiB: Number(match[2]) };
}

/** The first line a command prints (for versions). */
export function firstLine(command, args) {
  return execFileSync(command, args, { encoding: "utf8" }).trim().split("\n")[0];
}
