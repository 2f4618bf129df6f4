//! Damaged and unusual JPEGs in workerd: a JPEG with a damaged restart marker answers 200
//! with every other interval decoded, `Server-Timing` saying which rows were not, and
//! `no-store`: it is never an `X-Cache: HIT`, while the intact photo from the same origin is;
//! so is damage jpeg-decoder decodes through without failing (its patched report sends the
//! JPEG to the walk);
//! a lossless JPEG (SOF3) and an arithmetic-coded one (SOF9) answer 415 with the kind named,
//! for an image and for `format=json` alike.

use crate::harness::origin::publish;
use crate::harness::worker::{corpus, get, origin_url, wait_for_hit};

#[path = "../common/damaged_jpegs.rs"]
pub(crate) mod damaged;

/// The proxied path of `bytes` published as `name`, at `options`.
fn proxied(options: &str, name: &str, bytes: Vec<u8>) -> String {
    format!("/cdn-cgi/image/{options}/{}", origin_url(&publish(name, bytes)))
}

#[test]
#[ignore = "needs the built Worker in wrangler dev: run by make test"]
fn a_damaged_jpeg_is_answered_partial_and_never_cached() {
    let path = proxied("width=512,format=png", "damaged-marker.jpg", damaged::marker_damaged());
    for _ in 0..3 {
        let reply = get(&path);
        assert_eq!(reply.status, 200, "{}", String::from_utf8_lossy(&reply.body));
        let timing = reply.header("server-timing").unwrap_or_default();
        assert!(timing.contains("rows 480 to 527 not decoded"), "{timing}");
        assert_eq!(reply.header("cache-control"), Some("no-store"));
        assert_ne!(reply.header("x-cache"), Some("HIT"), "a partial picture is never stored");
        let image = reply.image().to_rgb8();
        assert_eq!(image.dimensions(), (512, 316));
        // Scaled by 2: rows 264 to 315 are below the lost interval, decoded, not flat grey.
        let below: Vec<u8> = (270..316).flat_map(|y| image.get_pixel(200, y).0).collect();
        assert!(below.iter().any(|v| v.abs_diff(below[0]) > 30), "flat below the damage: {below:?}");
        std::thread::sleep(std::time::Duration::from_millis(150));
    }
    // The intact photo on the same route is stored: the refusal to store is the damage's.
    let intact = proxied("width=512,format=png", "intact-restarts.jpg", damaged::intact());
    let first = get(&intact);
    assert!(!first.header("server-timing").unwrap_or_default().contains("not decoded"));
    assert_eq!(wait_for_hit(&intact).status, 200);
}

#[test]
#[ignore = "needs the built Worker in wrangler dev: run by make test"]
fn damage_the_decoder_reads_through_is_answered_partial() {
    for (name, bytes) in
        [("short-interval.jpg", damaged::interval_short()), ("left-over.jpg", damaged::interval_left_over())]
    {
        let reply = get(&proxied("width=512,format=png", name, bytes));
        assert_eq!(reply.status, 200, "{name}: {}", String::from_utf8_lossy(&reply.body));
        let timing = reply.header("server-timing").unwrap_or_default();
        assert!(timing.contains(" to 239 not decoded"), "{name}: {timing}");
        assert_eq!(reply.header("cache-control"), Some("no-store"), "{name}");
        assert_eq!(reply.image().to_rgb8().dimensions(), (512, 316), "{name}");
    }
}

#[test]
#[ignore = "needs the built Worker in wrangler dev: run by make test"]
fn lossless_and_arithmetic_jpegs_answer_415_naming_the_kind() {
    for (file, kind) in [
        ("jpeg/MR4.jpg", "lossless JPEG (SOF3) is not supported"),
        ("jpeg/testimgari.jpg", "arithmetic-coded JPEG (SOF9) is not supported"),
    ] {
        for options in ["width=32", "format=json"] {
            let reply = get(&corpus(options, file));
            assert_eq!(reply.status, 415, "{file} {options}");
            let problem = reply.problem();
            assert_eq!(problem["type"], "/reference#unsupported-image-kind", "{file} {options}");
            assert_eq!(problem["detail"], kind, "{file} {options}");
        }
    }
}
