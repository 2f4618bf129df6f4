//! Runs the built Worker in `wrangler dev` (workerd) for the end-to-end tests, once per test
//! binary, with its configuration pointing at the test origin, and speaks HTTP to it.

use std::io::Read;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use sha2::{Digest, Sha256};

use super::origin;

/// The running Worker and origin.
pub struct Harness {
    /// `http://127.0.0.1:<port>` of wrangler dev.
    pub base: String,
    /// The shell that runs wrangler, whose descendants include workerd.
    launcher: u32,
    /// The inspector port (DevTools protocol, see `inspector`) and the isolate's path on it.
    inspector_port: u16,
    inspector_path: &'static str,
    /// A path the Worker answers cheaply.
    ready_path: &'static str,
    /// Its local state (`--persist-to`): edge cache, R2, queues.
    state: PathBuf,
}

/// Upstream timeout the Worker runs with; the slow origin path takes longer.
pub const UPSTREAM_TIMEOUT_MS: u64 = 1500;

/// The longest silence the Worker allows an upstream body; the stalling paths are longer.
pub const UPSTREAM_IDLE_TIMEOUT_MS: u64 = 2000;

/// The `PURGE_TOKEN` of [`harness`]'s Worker.
pub const PURGE_TOKEN: &str = "e2e-purge-token-0123456789";

/// Starts origin and Worker on first use; later calls share them.
pub fn harness() -> &'static Harness {
    static HARNESS: OnceLock<Harness> = OnceLock::new();
    // Origins' short max-ages are kept as they are, so that tests can watch entries go stale.
    HARNESS.get_or_init(|| start(&[("PURGE_TOKEN", PURGE_TOKEN), ("CACHE_TTL_MIN_SECONDS", "1")], None))
}

/// The Worker built with a `/debug/panic` route (`make build-panic`), started on first use.
pub fn panic_harness() -> &'static Harness {
    static HARNESS: OnceLock<Harness> = OnceLock::new();
    HARNESS.get_or_init(|| start(&[], Some("tests/e2e/panic.wrangler.toml")))
}

/// The key [`signing_harness`]'s Worker requires URLs to be signed with.
pub const SIGNING_KEY: &str = "e2e-signing-key-0123456789abcdef";

/// A second Worker, started on first use, that serves signed URLs only.
pub fn signing_harness() -> &'static Harness {
    static HARNESS: OnceLock<Harness> = OnceLock::new();
    HARNESS.get_or_init(|| start(&[("SIGNING_KEY", SIGNING_KEY)], None))
}

/// Where [`watermark_harness`]'s watermark is served on the test origin (the test publishes
/// it there before the first request).
pub const WATERMARK_PATH: &str = "/published/e2e-watermark.png";

/// The `WATERMARK_MIN_WIDTH` of [`watermark_harness`].
pub const WATERMARK_MIN_WIDTH: u32 = 100;

/// A Worker, started on first use, that draws the watermark at [`WATERMARK_PATH`] on every
/// transformed image: opaque, at the bottom-right corner 10 pixels in, on outputs at least
/// [`WATERMARK_MIN_WIDTH`] wide, and on sources that need nothing else too.
pub fn watermark_harness() -> &'static Harness {
    static HARNESS: OnceLock<Harness> = OnceLock::new();
    HARNESS.get_or_init(|| {
        let source = origin_url(WATERMARK_PATH);
        let min_width = WATERMARK_MIN_WIDTH.to_string();
        start(
            &[
                ("WATERMARK_SOURCE", &source),
                ("WATERMARK_GRAVITY", "1x1"),
                ("WATERMARK_MARGIN", "10"),
                ("WATERMARK_MIN_WIDTH", &min_width),
                ("WATERMARK_UNTOUCHED", "transform"),
            ],
            None,
        )
    })
}

/// The memory budget of [`budget_harness`]: the default transform cap, so that one large
/// source fills it.
pub const SMALL_BUDGET: u64 = 5 * 1024 * 1024;

/// The `PASSTHROUGH_MAX_BYTES` of [`budget_harness`].
pub const PASSTHROUGH_LIMIT: u64 = 12 * 1024 * 1024;

