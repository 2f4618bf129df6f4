//! Signs a proxy URL for a deployment with `SIGNING_KEY` set.
//!
//! ```sh
//! SIGNING_KEY=… cargo run -q --example sign_url -- '/cdn-cgi/image/width=400/photos/cat.jpg'
//! SIGNING_KEY=… cargo run -q --example sign_url -- --expires-in 3600 '/image?url=/photos/cat.jpg&w=400'
//! ```
//!
//! Prints the same URL with `s=<signature>` (and `expires=<unix seconds>`) added. It parses
//! the URL with the proxy's own router and signs with the proxy's own signature module, so
//! what it signs is exactly what the proxy checks. The key comes from the environment, never
//! from the command line, so it stays out of shell history.

use std::process::ExitCode;
use std::time::{SystemTime, UNIX_EPOCH};

use edge_image_proxy::security::{sign_url, MIN_KEY_BYTES};

fn main() -> ExitCode {
    match run(std::env::args().skip(1).collect()) {
        Ok(url) => {
            println!("{url}");
            ExitCode::SUCCESS
        }
        Err(why) => {
            eprintln!("sign_url: {why}");
            eprintln!(
                "usage: SIGNING_KEY=… sign_url [--expires-in SECONDS] '/cdn-cgi/image/<options>/<source>'"
            );
            ExitCode::FAILURE
        }
    }
}

fn run(args: Vec<String>) -> Result<String, String> {
    let key = std::env::var("SIGNING_KEY").map_err(|_| "SIGNING_KEY is not set".to_string())?;
    if key.len() < MIN_KEY_BYTES {
        return Err(format!("SIGNING_KEY is shorter than {MIN_KEY_BYTES} bytes"));
    }
    let (expires_in, url) = match args.as_slice() {
        [flag, seconds, url] if flag == "--expires-in" => (
            Some(seconds.parse::<u64>().map_err(|_| format!("{seconds:?} is not a number of seconds"))?),
            url,
        ),
        [url] => (None, url),
        _ => return Err("expected one URL".into()),
    };
    let now = SystemTime::now().duration_since(UNIX_EPOCH).map_err(|e| e.to_string())?.as_secs();
    sign_url(url, key.as_bytes(), expires_in.map(|seconds| now + seconds))
}
