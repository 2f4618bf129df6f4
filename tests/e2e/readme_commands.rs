//! Every command README.md shows works as written. Each test takes its command from README's
//! own text, so a changed command is the one tested, and a command that no test here runs and
//! [`RUN_ELSEWHERE`] does not account for fails `every_readme_command_is_run_or_accounted_for`.
//!
//! Run here, each checked by its effect:
//! - `make dev`: the playground, the reference and a resized sample at the address README gives;
//! - `make dev PORT=… WRANGLER_ARGS="--var ALLOWED_SOURCES:…"`: serves on that port, transforms
//!   an image from an origin at the allowed address and refuses one elsewhere;
//! - the purge example (`make dev WRANGLER_ARGS="--var PURGE_TOKEN:$PURGE_TOKEN"`, then
//!   `curl … /purge`): prints what README shows, and the stored image is gone;
//! - the two `sign_url` examples: print what README shows (`…` standing for a signature or a
//!   time), and a Worker with that key serves what they print, and not the unsigned URL.
//!
//! The commands that start `make dev` use port 8787 or the one README names, as a user would:
//! they fail at once, saying so, when something else holds it.

use std::net::TcpListener;
use std::path::Path;
use std::process::Command;
use std::sync::Mutex;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use crate::harness::origin;
use crate::harness::worker::{self, launch, origin_url, send, stop, wait_ready, Reply};

#[path = "../common/readme.rs"]
mod readme;
use readme::readme;

/// Commands README shows that no test here runs: why, and what runs them instead.
const RUN_ELSEWHERE: &[(&str, &str)] = &[
    ("make test", "runs every test, these included: CI runs it (.ci/run)"),
    ("make build-panic", "make test-e2e builds it before this binary runs; panic.rs tests its Worker"),
    ("make fuzz-smoke", "part of make test"),
    ("make fuzz FUZZ_SECONDS=600", "40 minutes; the recipe make fuzz-smoke runs for 20 s in make test"),
    ("make load", "minutes long: its own target, which runs tests/load.rs"),
    ("make soak", "minutes long: its own target, which runs tests/soak.rs"),
    ("make bench", "about 12 minutes of figures, not part of make test: its own target"),
    ("make profile", "a profile of 20 transforms, figures only, not part of make test: its own target"),
    ("make transform-times", "about a minute of figures, not part of make test: its own target"),
    ("npm ci --prefix bench", "what make bench runs first"),
    ("wrangler dev", "what make dev runs: the make dev tests here"),
    ("wrangler deploy --dry-run", "make test runs it (deploy-dry-run)"),
    ("wrangler secret put SIGNING_KEY", "stores a secret in a real Cloudflare account"),
    ("npx wrangler login", "needs a Cloudflare account and a browser"),
    ("npx wrangler deploy", "deploys to a real Cloudflare account; make test runs the dry run"),
    ("npx wrangler r2 bucket create images", "creates a bucket in a real Cloudflare account"),
    ("npx wrangler r2 bucket create image-variants", "creates a bucket in a real Cloudflare account"),
    ("npx wrangler queues create image-warm", "creates a queue in a real Cloudflare account"),
    ("npx wrangler queues create image-warm-dead", "creates a queue in a real Cloudflare account"),
    (
        "npx wrangler r2 bucket notification create images --event-type object-create --queue image-warm",
        "sets a real bucket's notifications; src/warm.rs's host tests read R2's message shape",
    ),
];

/// How the tests here pick their commands out of README: `make dev` alone, `make dev` on
/// another port, `make dev` for purging, the purge itself, the signing examples.
fn run_here(command: &str) -> bool {
    command == "make dev"
        || command.starts_with(ON_A_PORT)
        || command.starts_with(FOR_PURGING)
        || command.starts_with(PURGE)
        || command.starts_with(SIGN)
}
const ON_A_PORT: &str = "make dev PORT=";
const FOR_PURGING: &str = "make dev WRANGLER_ARGS=\"--var PURGE_TOKEN:";
const PURGE: &str = "curl -X POST ";
const SIGN: &str = "SIGNING_KEY=… cargo run ";