/// A Worker, started on first use, whose memory budget holds a single large source and
/// that passes through no source over [`PASSTHROUGH_LIMIT`].
pub fn budget_harness() -> &'static Harness {
    static HARNESS: OnceLock<Harness> = OnceLock::new();
    HARNESS.get_or_init(|| {
        let budget = SMALL_BUDGET.to_string();
        let limit = PASSTHROUGH_LIMIT.to_string();
        start(&[("BUFFER_BUDGET_BYTES", &budget), ("PASSTHROUGH_MAX_BYTES", &limit)], None)
    })
}

/// A Worker with `CPU_BUDGET_MS` at `budget_ms`, started on first use of each budget.
pub fn cpu_budget_harness(budget_ms: u64) -> &'static Harness {
    static STARTED: std::sync::Mutex<Vec<(u64, &'static Harness)>> = std::sync::Mutex::new(Vec::new());
    let mut started = STARTED.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    if let Some((_, harness)) = started.iter().find(|(budget, _)| *budget == budget_ms) {
        return harness;
    }
    // Leaked like the other harnesses' statics: they live as long as the test process.
    let harness: &'static Harness =
        Box::leak(Box::new(start(&[("CPU_BUDGET_MS", &budget_ms.to_string())], None)));
    started.push((budget_ms, harness));
    harness
}

/// The smallest Worker in front of the origin (`bench/workers/fetch`: `fetch(url)` and
/// nothing else), started on first use: what workerd and wrangler dev cost by themselves, for
/// the pass-through figures of `make soak`.
pub fn fetch_only_harness() -> &'static Harness {
    static HARNESS: OnceLock<Harness> = OnceLock::new();
    HARNESS.get_or_init(|| start(&[], Some("bench/workers/fetch/wrangler.toml")))
}

/// A Worker, started on first use, with no idle timeout (`UPSTREAM_IDLE_TIMEOUT_MS=0`) and no
/// pass-through limit: upstream bodies are handed on without the guard.
pub fn unguarded_harness() -> &'static Harness {
    static HARNESS: OnceLock<Harness> = OnceLock::new();
    HARNESS.get_or_init(|| start(&[("UPSTREAM_IDLE_TIMEOUT_MS", "0")], None))
}

/// A Worker, started on first use, that stores nothing in the edge cache
/// (`CACHE_MAX_BYTES=0`), for the soak's comparison.
pub fn uncached_harness() -> &'static Harness {
    static HARNESS: OnceLock<Harness> = OnceLock::new();
    HARNESS.get_or_init(|| start(&[("CACHE_MAX_BYTES", "0")], None))
}

/// Our Worker run by workerd alone, started on first use: no wrangler dev in front (no entry
/// proxy, no local Cache API, no dev tooling), so its memory is production's runtime's and
/// ours. The same build and variables as [`harness`]; static assets come from `www/` through
/// a disk service, and the Cache API has no storage behind it (every put fails, and is
/// counted as such).
pub fn plain_workerd_harness() -> &'static Harness {
    static HARNESS: OnceLock<Harness> = OnceLock::new();
    HARNESS.get_or_init(start_plain_workerd)
}

fn start_plain_workerd() -> Harness {
    let origin_port = origin_port();
    let (port, inspector_port) = (free_port(), free_port());
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    assert!(root.join("build/index.js").exists(), "build the Worker first: make build (make test does)");
    let manifest = std::fs::read_to_string(root.join("wrangler.toml")).expect("wrangler.toml");
    let date = manifest
        .lines()
        .find_map(|line| line.strip_prefix("compatibility_date = "))
        .expect("a compatibility date in wrangler.toml")
        .trim_matches('"');
    let variables = [
        ("ALLOWED_SOURCES", format!("127.0.0.1:{origin_port}")),
        ("UPSTREAM_TIMEOUT_MS", UPSTREAM_TIMEOUT_MS.to_string()),
        ("UPSTREAM_IDLE_TIMEOUT_MS", UPSTREAM_IDLE_TIMEOUT_MS.to_string()),
    ];
    let bindings: String =
        variables.iter().map(|(name, value)| format!("(name = \"{name}\", text = \"{value}\"), ")).collect();
    let config = format!(
        r#"using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [
    (name = "main", worker = .proxy),
    (name = "www", disk = (path = "{www}")),
    (name = "internet", network = (allow = ["public", "private", "local"])),
  ],
  sockets = [(name = "http", address = "127.0.0.1:{port}", http = (), service = "main")],
);
const proxy :Workerd.Worker = (
  modules = [
    (name = "index.js", esModule = embed "../../build/index.js"),
    (name = "index_bg.wasm", wasm = embed "../../build/index_bg.wasm"),
  ],
  compatibilityDate = "{date}",
  bindings = [{bindings}(name = "ASSETS", service = "www")],
);
"#,
        www = root.join("www").display(),
    );
    // Embedded files are named relative to the config, which lives two levels down.
    let state = root.join("target/e2e-state");
    std::fs::create_dir_all(&state).expect("target/e2e-state");
    let config_path = state.join(format!("plain-workerd-{port}.capnp"));
    std::fs::write(&config_path, config).expect("the workerd config");
    let workerd =
        format!("workerd serve {} --inspector-addr=127.0.0.1:{inspector_port}", config_path.display());
    let log = format!("target/e2e-workerd-{port}.log");
    let launcher = launch(&workerd, &[], &log);
    let base = format!("http://127.0.0.1:{port}");
    let ready_path = "/debug/memory-stats";
    wait_ready(&format!("{base}{ready_path}"), &log);
    Harness { base, launcher, inspector_port, inspector_path: "/main", ready_path, state }
}

fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("a free port");
    listener.local_addr().expect("bound").port()
}

fn start(extra_vars: &[(&str, &str)], config: Option<&str>) -> Harness {
    start_sharing_r2(extra_vars, config, None)
}

/// The config of the Workers with R2 buckets and a queue (`tier_harnesses`).
pub const TIER_CONFIG: &str = "tests/e2e/tier.wrangler.toml";

/// The local bucket `TIER_CONFIG` binds as `SOURCE_BUCKET`.
pub const SOURCE_BUCKET: &str = "e2e-sources";

/// Two Workers, started on first use, with the R2 source bucket, the variant tier and the
/// warming queue of [`TIER_CONFIG`]: two data centres, each with its own edge cache and
/// queue, sharing one R2 store (the second's local R2 directory is the first's).
pub fn tier_harnesses() -> (&'static Harness, &'static Harness) {
    static HARNESSES: OnceLock<(Harness, Harness)> = OnceLock::new();
    let (first, second) = HARNESSES.get_or_init(|| {
        let vars = [("PURGE_TOKEN", PURGE_TOKEN), ("CACHE_TTL_MIN_SECONDS", "1")];
        let first = start(&vars, Some(TIER_CONFIG));
        let second = start_sharing_r2(&vars, Some(TIER_CONFIG), Some(&first.state));
        (first, second)
    });
    (first, second)
}

/// Starts a Worker in wrangler dev; with `shared_r2`, its R2 store is that state directory's.
fn start_sharing_r2(extra_vars: &[(&str, &str)], config: Option<&str>, shared_r2: Option<&Path>) -> Harness {
    let origin_port = origin_port();
    let port = free_port();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    assert!(root.join("build/index.js").exists(), "build the Worker first: make build (make test does)");
    // A fresh state directory per run, so the edge cache starts empty.
    let state = root.join(format!("target/e2e-state/{}-{port}", std::process::id()));
    if let Some(shared) = shared_r2 {
        // wrangler dev keeps each kind of state in its own directory under v3/: sharing only
        // r2/ gives two separate edge caches over one bucket store.
        std::fs::create_dir_all(shared.join("v3/r2")).expect("the shared R2 directory");
        std::fs::create_dir_all(state.join("v3")).expect("a state directory");
        std::os::unix::fs::symlink(shared.join("v3/r2"), state.join("v3/r2"))
            .expect("a link to the shared R2 store");
    }
    let mut extra: String = extra_vars.iter().map(|(name, value)| format!(" --var {name}:{value}")).collect();
    // The tests' own idle timeout, unless the caller sets one.
    if !extra_vars.iter().any(|(name, _)| *name == "UPSTREAM_IDLE_TIMEOUT_MS") {
        extra.push_str(&format!(" --var UPSTREAM_IDLE_TIMEOUT_MS:{UPSTREAM_IDLE_TIMEOUT_MS}"));
    }
    if let Some(config) = config {
        extra.push_str(&format!(" --config {config}"));
    }
    let inspector_port = free_port();
    let wrangler = format!(
        "wrangler dev --ip 127.0.0.1 --port {port} --inspector-port {inspector_port} \
         --show-interactive-dev-session=false --persist-to {state} --log-level warn \
         --var ALLOWED_SOURCES:127.0.0.1:{origin_port} --var UPSTREAM_TIMEOUT_MS:{UPSTREAM_TIMEOUT_MS}{extra}",
        state = state.display(),
    );
    let log = format!("target/e2e-wrangler-{port}.log");
    let launcher = launch(&wrangler, &[], &log);
    let base = format!("http://127.0.0.1:{port}");
    // The fetch-only Worker has no memory-stats route; it answers /ready.
    let ready_path =
        if config.is_some_and(|c| c.starts_with("bench/")) { "/ready" } else { "/debug/memory-stats" };
    wait_ready(&format!("{base}{ready_path}"), &log);
    Harness { base, launcher, inspector_port, inspector_path: "/ws", ready_path, state }
}

