//! The CPU budget in workerd (`CPU_BUDGET_MS`): a 24 Mpx JPEG asked for as a 320 px WebP is
//! made as planned under the default budget (the Paid plan's 30 s); a budget its WebP is over
//! but its JPEG fits makes a JPEG instead; a budget of 1 ms, which nothing fits, answers the
//! source untouched, or for a request that must be transformed a 503 with `Retry-After` (a
//! redirect to the source with `onerror=redirect`). `Server-Timing` tells the estimate, the
//! budget and the path taken. A damaged JPEG's repair, found only while decoding, must fit the
//! budget too.
use edge_image_proxy::config::DEFAULT_MAX_SOURCE_PIXELS;
use edge_image_proxy::negotiate::FormatRequest;
use edge_image_proxy::options::TransformOptions;
use edge_image_proxy::transform::prepare;

use crate::damaged_jpegs::damaged;
use crate::harness::origin::publish;
use crate::harness::worker::{cpu_budget_harness, harness, origin_url, Harness};

const WEBP: &[(&str, &str)] = &[("accept", "image/webp,*/*")];

/// The source, as the origin serves it.
fn source() -> Vec<u8> {
    let reply = ureq::get(&origin_url("/generated/24mp.jpg")).call().expect("the origin");
    let mut bytes = Vec::new();
    std::io::Read::read_to_end(&mut reply.into_reader(), &mut bytes).expect("the body");
    bytes
}

fn thumbnail(options: &str) -> String {
    format!("/cdn-cgi/image/{options}/{}", origin_url("/generated/24mp.jpg"))
}

/// The estimate, in whole milliseconds, of a 320 px thumbnail as negotiated by `format`.
fn estimate_ms(source: &[u8], format: FormatRequest) -> u64 {
    let options = TransformOptions { width: Some(320), ..TransformOptions::default() };
    let work = prepare(source, &options, format, DEFAULT_MAX_SOURCE_PIXELS).expect("the header");
    work.cpu_ns().div_ceil(1_000_000)
}

fn cpu_timing(harness: &Harness, path: &str) -> (crate::harness::worker::Reply, String) {
    let reply = harness.request("GET", path, WEBP);
    let timing = reply.header("server-timing").unwrap_or_default().to_string();
    (reply, timing)
}

#[test]
#[ignore = "needs the built Worker in wrangler dev: run by make test"]
fn a_generous_budget_makes_the_webp() {
    let webp = estimate_ms(&source(), FormatRequest::AutoWebp);
    let (reply, timing) = cpu_timing(harness(), &thumbnail("width=320,format=auto"));
    assert_eq!(reply.status, 200, "{timing}");
    assert_eq!(reply.header("content-type"), Some("image/webp"));
    assert_eq!(reply.image().width(), 320);
    assert!(timing.contains(&format!("cpu;desc=\"estimate {webp} ms, budget 30000 ms\"")), "{timing}");
}

#[test]
#[ignore = "needs the built Worker in wrangler dev: run by make test"]
fn a_budget_the_webp_is_over_makes_a_jpeg() {
    let source = source();
    let (webp, jpeg) =
        (estimate_ms(&source, FormatRequest::AutoWebp), estimate_ms(&source, FormatRequest::AutoFast));
    assert!(jpeg < webp, "{jpeg} {webp}");
    let (reply, timing) = cpu_timing(cpu_budget_harness(jpeg), &thumbnail("width=320,format=auto"));
    assert_eq!(reply.status, 200, "{timing}");
    assert_eq!(reply.header("content-type"), Some("image/jpeg"));
    let image = reply.image();
    assert_eq!((image.width(), image.height()), (320, 213));
    let expected = format!("cpu;desc=\"estimate {webp} ms -> {jpeg} ms, budget {jpeg} ms, webp -> jpeg\"");
    assert!(timing.contains(&expected), "{timing}");
    assert!(timing.contains("encode;desc=\"jpeg q85 progressive"), "{timing}");
}

