//! JPEGs that browsers show although they are damaged or unusual: a damaged restart interval
//! costs that interval only (the decoder resynchronises at the next restart marker, as
//! libjpeg-turbo does), the answer says which rows it lacks, and the scale it was decoded at;
//! lossless and arithmetic-coded JPEGs are refused as such (415), not as damaged.
// A test fails loudly: the no-panic rules of the library do not apply here.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]
#![cfg(not(target_arch = "wasm32"))]

use edge_image_proxy::error::ProxyError;
use edge_image_proxy::format::OutputFormat;
use edge_image_proxy::negotiate::FormatRequest;
use edge_image_proxy::transform::{describe, Completeness, Encoded};
use image::RgbImage;

#[path = "common/damaged_jpegs.rs"]
mod damaged;
#[path = "common/engine.rs"]
mod engine;
#[path = "common/manifest.rs"]
mod manifest;
use damaged::{ROWS_PER_INTERVAL, SIZE};

/// The photo made at `width` as PNG.
fn made(source: &[u8], width: u32) -> Encoded {
    engine::encoded(
        source,
        &engine::options(&format!("width={width}")),
        FormatRequest::Exactly(OutputFormat::Png),
    )
}

fn pixels(out: &Encoded) -> RgbImage {
    image::load_from_memory(&out.bytes).expect("our output decodes").to_rgb8()
}

/// The first and last rows `out` says it could not show; it must say some are missing.
fn rows_missing(out: &Encoded) -> (u32, u32) {
    let Completeness::RowsMissing { first, last } = out.completeness else {
        panic!("{:?}", out.completeness)
    };
    (first, last)
}

/// Mean absolute difference per channel between `a` and `b`, for each restart interval's
/// band of 48 rows.
fn band_differences(a: &RgbImage, b: &RgbImage) -> Vec<f64> {
    assert_eq!(a.dimensions(), b.dimensions());
    let row_bytes = a.width() as usize * 3;
    a.as_raw()
        .chunks(row_bytes * ROWS_PER_INTERVAL as usize)
        .zip(b.as_raw().chunks(row_bytes * ROWS_PER_INTERVAL as usize))
        .map(|(x, y)| {
            let total: u64 = x.iter().zip(y).map(|(p, q)| u64::from(p.abs_diff(*q))).sum();
            total as f64 / x.len() as f64
        })
        .collect()
}

/// The smallest standard deviation of a row's samples in rows `from` down: above 0 when no
/// row is flat grey.
fn least_row_spread(image: &RgbImage, from: u32) -> f64 {
    (from..image.height())
        .map(|y| {
            let row: Vec<f64> =
                (0..image.width()).flat_map(|x| image.get_pixel(x, y).0).map(f64::from).collect();
            let mean = row.iter().sum::<f64>() / row.len() as f64;
            (row.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / row.len() as f64).sqrt()
        })
        .fold(f64::INFINITY, f64::min)
}

/// Pillow 12.0 (libjpeg-turbo 3) on the same damaged files, computed once with
/// `numpy.abs(pillow - intact)[band].mean()` per 48-row band against Pillow's intact decode:
/// zeroed [0.0 x4, 35.1, 0.1, 0.0 x8] (least row spread below the band 33.9); marker
/// damaged [0.0 x10, 49.8, 0.1, 0.0 x2]; cut off [0.0 x4, 33.3, then 69.3 down to 34.0]. Ours
/// must lose the same bands and keep the others as Pillow does.
const INTACT_BAND: f64 = 1.0;

#[test]
fn a_damaged_restart_interval_costs_that_interval_only() {
    let intact = pixels(&made(&damaged::intact(), SIZE.0));
    let out = made(&damaged::zeroed(), SIZE.0);
    let (first, last) = rows_missing(&out);
    assert!((192..240).contains(&first) && last == 239, "rows {first} to {last}");
    assert!(
        out.report.decode.ends_with(&format!(", rows {first} to 239 not decoded")),
        "{}",
        out.report.decode
    );
    let bands = band_differences(&intact, &pixels(&out));
    for (band, difference) in bands.iter().enumerate() {
        match band {
            4 => assert!(*difference > 10.0, "band 4 is the damaged one: {bands:?}"),
            _ => assert!(*difference < INTACT_BAND, "band {band}: {bands:?}"),
        }
    }
    // Before the fix the lower part was flat grey; now every row below the damage has detail.
    assert!(least_row_spread(&pixels(&out), 240) > 10.0);
}

#[test]
fn a_damaged_restart_marker_costs_the_interval_it_placed() {
    let intact = pixels(&made(&damaged::intact(), SIZE.0));
    let out = made(&damaged::marker_damaged(), SIZE.0);
    assert_eq!(out.completeness, Completeness::RowsMissing { first: 480, last: 527 });
    let bands = band_differences(&intact, &pixels(&out));
    for (band, difference) in bands.iter().enumerate() {
        match band {
            10 => assert!(*difference > 10.0, "band 10 is the lost one: {bands:?}"),
            _ => assert!(*difference < INTACT_BAND, "band {band}: {bands:?}"),
        }
    }
    assert!(least_row_spread(&pixels(&out), 528) > 10.0, "below the lost interval, nothing is flat");
}