/// Runs `command` in bash (from the project's root, with `env` added to this process's
/// environment, its output in `log`) in a process group of its own, which a watcher shell kills
/// when this test process ends (statics are never dropped, so nothing in Rust could), or when
/// [`stop`] asks: the watcher's pid, whose descendants include the command's.
// The watcher is not waited for: it ends by itself once this process has gone.
#[allow(clippy::zombie_processes)]
pub fn launch(command: &str, env: &[(&str, &str)], log: &str) -> u32 {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let script = format!(
        "set -m; {command} & child=$!; trap 'kill -- -$child 2>/dev/null; exit' TERM; \
         while kill -0 {me} 2>/dev/null; do sleep 0.5; done; kill -- -$child 2>/dev/null",
        me = std::process::id()
    );
    let log = std::fs::File::create(root.join(log)).expect("log file");
    Command::new("bash")
        .arg("-c")
        .arg(script)
        .current_dir(root)
        .envs(env.iter().copied())
        .stdin(Stdio::null())
        .stdout(log.try_clone().expect("log"))
        .stderr(log)
        .spawn()
        .unwrap_or_else(|e| panic!("run {command} (make test puts node_modules/.bin on PATH): {e}"))
        .id()
}

/// Ends what [`launch`] started, before this test process ends.
pub fn stop(launcher: u32) {
    // The watcher's trap kills the command's process group.
    let _ = Command::new("kill").arg(launcher.to_string()).status();
}

/// Waits until `ready_url` answers 200, at most 180 s: a launched server has started.
pub fn wait_ready(ready_url: &str, log: &str) {
    let deadline = Instant::now() + Duration::from_secs(180);
    while Instant::now() < deadline {
        if let Ok(reply) = ureq::get(ready_url).call() {
            if reply.status() == 200 {
                return;
            }
        }
        std::thread::sleep(Duration::from_millis(300));
    }
    panic!("{ready_url} did not answer within 180 s; see {log}");
}

/// An HTTP answer, whatever its status.
pub struct Reply {
    /// Status code.
    pub status: u16,
    headers: Vec<(String, String)>,
    /// The whole body.
    pub body: Vec<u8>,
}

impl Reply {
    /// A header's value (names are case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    /// The body as a problem document.
    pub fn problem(&self) -> serde_json::Value {
        assert_eq!(self.header("content-type"), Some("application/problem+json"), "status {}", self.status);
        serde_json::from_slice(&self.body).expect("problem+json body")
    }

    /// The body decoded as an image.
    pub fn image(&self) -> image::DynamicImage {
        image::load_from_memory(&self.body)
            .unwrap_or_else(|e| panic!("status {}: body is not an image: {e}", self.status))
    }
}

/// Sends `method` to the Worker at `path` with `headers`.
pub fn request(method: &str, path: &str, headers: &[(&str, &str)]) -> Reply {
    harness().request(method, path, headers)
}

impl Harness {
    /// Sends `method` to this Worker at `path` with `headers`.
    pub fn request(&self, method: &str, path: &str, headers: &[(&str, &str)]) -> Reply {
        send(&self.base, method, path, headers)
    }

    /// `POST path` with a JSON `body` and `headers`.
    pub fn post(&self, path: &str, headers: &[(&str, &str)], body: &str) -> Reply {
        let agent = ureq::AgentBuilder::new().timeout(Duration::from_secs(60)).build();
        let mut req = agent.post(&format!("{}{path}", self.base)).set("content-type", "application/json");
        for (name, value) in headers {
            req = req.set(name, value);
        }
        read_reply(req.send_string(body), "POST", path)
    }