/// A command as README shows it.
#[derive(Debug)]
struct Shown {
    /// The command, continuation lines included, as a shell reads it.
    text: String,
    /// The comment on the command's line, after `#`.
    comment: String,
    /// The comment lines that follow it in its code block: its output.
    output: Vec<String>,
}

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Every command README shows: each line of its `sh` code blocks, and each inline code span
/// that starts with a command (`make …`, `cargo …`, `curl …`, `npx …`, `npm …`, `wrangler …`).
fn shown_commands() -> Vec<Shown> {
    let readme = readme();
    let mut commands: Vec<Shown> = Vec::new();
    let mut prose = String::new();
    let mut in_block: Option<bool> = None; // Some(is a shell block) inside a fence
    let mut pending = String::new();
    for line in readme.lines() {
        if let Some(fence) = line.strip_prefix("```") {
            in_block = match in_block {
                Some(_) => None,
                None => Some(fence == "sh"),
            };
            continue;
        }
        match in_block {
            None => {
                prose.push_str(line);
                prose.push('\n');
            }
            Some(false) => {}
            Some(true) => {
                if let Some(output) = line.strip_prefix("# ") {
                    let last = commands.last_mut().expect("output follows a command");
                    last.output.push(output.to_string());
                    continue;
                }
                pending.push_str(line);
                if pending.ends_with('\\') {
                    pending.push('\n');
                    continue;
                }
                let (text, comment) = split_comment(&pending);
                commands.push(Shown { text, comment, output: Vec::new() });
                pending.clear();
            }
        }
    }
    let spans = prose.split('`').skip(1).step_by(2).map(|span| span.replace('\n', " "));
    for span in spans {
        let first = span.split_whitespace().next().unwrap_or_default();
        if ["make", "cargo", "curl", "npx", "npm", "wrangler"].contains(&first) && span.contains(' ') {
            commands.push(Shown { text: span, comment: String::new(), output: Vec::new() });
        }
    }
    commands
}

/// A shell line split at its comment: a `#` after white space, outside quotes.
fn split_comment(line: &str) -> (String, String) {
    let mut quote = None;
    let mut previous = ' ';
    for (at, c) in line.char_indices() {
        match (quote, c) {
            (None, '\'' | '"') => quote = Some(c),
            (Some(q), _) if c == q => quote = None,
            (None, '#') if previous.is_whitespace() => {
                return (line[..at].trim_end().to_string(), line[at + 1..].trim().to_string())
            }
            _ => {}
        }
        previous = c;
    }
    (line.trim_end().to_string(), String::new())
}

/// The one command README shows that `pick` chooses, where it first shows it (a code block's
/// line, with its comment and output, comes before prose that names the same command).
fn shown(what: &str, pick: impl Fn(&str) -> bool) -> Shown {
    let mut found: Vec<Shown> = shown_commands().into_iter().filter(|c| pick(&c.text)).collect();
    assert!(!found.is_empty(), "README no longer shows {what}");
    assert!(found.iter().all(|c| c.text == found[0].text), "README shows several {what}: {found:?}");
    found.remove(0)
}

/// The text after `marker` in `text`, up to the first character `end` says ends it.
fn after<'a>(text: &'a str, marker: &str, end: impl Fn(char) -> bool) -> &'a str {
    let rest = text.split_once(marker).unwrap_or_else(|| panic!("{marker:?} in {text:?}")).1;
    rest.split(end).next().unwrap_or_default()
}

/// `make dev` commands take turns: they share the port README names and wrangler's state in
/// the project's `.wrangler/`.
static MAKE_DEV: Mutex<()> = Mutex::new(());

/// A server that a README command started, stopped when dropped (the test passed or failed).
struct Serving {
    launcher: u32,
    port: u16,
}

impl Serving {
    /// Runs `command` as README shows it, with `env` set, and waits until it answers on `port`.
    fn start(command: &str, env: &[(&str, &str)], port: u16) -> Serving {
        assert!(
            TcpListener::bind(("127.0.0.1", port)).is_ok(),
            "port {port} is taken: {command:?} cannot be tested while something else holds it"
        );
        let log = format!("target/readme-command-{port}.log");
        let serving = Serving { launcher: launch(command, env, &log), port };
        wait_ready(&format!("http://127.0.0.1:{port}/"), &log);
        serving
    }

    fn get(&self, path: &str) -> Reply {
        send(&format!("http://127.0.0.1:{}", self.port), "GET", path, &[])
    }
}

impl Drop for Serving {
    fn drop(&mut self) {
        stop(self.launcher);
        // The next command may want the same port.
        let deadline = Instant::now() + Duration::from_secs(30);
        while TcpListener::bind(("127.0.0.1", self.port)).is_err() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(200));
        }
    }
}

