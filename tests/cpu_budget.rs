//! The CPU budget (`CPU_BUDGET_MS`): a transform's CPU is estimated from the header before a
//! pixel is decoded, and a work over the budget takes the cheaper paths in their documented
//! order (a faster encoder where the format was negotiated, baseline JPEG, more
//! shrink-on-load), each only where it applies, or is reported over the budget. The work
//! chosen is then run, to show the path taken is the one carried out. The constants
//! themselves are calibrated in workerd (`bench/cpu.md`); the arithmetic is checked in
//! `src/transform/cpu.rs`.
// A test fails loudly: the no-panic rules of the library do not apply here.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use edge_image_proxy::config::DEFAULT_MAX_SOURCE_PIXELS;
use edge_image_proxy::error::ProxyError;
use edge_image_proxy::format::OutputFormat;
use edge_image_proxy::negotiate::FormatRequest;
use edge_image_proxy::options::TransformOptions;
use edge_image_proxy::transform::{prepare, CpuFit, CpuNote, Work};

#[path = "common/animations.rs"]
mod animations;
#[path = "common/damaged_jpegs.rs"]
mod damaged;
#[path = "common/engine.rs"]
mod engine;
#[path = "common/fixtures.rs"]
mod fixtures;
use engine::options;
use fixtures::synthetic_jpeg;

fn work<'a>(bytes: &'a [u8], options: &'a TransformOptions, format: FormatRequest) -> Work<'a> {
    match prepare(bytes, options, format, DEFAULT_MAX_SOURCE_PIXELS) {
        Ok(work) => work,
        other => panic!("{other:?}"),
    }
}

/// Milliseconds, rounded up, as the budget counts them.
fn ms(ns: u64) -> u64 {
    ns.div_ceil(1_000_000)
}

fn within(fit: CpuFit<'_>) -> (Work<'_>, CpuNote) {
    match fit {
        CpuFit::Within(work, note) => (work, note),
        CpuFit::Over(note) => panic!("over: {note:?}"),
    }
}

fn flower() -> Vec<u8> {
    std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/corpus/photos/flower.png.im_q85_420.jpg"))
        .expect("the corpus beside the worktree")
}

#[test]
fn the_estimate_follows_the_work() {
    let jpeg = flower();
    let cost = |text: &str, format| work(&jpeg, &options(text), format).cpu_ns();
    let exactly = FormatRequest::Exactly;
    let jpeg_720 = cost("width=720", exactly(OutputFormat::Jpeg));
    assert!(cost("width=720", exactly(OutputFormat::BaselineJpeg)) < jpeg_720, "baseline is cheaper");
    assert!(cost("width=720", exactly(OutputFormat::Webp)) > jpeg_720, "WebP costs more than JPEG");
    assert!(cost("width=320", exactly(OutputFormat::Avif)) > cost("width=320", exactly(OutputFormat::Webp)));
    assert!(cost("width=320", exactly(OutputFormat::Jpeg)) < jpeg_720, "a smaller output costs less");
    assert!(cost("width=2000", exactly(OutputFormat::Jpeg)) > jpeg_720, "decoded at full size, not 1/2");
    // A 24 Mpx JPEG costs more than the flower for the same thumbnail: every byte is entropy
    // decoded whatever the scale.
    let large = synthetic_jpeg(6000, 4000);
    let thumb = options("width=320");
    assert!(
        work(&large, &thumb, exactly(OutputFormat::Jpeg)).cpu_ns()
            > cost("width=320", exactly(OutputFormat::Jpeg))
    );
}

#[test]
fn an_animation_costs_every_frame() {
    let opts = options("width=60");
    let cost = |frames| {
        let gif = animations::gif(120, 80, frames);
        // Less the bytes read, which are not the frames' work.
        work(&gif, &opts, FormatRequest::Original).cpu_ns() - 2 * gif.len() as u64
    };
    let (three, six, twelve) = (cost(3), cost(6), cost(12));
    assert!(six > three, "{three} ns for 3 frames, {six} for 6");
    assert_eq!(twelve - six, 2 * (six - three), "each frame costs the same");
}

#[test]
fn a_generous_budget_changes_nothing() {
    let jpeg = flower();
    let opts = options("width=720");
    let planned = work(&jpeg, &opts, FormatRequest::AutoWebp);
    let estimate = planned.cpu_ns();
    let (work, note) = within(planned.within_cpu(30_000));
    assert_eq!(note.steps, Vec::<String>::new());
    assert_eq!((note.estimate_ms, note.cheaper_ms, note.over), (ms(estimate), None, false));
    assert_eq!(note.server_timing(), format!("cpu;desc=\"estimate {} ms, budget 30000 ms\"", ms(estimate)));
    assert_eq!(work.run(|_| true).unwrap().format, OutputFormat::Webp);
}