    /// `GET path`, answered with its headers and the body not yet read, for tests that read
    /// bodies in part or expect them to break.
    pub fn open(&self, path: &str, headers: &[(&str, &str)]) -> ureq::Response {
        let agent = ureq::AgentBuilder::new().timeout(Duration::from_secs(20)).redirects(0).build();
        let mut req = agent.get(&format!("{}{path}", self.base));
        for (name, value) in headers {
            req = req.set(name, value);
        }
        match req.call() {
            Ok(response) | Err(ureq::Error::Status(_, response)) => response,
            Err(e) => panic!("GET {path}: {e}"),
        }
    }

    /// Makes V8 collect garbage in this Worker's isolate: its heap's (used, total) bytes after.
    pub fn collect_garbage(&self) -> (u64, u64) {
        let ready = format!("{}{}", self.base, self.ready_path);
        super::inspector::collect_garbage(self.inspector_port, self.inspector_path, || {
            let _ = ureq::get(&ready).call();
        })
    }

    /// The resident memory of this Worker's workerd processes, in bytes (Linux `/proc`).
    pub fn workerd_rss_bytes(&self) -> u64 {
        let (entry, worker) = self.workerd_rss_split();
        entry + worker
    }

    /// The resident memory of wrangler dev's two workerd processes, in bytes: the one in
    /// front (wrangler's entry proxy) and the one that runs the Worker.
    pub fn workerd_rss_split(&self) -> (u64, u64) {
        self.per_workerd(|pid| {
            let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
            let rss_kib = status
                .lines()
                .find(|line| line.starts_with("VmRSS:"))
                .and_then(|line| line.split_whitespace().nth(1)?.parse::<u64>().ok())
                .unwrap_or(0);
            rss_kib * 1024
        })
    }

    /// The CPU time (user and system, all threads) wrangler dev's two workerd processes
    /// have used so far, in milliseconds: (entry proxy, the Worker's), as in
    /// [`Self::workerd_rss_split`]. Linux counts it in ticks of 10 ms (USER_HZ is 100 on
    /// every mainstream kernel build).
    pub fn workerd_cpu_ms_split(&self) -> (u64, u64) {
        self.per_workerd(|pid| {
            let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
            // After "pid (comm) ", utime and stime are the 12th and 13th fields.
            let fields: Vec<u64> = stat
                .rsplit_once(") ")
                .map(|(_, rest)| rest.split_whitespace().map(|f| f.parse().unwrap_or(0)).collect())
                .unwrap_or_default();
            (fields.get(11).unwrap_or(&0) + fields.get(12).unwrap_or(&0)) * 10
        })
    }

    /// `measure` summed over wrangler dev's workerd processes: (the entry proxy's, the one
    /// that runs the Worker, known by its inspector address).
    fn per_workerd(&self, measure: impl Fn(u32) -> u64) -> (u64, u64) {
        let parents: Vec<(u32, u32, String)> = std::fs::read_dir("/proc")
            .into_iter()
            .flatten()
            .flatten()
            .filter_map(|entry| {
                let pid: u32 = entry.file_name().to_str()?.parse().ok()?;
                let stat = std::fs::read_to_string(entry.path().join("stat")).ok()?;
                // "pid (comm) state ppid ...": comm may hold spaces, so split after ')'.
                let (comm, rest) = stat.split_once(" (")?.1.rsplit_once(") ")?;
                let ppid = rest.split_whitespace().nth(1)?.parse().ok()?;
                Some((pid, ppid, comm.to_string()))
            })
            .collect();
        let mut family = vec![self.launcher];
        let mut grew = true;
        while grew {
            grew = false;
            for (pid, ppid, _) in &parents {
                if family.contains(ppid) && !family.contains(pid) {
                    family.push(*pid);
                    grew = true;
                }
            }
        }
        let (mut entry, mut worker) = (0, 0);
        for (pid, _, comm) in &parents {
            if !family.contains(pid) || comm != "workerd" {
                continue;
            }
            let cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
            let runs_the_worker = cmdline.windows(16).any(|w| w == b"--inspector-addr");
            *(if runs_the_worker { &mut worker } else { &mut entry }) += measure(*pid);
        }
        (entry, worker)
    }