/// The port of an `http://127.0.0.1:<port>…` URL in `text`.
fn port_in(text: &str) -> u16 {
    after(text, "http://127.0.0.1:", |c: char| !c.is_ascii_digit()).parse().expect("a port")
}

#[test]
#[ignore = "needs the built Worker: run by make test"]
fn make_dev_serves_the_playground_where_readme_says() {
    let _turn = MAKE_DEV.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    let command = shown("make dev alone", |c| c == "make dev");
    assert!(command.comment.contains("http://127.0.0.1:"), "{command:?} says where it serves");
    let dev = Serving::start(&command.text, &[], port_in(&command.comment));
    let playground = dev.get("/");
    assert_eq!(playground.status, 200);
    assert!(String::from_utf8_lossy(&playground.body).contains("playground.js"), "the playground");
    // Every address README sends a reader to on that server answers.
    let base = format!("http://127.0.0.1:{}", dev.port);
    let links: Vec<String> = readme()
        .split(&format!("<{base}"))
        .skip(1)
        .map(|rest| rest.split('>').next().unwrap_or_default().to_string())
        .collect();
    assert!(links.iter().any(|link| link == "/reference"), "README links the reference: {links:?}");
    for link in links {
        assert_eq!(dev.get(&link).status, 200, "{base}{link}");
    }
    let sample = dev.get("/cdn-cgi/image/width=200/samples/landscape.jpg");
    assert_eq!((sample.status, sample.image().width()), (200, 200), "a sample image, resized");
}

#[test]
#[ignore = "needs the built Worker: run by make test"]
fn make_dev_serves_on_the_port_and_with_the_variables_readme_passes() {
    let _turn = MAKE_DEV.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    let command = shown("make dev on another port", |c| c.starts_with(ON_A_PORT));
    let port = after(&command.text, "PORT=", |c: char| !c.is_ascii_digit()).parse().expect("a port");
    let allowed = after(&command.text, "--var ALLOWED_SOURCES:", |c: char| c == '"' || c == ' ');
    let (host, allowed_port) = allowed.split_once(':').expect("host:port");
    assert_eq!(host, "127.0.0.1", "the test origin listens on loopback only");
    let allowed_port = origin::start_at(allowed_port.parse().expect("a port"));
    let dev = Serving::start(&command.text, &[], port);
    let allowed_source = format!("http://{allowed}/corpus/photos/flower_cropped.jpg");
    let reply = dev.get(&format!("/cdn-cgi/image/width=50/{allowed_source}"));
    assert_eq!(reply.status, 200, "{allowed_source} is allowed");
    assert_eq!(reply.image().width(), 50);
    // The same origin's files on another port: not in ALLOWED_SOURCES.
    let elsewhere = origin_url("/corpus/photos/flower_cropped.jpg");
    assert!(!elsewhere.contains(&format!(":{allowed_port}/")));
    let refused = dev.get(&format!("/cdn-cgi/image/width=50/{elsewhere}"));
    assert_eq!(refused.status, 403, "{elsewhere} is not allowed");
}

#[test]
#[ignore = "needs the built Worker: run by make test"]
fn the_purge_example_deletes_what_readme_says() {
    let _turn = MAKE_DEV.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    let serve = shown("make dev for purging", |c| c.starts_with(FOR_PURGING));
    let purge = shown("the purge", |c| c.starts_with(PURGE));
    let token = [("PURGE_TOKEN", "readme-purge-token-0123456789")];
    let dev = Serving::start(&serve.text, &token, port_in(&purge.text));
    let image = after(&purge.text, "\"urls\": [\"", |c| c == '"');
    // Stored after the first answer has gone: asked again until it comes from the cache.
    let deadline = Instant::now() + Duration::from_secs(10);
    while dev.get(image).header("x-cache") != Some("HIT") {
        assert!(Instant::now() < deadline, "{image} was never stored");
        std::thread::sleep(Duration::from_millis(100));
    }
    let printed = Command::new("bash")
        .arg("-c")
        .arg(&purge.text)
        .envs(token)
        .current_dir(root())
        .output()
        .expect("bash runs curl");
    assert!(printed.status.success(), "{}", String::from_utf8_lossy(&printed.stderr));
    assert_eq!(String::from_utf8_lossy(&printed.stdout).trim(), purge.output.join("\n"));
    assert_eq!(dev.get(image).header("x-cache"), Some("MISS"), "purged");
}