#[test]
fn a_cut_off_jpeg_is_shown_down_to_the_cut_and_said_to_be_partial() {
    let intact = pixels(&made(&damaged::intact(), SIZE.0));
    let out = made(&damaged::cut_off(), SIZE.0);
    let (first, last) = rows_missing(&out);
    assert!((192..240).contains(&first) && last == SIZE.1 - 1, "rows {first} to {last}");
    let bands = band_differences(&intact, &pixels(&out));
    assert!(bands[..4].iter().all(|d| *d < INTACT_BAND), "{bands:?}");
}

/// `damaged` made at full size: its damage costs the restart interval of rows 192 to 239 (band
/// 4) and no other band. The differences of each band from the intact picture's.
fn costs_the_fifth_interval_only(damaged: &[u8]) -> Vec<f64> {
    let intact = pixels(&made(&damaged::intact(), SIZE.0));
    let out = made(damaged, SIZE.0);
    let (first, last) = rows_missing(&out);
    assert!((192..240).contains(&first) && last == 239, "rows {first} to {last}");
    let bands = band_differences(&intact, &pixels(&out));
    assert!(bands.iter().enumerate().all(|(b, d)| b == 4 || *d < INTACT_BAND), "{bands:?}");
    bands
}

/// Damage that jpeg-decoder decodes through without failing: only its report (a patch of
/// ours, vendor/jpeg-decoder) says the picture is partly made up, so that it is walked.
#[test]
fn an_interval_short_of_its_data_costs_that_interval_only() {
    let bands = costs_the_fifth_interval_only(&damaged::interval_short());
    assert!(bands[4] > 5.0, "band 4 is the damaged one: {bands:?}");
}

#[test]
fn an_interval_with_data_left_over_is_said_to_be_partial() {
    costs_the_fifth_interval_only(&damaged::interval_left_over());
}

#[test]
fn a_jpeg_cut_off_and_closed_with_an_eoi_is_said_to_be_partial() {
    // testorig.jpg has no restart markers: jpeg-decoder reads zero bits from the cut to the
    // EOI, to the last row, and does not fail.
    let source = manifest::corpus_file("jpeg/testorig.jpg");
    let mut cut = source[..source.len() * 2 / 3].to_vec();
    cut.extend_from_slice(&[0xFF, 0xD9]);
    let out = made(&cut, 100);
    let (first, last) = rows_missing(&out);
    assert!(first > 0 && last == 148, "rows {first} to {last}");
}

/// An 8x8 greyscale baseline JPEG, written byte by byte, whose one block holds an AC value
/// of 11 bits: more than 8-bit samples can have (T.81 F.1.2), so damage, although its
/// tables code it and jpeg-decoder decodes it without failing.
fn ac_value_too_large() -> Vec<u8> {
    let mut jpeg = vec![0xFF, 0xD8];
    // Quantisation table 0: all ones.
    jpeg.extend([0xFF, 0xDB, 0, 67, 0x00]);
    jpeg.extend([1; 64]);
    // Baseline frame: 8 bits, 8x8, one component sampled 1x1 using table 0.
    jpeg.extend([0xFF, 0xC0, 0, 11, 8, 0, 8, 0, 8, 1, 1, 0x11, 0]);
    // DC table 0: the size 0 coded `0`.
    jpeg.extend([0xFF, 0xC4, 0, 20, 0x00, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x00]);
    // AC table 0: end-of-block coded `00`, run 0 size 11 coded `01`.
    jpeg.extend([0xFF, 0xC4, 0, 21, 0x10, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x00, 0x0B]);
    jpeg.extend([0xFF, 0xDA, 0, 8, 1, 1, 0x00, 0, 63, 0]);
    // DC `0`; AC `01` then 11 value bits `10000000000`; end-of-block `00`: 16 bits.
    jpeg.extend([0b0011_0000, 0b0000_0000]);
    jpeg.extend([0xFF, 0xD9]);
    jpeg
}

#[test]
fn an_ac_value_larger_than_8_bit_samples_allow_is_damage() {
    let out = made(&ac_value_too_large(), 8);
    assert_eq!(out.completeness, Completeness::RowsMissing { first: 0, last: 7 });
}

#[test]
fn shrunk_on_load_the_report_gives_the_scale_and_the_rows_of_the_source() {
    let out = made(&damaged::zeroed(), 256);
    let (first, _) = rows_missing(&out);
    assert_eq!(out.report.decode, format!("jpeg 1/2 scale -> 512x316, rows {first} to 239 not decoded"));
    assert!(out.report.server_timing().contains(&format!("rows {first} to 239 not decoded")));
}

