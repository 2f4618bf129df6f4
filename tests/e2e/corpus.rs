//! The shared corpus end to end: every valid file transforms to the requested size; every
//! hostile one, and a generated gigapixel PNG, is refused with a 4xx while the Worker keeps
//! serving and its Wasm memory stays far from what the bombs claim.

use crate::harness::manifest::{listed, manifest, ACCEPTED_HOSTILE, REFUSED_VALID};
use crate::harness::worker::{corpus, get, origin_url};

#[test]
#[ignore = "needs the built Worker in wrangler dev: run by make test"]
fn hostile_corpus_files_are_refused_and_the_worker_keeps_serving() {
    // Every hostile file, PngSuite's corrupt x* files included.
    for entry in manifest().iter().filter(|e| e.is_hostile()) {
        // The same request as the host corpus test, so one list of exceptions serves both.
        let reply = get(&corpus("width=32,format=jpeg", &entry.path));
        if listed(ACCEPTED_HOSTILE, &entry.path) {
            assert_eq!(reply.status, 200, "{}", entry.path);
        } else {
            assert!((400..500).contains(&reply.status), "{}: status {}", entry.path, reply.status);
            reply.problem();
        }
        let next = get("/cdn-cgi/image/width=16/samples/board.webp");
        assert_eq!(next.status, 200, "the request after {} is served", entry.path);
    }
    // Refused from their headers, the bombs never made the Wasm memory grow towards them.
    let stats: serde_json::Value = serde_json::from_slice(&get("/debug/memory-stats").body).expect("json");
    let memory = stats["wasm_memory_bytes"].as_u64().unwrap_or(u64::MAX);
    assert!(memory < 96 * 1024 * 1024, "Wasm memory after the hostile corpus: {memory} bytes");
}

#[test]
#[ignore = "needs the built Worker in wrangler dev: run by make test"]
fn every_valid_corpus_file_transforms_to_the_requested_size_end_to_end() {
    // The same request as the host corpus test, so one list of exceptions serves both.
    let mut failures = Vec::new();
    let valid: Vec<_> = manifest().into_iter().filter(|e| e.expected == "ok").collect();
    for entry in &valid {
        let want = entry.scaled_to_width(32).expect("valid files have their size in the manifest");
        let reply = get(&corpus("width=32,format=png", &entry.path));
        match reply.status {
            200 => match image::load_from_memory(&reply.body) {
                Ok(image) if (image.width(), image.height()) == want => {}
                Ok(image) => failures.push(format!(
                    "{}: {}x{} (want {want:?})",
                    entry.path,
                    image.width(),
                    image.height()
                )),
                Err(err) => failures.push(format!("{}: the answer does not decode: {err}", entry.path)),
            },
            400..=499 if listed(REFUSED_VALID, &entry.path) => {
                reply.problem();
            }
            status => failures.push(format!("{}: status {status}", entry.path)),
        }
    }
    assert!(valid.len() > 300, "only {} valid files", valid.len());
    assert!(failures.is_empty(), "{} of {} failed:\n{}", failures.len(), valid.len(), failures.join("\n"));
}

#[test]
#[ignore = "needs the built Worker in wrangler dev: run by make test"]
fn a_generated_gigapixel_png_is_refused_before_decoding() {
    let reply = get(&format!("/cdn-cgi/image/width=100/{}", origin_url("/generated/png-bomb.png")));
    assert_eq!(reply.status, 422);
    let problem = reply.problem();
    assert_eq!(problem["type"], "/reference#too-many-pixels");
    assert!(problem["detail"].as_str().unwrap_or_default().contains("1600000000 pixels"), "{problem}");
    let stats: serde_json::Value = serde_json::from_slice(&get("/debug/memory-stats").body).expect("json");
    let memory = stats["wasm_memory_bytes"].as_u64().unwrap_or(u64::MAX);
    assert!(memory < 128 * 1024 * 1024, "Wasm memory stayed far from 6.4 GB: {memory}");
    assert_eq!(get("/cdn-cgi/image/width=16/samples/board.webp").status, 200);
}