#[test]
#[ignore = "needs the built Worker: run by make test"]
fn the_signing_examples_print_urls_a_worker_with_that_key_serves() {
    let examples: Vec<Shown> = shown_commands().into_iter().filter(|c| c.text.starts_with(SIGN)).collect();
    assert_eq!(examples.len(), 2, "README shows two signing examples: {examples:?}");
    let signing = worker::signing_harness();
    for example in examples {
        let command =
            example.text.replacen("SIGNING_KEY=…", &format!("SIGNING_KEY={}", worker::SIGNING_KEY), 1);
        let started = SystemTime::now().duration_since(UNIX_EPOCH).expect("after 1970").as_secs();
        let printed =
            Command::new("bash").arg("-c").arg(&command).current_dir(root()).output().expect("bash");
        assert!(printed.status.success(), "{command}: {}", String::from_utf8_lossy(&printed.stderr));
        let signed = String::from_utf8(printed.stdout).expect("UTF-8");
        let signed = signed.trim();
        let [shown] = example.output.as_slice() else { panic!("{example:?} shows one line of output") };
        assert!(fits(shown, signed), "{command} printed {signed}, README shows {shown}");
        if let Some(seconds) = example.text.split("--expires-in ").nth(1) {
            let seconds: u64 = seconds.split(' ').next().and_then(|s| s.parse().ok()).expect("seconds");
            let expires: u64 = after(signed, "expires=", |c| c == '&').parse().expect("unix seconds");
            assert!((started + seconds..=started + seconds + 120).contains(&expires), "{signed}");
        }
        let unsigned = after(&example.text, "'", |c| c == '\'');
        assert_eq!(signing.request("GET", unsigned, &[]).status, 403, "{unsigned} needs its signature");
        let reply = signing.request("GET", signed, &[]);
        assert_eq!(reply.status, 200, "{signed}");
        let plain = worker::get(unsigned).image();
        assert_eq!(reply.image().width(), plain.width(), "{signed} is {unsigned}");
    }
}

/// Whether `text` is `shown` with each `…` standing for a signature or a number: one or more
/// base64url characters.
fn fits(shown: &str, text: &str) -> bool {
    let mut parts = shown.split('…');
    let Some(rest) = text.strip_prefix(parts.next().unwrap_or_default()) else { return false };
    let mut rest = rest;
    for literal in parts {
        let filled =
            rest.find(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '_')).unwrap_or(rest.len());
        if filled == 0 {
            return false;
        }
        let Some(after_literal) = rest[filled..].strip_prefix(literal) else { return false };
        rest = after_literal;
    }
    rest.is_empty()
}

#[test]
fn every_readme_command_is_run_or_accounted_for() {
    // Reads README only, so `cargo test` runs it without the Worker.
    let commands = shown_commands();
    for command in &commands {
        let elsewhere = RUN_ELSEWHERE.iter().any(|(text, _)| *text == command.text);
        assert!(
            run_here(&command.text) || elsewhere,
            "README shows {:?}: run it in a test here, or say in RUN_ELSEWHERE why not",
            command.text
        );
    }
    for (text, why) in RUN_ELSEWHERE {
        assert!(commands.iter().any(|c| c.text == *text), "README no longer shows {text:?} ({why})");
    }
    // Each make command names a target and variables the Makefile has: make prints what it
    // would run (-n) and runs none of it.
    for command in commands.iter().filter_map(|c| c.text.strip_prefix("make ")) {
        let dry_run = format!("make -n {command}");
        let out = Command::new("bash").arg("-c").arg(&dry_run).current_dir(root()).output().expect("make");
        assert!(out.status.success(), "{dry_run}: {}", String::from_utf8_lossy(&out.stderr));
    }
}

#[test]
fn make_dev_installs_only_what_running_needs() {
    // What make would run from scratch (-B), printed, not run (-n): the install script's test
    // set (cargo-fuzz, Chromium) is for make test only.
    let dry_run = |target: &str| {
        let out = Command::new("make").args(["-n", "-B", target]).current_dir(root()).output().expect("make");
        assert!(out.status.success(), "make -n -B {target}: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8(out.stdout).expect("UTF-8")
    };
    let dev = dry_run("dev");
    assert!(dev.contains("scripts/install-tools.sh run"), "{dev}");
    assert!(!dev.contains("scripts/install-tools.sh test"), "{dev}");
    assert!(dry_run("lint").contains("scripts/install-tools.sh test"));
}