    /// Puts `objects` (key, bytes) into this Worker's local [`SOURCE_BUCKET`] with
    /// `wrangler r2 bulk put` (one wrangler run for all), stored with `content_type` and
    /// `cache_control` when given.
    pub fn put_objects(
        &self,
        objects: &[(&str, &[u8])],
        content_type: Option<&str>,
        cache_control: Option<&str>,
    ) {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let dir = self.state.join(format!("objects-{}", free_port()));
        std::fs::create_dir_all(&dir).expect("a directory for the objects");
        let entries: Vec<serde_json::Value> = objects
            .iter()
            .enumerate()
            .map(|(index, (key, bytes))| {
                let file = dir.join(index.to_string());
                std::fs::write(&file, bytes).expect("an object's file");
                serde_json::json!({ "key": key, "file": file })
            })
            .collect();
        let manifest = dir.join("manifest.json");
        std::fs::write(&manifest, serde_json::Value::from(entries).to_string()).expect("the manifest");
        let mut command = Command::new("wrangler");
        command.current_dir(root).args(["r2", "bulk", "put", SOURCE_BUCKET, "--local", "-c", TIER_CONFIG]);
        command.arg("--persist-to").arg(&self.state).arg("--filename").arg(&manifest);
        if let Some(content_type) = content_type {
            command.args(["--content-type", content_type]);
        }
        if let Some(cache_control) = cache_control {
            command.args(["--cache-control", cache_control]);
        }
        let output =
            command.output().expect("wrangler r2 bulk put (make test puts node_modules/.bin on PATH)");
        assert!(output.status.success(), "wrangler r2 bulk put: {}", String::from_utf8_lossy(&output.stderr));
    }

    /// The Worker's `/debug/memory-stats`.
    pub fn memory_stats(&self) -> serde_json::Value {
        let reply = self.request("GET", "/debug/memory-stats", &[]);
        assert_eq!(reply.status, 200);
        serde_json::from_slice(&reply.body).expect("memory-stats is JSON")
    }
}

/// Sends `method` to the server at `base` (`http://127.0.0.1:8787`) for `path` with `headers`.
pub fn send(base: &str, method: &str, path: &str, headers: &[(&str, &str)]) -> Reply {
    let agent = ureq::AgentBuilder::new().timeout(Duration::from_secs(60)).redirects(0).build();
    let mut req = agent.request(method, &format!("{base}{path}"));
    for (name, value) in headers {
        req = req.set(name, value);
    }
    read_reply(req.call(), method, path)
}

/// The answer to `method path`, whatever its status, read whole (at most 64 MiB).
fn read_reply(sent: Result<ureq::Response, ureq::Error>, method: &str, path: &str) -> Reply {
    let response = match sent {
        Ok(response) | Err(ureq::Error::Status(_, response)) => response,
        Err(e) => panic!("{method} {path}: {e}"),
    };
    let status = response.status();
    let headers = response
        .headers_names()
        .into_iter()
        .filter_map(|name| response.header(&name).map(|v| (name.clone(), v.to_string())))
        .collect();
    let mut body = Vec::new();
    response.into_reader().take(64 * 1024 * 1024).read_to_end(&mut body).expect("read body");
    Reply { status, headers, body }
}

/// `GET path`.
pub fn get(path: &str) -> Reply {
    request("GET", path, &[])
}

/// A proxied URL for a file of the shared corpus, served by the test origin.
pub fn corpus(options: &str, file: &str) -> String {
    format!("/cdn-cgi/image/{options}/{}", origin_url(&format!("/corpus/{file}")))
}

/// The SHA-256 of `bytes`: large bodies are compared by digest, so that a failure prints 32
/// bytes rather than megabytes.
pub fn sha256(bytes: &[u8]) -> Vec<u8> {
    Sha256::digest(bytes).to_vec()
}

/// Asks again until the answer comes from the edge cache: the store happens after the first
/// answer has gone (`wait_until`).
pub fn wait_for_hit(path: &str) -> Reply {
    for _ in 0..30 {
        let reply = get(path);
        if reply.header("x-cache") == Some("HIT") {
            return reply;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    panic!("{path} never came from the cache");
}

/// An absolute URL on the test origin.
pub fn origin_url(path: &str) -> String {
    format!("http://127.0.0.1:{}{path}", origin_port())
}

/// The test origin's port, started on first use and shared by every Worker.
fn origin_port() -> u16 {
    static ORIGIN: OnceLock<u16> = OnceLock::new();
    *ORIGIN.get_or_init(origin::start)
}