#[test]
fn a_negotiated_webp_becomes_a_jpeg_first() {
    let jpeg = flower();
    let opts = options("width=720");
    let planned = work(&jpeg, &opts, FormatRequest::AutoWebp);
    let estimate = planned.cpu_ns();
    let as_jpeg = work(&jpeg, &opts, FormatRequest::AutoFast).cpu_ns();
    assert!(as_jpeg < estimate);
    let budget = ms(as_jpeg);
    assert!(budget < ms(estimate), "the budget is between the two estimates");
    let (work, note) = within(planned.within_cpu(budget));
    assert_eq!(note.steps, ["webp -> jpeg"]);
    assert_eq!(note.cheaper_ms, Some(ms(as_jpeg)));
    assert_eq!(
        note.server_timing(),
        format!("cpu;desc=\"estimate {} ms -> {budget} ms, budget {budget} ms, webp -> jpeg\"", ms(estimate))
    );
    let encoded = work.run(|_| true).unwrap();
    assert_eq!((encoded.format, encoded.width), (OutputFormat::Jpeg, 720));
    assert!(encoded.report.encode.contains("progressive"), "{}", encoded.report.encode);
}

#[test]
fn then_baseline_then_more_shrink_on_load() {
    let jpeg = flower();
    let opts = options("width=720");
    let planned = work(&jpeg, &opts, FormatRequest::AutoWebp);
    // All three steps, and the budget just fits the last.
    let baseline = work(&jpeg, &opts, FormatRequest::Exactly(OutputFormat::BaselineJpeg)).cpu_ns();
    let (work, note) = within(planned.clone().within_cpu(ms(baseline)));
    assert_eq!(note.steps, ["webp -> jpeg", "progressive -> baseline"]);
    assert_eq!(work.run(|_| true).unwrap().report.encode.split(',').next(), Some("jpeg q85 baseline"));
    let budget = ms(baseline) - 1;
    let (work, note) = within(planned.clone().within_cpu(budget));
    assert_eq!(note.steps, ["webp -> jpeg", "progressive -> baseline", "jpeg 1/2 -> 1/4 scale"]);
    assert!(note.cheaper_ms.unwrap() <= budget);
    let encoded = work.run(|_| true).unwrap();
    // Decoded at 567x378 and resized up to the size asked for.
    assert_eq!((encoded.width, encoded.height), (720, 480));
    assert_eq!(encoded.report.decode, "jpeg 1/4 scale -> 567x378");
    assert_eq!(encoded.report.resize, "567x378 -> 720x480 lanczos3");
    // Below that, nothing is left to try.
    match planned.within_cpu(1) {
        CpuFit::Over(note) => {
            assert!(note.over);
            assert_eq!(note.steps.len(), 3, "{note:?}");
            assert!(note.server_timing().ends_with(", jpeg 1/2 -> 1/4 scale, over: not transformed\""));
        }
        CpuFit::Within(_, note) => panic!("within 1 ms: {note:?}"),
    }
}

#[test]
fn a_format_asked_for_exactly_is_kept() {
    let jpeg = flower();
    let opts = options("width=720");
    let planned = work(&jpeg, &opts, FormatRequest::Exactly(OutputFormat::Webp));
    // Only more shrink-on-load applies to WebP asked for by name.
    let CpuFit::Over(note) = planned.within_cpu(1) else { panic!("within 1 ms") };
    assert_eq!(note.steps, ["jpeg 1/2 -> 1/4 scale"]);
}

#[test]
fn a_png_source_has_no_cheaper_path_but_a_faster_encoder() {
    let png = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/www/samples/disc.png")).expect("sample");
    let opts = options("width=400");
    let planned = work(&png, &opts, FormatRequest::AutoAvif);
    let CpuFit::Over(note) = planned.within_cpu(1) else { panic!("within 1 ms") };
    // With alpha, the fast format is PNG; a PNG is not shrunk on load.
    assert_eq!(note.steps.len(), 1, "{note:?}");
    assert!(note.steps[0].ends_with("-> png"), "{note:?}");
}

#[test]
fn an_animation_keeps_its_frames_or_is_over() {
    let gif = animations::gif(120, 80, 12);
    let opts = options("width=60");
    let planned = work(&gif, &opts, FormatRequest::AutoWebp);
    let CpuFit::Over(note) = planned.within_cpu(1) else { panic!("within 1 ms") };
    assert_eq!(note.steps, Vec::<String>::new(), "no step applies to an animation");
}