#[test]
fn the_scale_reported_is_the_one_decoded_at() {
    // testorig.jpg has no restart markers: cut off, jpeg-decoder's scaled decode fails and
    // the full-size decode takes over; the report said "1/2 scale" of a full-size decode.
    let source = manifest::corpus_file("jpeg/testorig.jpg");
    let cut = &source[..source.len() * 2 / 3];
    let out = made(cut, 100);
    assert!(out.report.decode.starts_with("jpeg 227x149"), "{}", out.report.decode);
    // Nothing to resynchronise at: from the damage down, the rows are said to be lost.
    let (first, last) = rows_missing(&out);
    assert!(first > 0 && last == 148, "rows {first} to {last}");
}

#[test]
fn an_intact_photo_is_whole() {
    let out = made(&damaged::intact(), 256);
    assert_eq!(out.completeness, Completeness::Whole);
    assert_eq!(out.report.decode, "jpeg 1/2 scale -> 512x316");
}

#[test]
fn lossless_and_arithmetic_coded_jpegs_are_refused_by_kind() {
    for (file, kind) in [
        ("jpeg/MR4.jpg", "lossless JPEG (SOF3) is not supported"),
        ("jpeg/jpeg_lossless_sel1.jpg", "lossless JPEG (SOF3) is not supported"),
        ("jpeg-corrupt/invalid-prediction-shift.jpg", "lossless JPEG (SOF3) is not supported"),
        ("jpeg/testimgari.jpg", "arithmetic-coded JPEG (SOF9) is not supported"),
    ] {
        let source = manifest::corpus_file(file);
        let refused = engine::run(&source, &engine::options("width=32"), FormatRequest::Original);
        assert_eq!(refused.as_ref().err(), Some(&ProxyError::UnsupportedImageKind(kind.into())), "{file}");
        assert_eq!(refused.err().map(|e| e.status()), Some(415));
        // format=json reads the header only, and says the same.
        let described = describe(&source, &engine::options(""));
        assert_eq!(described.err(), Some(ProxyError::UnsupportedImageKind(kind.into())), "{file}");
    }
}

#[test]
fn a_progressive_jpeg_cut_off_before_its_last_scan_is_said_to_miss_detail() {
    let out = made(&manifest::corpus_file("jpeg-corrupt/truncated_jpeg.jpg"), 100);
    assert_eq!(out.completeness, Completeness::DetailMissing);
    assert!(
        out.report.decode.ends_with(", cut off before its last scan: detail not decoded"),
        "{}",
        out.report.decode
    );
    // A whole progressive JPEG is whole.
    let whole = made(&manifest::corpus_file("jpeg/icc_profile_big.jpg"), 100);
    assert_eq!(whole.completeness, Completeness::Whole);
}

/// Noise at quality 100 fills the entropy-coded data with FF bytes (each followed by a stuffed
/// zero byte) and, with restart intervals, puts markers at every bit alignment: jpeg-decoder's
/// bit reader (vendor/, patched to take eight bytes at a time where none of them is FF, one at
/// a time otherwise) must read every kind of stretch as the data says. A byte misread shifts
/// every code after it: the decode fails, reports damage, or turns to garbage. jpeg-decoder is
/// called directly, as the engine would fall back to the `image` crate's decoder.
#[test]
fn noise_full_of_stuffed_bytes_and_restart_markers_decodes_to_its_pixels() {
    let (width, height) = (331u16, 247u16);
    let mut state = 0x9E37_79B9u32;
    let source: Vec<u8> = (0..usize::from(width) * usize::from(height) * 3)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            (state >> 24) as u8
        })
        .collect();
    for (restart_interval, progressive) in [(0u16, false), (1, false), (3, false), (0, true)] {
        let case = format!("restart interval {restart_interval}, progressive {progressive}");
        let mut jpeg = Vec::new();
        let mut encoder = jpeg_encoder::Encoder::new(&mut jpeg, 100);
        encoder.set_sampling_factor(jpeg_encoder::SamplingFactor::R_4_4_4);
        encoder.set_restart_interval(restart_interval);
        encoder.set_progressive(progressive);
        encoder.encode(&source, width, height, jpeg_encoder::ColorType::Rgb).unwrap();
        let stuffed = jpeg.windows(2).filter(|pair| pair == &[0xFF, 0x00]).count();
        assert!(stuffed > 1_000, "{case}: {stuffed} stuffed bytes, the test needs many");

        let mut decoder = jpeg_decoder::Decoder::new(&jpeg[..]);
        let decoded = decoder.decode().unwrap_or_else(|e| panic!("{case}: {e}"));
        assert!(!decoder.entropy_data_damaged(), "{case}: reported damaged");
        assert_eq!(decoded.len(), source.len(), "{case}");
        let differences: Vec<u8> = decoded.iter().zip(&source).map(|(a, b)| a.abs_diff(*b)).collect();
        let mean = differences.iter().map(|&d| f64::from(d)).sum::<f64>() / differences.len() as f64;
        let largest = differences.iter().copied().max().unwrap_or(0);
        assert!(mean < 2.0 && largest < 32, "{case}: mean difference {mean:.2}, largest {largest}");
    }
}