#[test]
#[ignore = "needs the built Worker in wrangler dev: run by make test"]
fn a_tiny_budget_answers_the_source_untouched() {
    let (reply, timing) = cpu_timing(cpu_budget_harness(1), &thumbnail("width=320,format=auto"));
    assert_eq!(reply.status, 200, "{timing}");
    assert_eq!(reply.header("content-type"), Some("image/jpeg"));
    assert!(reply.body == source(), "the source's own bytes");
    assert!(
        timing.contains(", budget 1 ms, webp -> jpeg, progressive -> baseline, over: not transformed\""),
        "{timing}"
    );
    assert!(timing.contains("transform;desc=\"skipped: over the CPU budget\""), "{timing}");
    assert!(!timing.contains("decode;"), "nothing decoded: {timing}");
}

#[test]
#[ignore = "needs the built Worker in wrangler dev: run by make test"]
fn a_tiny_budget_refuses_what_must_be_transformed() {
    let tiny = cpu_budget_harness(1);
    let reply = tiny.request("GET", &thumbnail("width=320,format=webp"), &[]);
    assert_eq!(reply.status, 503);
    assert_eq!(reply.header("retry-after"), Some("1"));
    let problem = reply.problem();
    assert_eq!(problem["type"], "/reference#over-cpu-budget");
    assert!(problem["detail"].as_str().unwrap_or_default().contains("CPU_BUDGET_MS (1)"), "{problem}");
    let redirected = tiny.request("GET", &thumbnail("width=320,format=webp,onerror=redirect"), &[]);
    assert_eq!(redirected.status, 302);
    assert_eq!(redirected.header("location"), Some(origin_url("/generated/24mp.jpg").as_str()));
}

/// The budget set to what the damaged JPEG's PNG is estimated to take from its header: the
/// header cannot tell the damage, which jpeg-decoder reports while decoding, and the repair
/// (a walk of its Huffman codes and a second decode) takes it over. Asked as `width=512`, the
/// source goes untouched (its own bytes, `no-store`); asked as `format=png`, which must be
/// transformed, 503 with `Retry-After`. The same URLs under the default budget are repaired.
#[test]
#[ignore = "needs the built Worker in wrangler dev: run by make test"]
fn a_damaged_jpeg_whose_repair_is_over_the_budget_is_not_transformed() {
    let bytes = damaged::interval_short();
    let source = origin_url(&publish("short-interval-budget.jpg", bytes.clone()));
    let options = TransformOptions { width: Some(512), ..TransformOptions::default() };
    let estimate = |format| {
        let work = prepare(&bytes, &options, format, DEFAULT_MAX_SOURCE_PIXELS).expect("the header");
        work.cpu_ns().div_ceil(1_000_000)
    };
    let png = estimate(FormatRequest::Exactly(edge_image_proxy::format::OutputFormat::Png));
    assert!(estimate(FormatRequest::AutoLegacy) <= png, "the budget fits both estimates");
    let budget = cpu_budget_harness(png);

    let untouched = budget.request("GET", &format!("/cdn-cgi/image/width=512/{source}"), &[]);
    let timing = untouched.header("server-timing").unwrap_or_default().to_string();
    assert_eq!(untouched.status, 200, "{timing}");
    assert!(untouched.body == bytes, "the source's own bytes: {timing}");
    assert!(timing.contains("damaged jpeg repaired, over: not transformed"), "{timing}");
    assert!(timing.contains("transform;desc=\"skipped: over the CPU budget\""), "{timing}");
    assert_eq!(untouched.header("cache-control"), Some("no-store"));

    let refused = budget.request("GET", &format!("/cdn-cgi/image/width=512,format=png/{source}"), &[]);
    assert_eq!(refused.status, 503);
    assert_eq!(refused.header("retry-after"), Some("1"));
    assert_eq!(refused.problem()["type"], "/reference#over-cpu-budget");

    let repaired = harness().request("GET", &format!("/cdn-cgi/image/width=512,format=png/{source}"), &[]);
    let timing = repaired.header("server-timing").unwrap_or_default().to_string();
    assert_eq!(repaired.status, 200, "{timing}");
    assert!(timing.contains(" to 239 not decoded"), "{timing}");
}