#[test]
fn a_border_found_later_keeps_the_path_taken() {
    let jpeg = flower();
    let opts = options("width=320,trim=border");
    let planned = work(&jpeg, &opts, FormatRequest::AutoWebp);
    let fast = work(&jpeg, &opts, FormatRequest::AutoFast).cpu_ns();
    let (work, note) = within(planned.within_cpu(ms(fast)));
    assert_eq!(note.steps, ["webp -> jpeg"]);
    assert_eq!(work.run(|_| true).unwrap().format, OutputFormat::Jpeg, "planned again, still JPEG");
}

/// A JPEG is found damaged only while it is decoded, and repairing it (its Huffman codes walked,
/// the repaired copy decoded again) costs about twice its entropy decoding more, which the
/// estimate from the header could not include: it is charged then. A budget that fits the
/// damaged JPEG's estimate but not its repair is refused (the edge answers as for any transform
/// over the budget); the same kind of budget decodes the intact JPEG, and a larger one
/// repairs the damaged one.
#[test]
fn a_damaged_jpegs_repair_must_fit_the_budget_too() {
    let options = options("width=512,format=jpeg");
    let fitted = |bytes: &[u8], budget: fn(u64) -> u64| {
        let planned = work(bytes, &options, FormatRequest::Exactly(OutputFormat::Jpeg));
        let estimate = ms(planned.cpu_ns());
        let (fitted, note) = within(planned.within_cpu(budget(estimate)));
        assert!(note.steps.is_empty(), "{note:?}");
        (fitted.run(|_| true), estimate)
    };
    let damaged = damaged::interval_short();

    match fitted(&damaged, |estimate| estimate) {
        (Err(ProxyError::OverCpuBudget { estimate_ms, budget_ms, .. }), estimate) => {
            assert_eq!(budget_ms, estimate, "the budget it was fitted to");
            assert!(estimate_ms > budget_ms, "the repair charged: {estimate_ms} ms against {budget_ms}");
        }
        (other, _) => panic!("{:?}", other.map(|encoded| encoded.completeness)),
    }

    let (intact, _) = fitted(&damaged::intact(), |estimate| estimate);
    assert!(intact.unwrap().completeness.is_whole(), "decoded once, whole");

    let (repaired, _) = fitted(&damaged, |estimate| 3 * estimate);
    let repaired = repaired.unwrap();
    assert!(!repaired.completeness.is_whole(), "answered, and said to be partial");
    assert_eq!(repaired.width, 512);
}

/// A JPEG that jpeg-decoder fails to decode scaled (this one is cut off, with no end marker)
/// is decoded at full size by the fallback: a second decode, of every pixel, and a resize from
/// full size, which the estimate could not foresee either. It is charged then, on top of the
/// repair charged before it: a budget that fits the estimate and the repair but not the
/// fallback is refused, naming it; a generous one decodes at full size.
#[test]
fn a_full_size_fallback_decode_must_fit_the_budget_too() {
    let whole = synthetic_jpeg(1600, 1200);
    let cut = &whole[..whole.len() * 2 / 3];
    let options = options("width=200,format=jpeg");
    let planned = || work(cut, &options, FormatRequest::Exactly(OutputFormat::Jpeg));
    let run = |budget_ms: u64| {
        let (fitted, note) = within(planned().within_cpu(budget_ms));
        assert!(note.steps.is_empty(), "{note:?}");
        fitted.run(|_| true)
    };
    let estimate = ms(planned().cpu_ns());

    let with_repair = match run(estimate) {
        Err(ProxyError::OverCpuBudget { estimate_ms, unforeseen: Some("damaged jpeg repaired"), .. }) => {
            estimate_ms
        }
        other => panic!("{:?}", other.map(|encoded| encoded.report.decode)),
    };
    match run(with_repair) {
        Err(ProxyError::OverCpuBudget { estimate_ms, budget_ms, unforeseen, .. }) => {
            assert_eq!(unforeseen, Some("full-size decode after a scaled one failed"));
            assert_eq!(budget_ms, with_repair, "the budget it was fitted to");
            // 1.9 Mpx decoded again at full size: at least 10 ns each.
            assert!(estimate_ms >= with_repair + 19, "{estimate_ms} ms against {with_repair}");
        }
        other => panic!("{:?}", other.map(|encoded| encoded.report.decode)),
    }

    let made = run(10 * with_repair).unwrap();
    assert!(made.report.decode.starts_with("jpeg 1600x1200"), "{}", made.report.decode);
    assert_eq!(made.width, 200);
}
