//! Host report: for each candidate and width, bytes at the quality, PSNR and SSIM of the
//! decoded result against the resized source, median encode time, and whether a transparent
//! corner stays transparent.
//! `cargo run --release --features vaam,webp-rust,avif -- 80 [0,2]` (quality, candidates).

use encoder_eval::{encode, flower, Rgba, CANDIDATES};
use std::time::Instant;

fn main() {
    let quality: u8 = std::env::args().nth(1).and_then(|q| q.parse().ok()).unwrap_or(80);
    // Optional: which candidates, by number (`0,2`); all by default.
    let only: Option<Vec<usize>> =
        std::env::args().nth(2).map(|list| list.split(',').filter_map(|n| n.parse().ok()).collect());
    println!("| candidate | width | bytes | PSNR dB | SSIM | encode ms (median of 5) | alpha kept | peak bytes/px opaque, alpha |");
    println!("| --- | ---: | ---: | ---: | ---: | ---: | --- | --- |");
    for width in [320, 720] {
        let source = flower(width, false);
        let with_alpha = flower(width, true);
        for (which, name) in CANDIDATES.iter().enumerate() {
            if only.as_ref().is_some_and(|only| !only.contains(&which)) {
                continue;
            }
            let mut times = Vec::new();
            let mut out = None;
            for _ in 0..5 {
                let start = Instant::now();
                out = encode(which, &source, quality);
                times.push(start.elapsed().as_secs_f64() * 1000.0);
            }
            let Some(bytes) = out else { continue };
            let opaque_peak = counting::peak_during(|| drop(encode(which, &source, quality)));
            let alpha_peak = counting::peak_during(|| drop(encode(which, &with_alpha, quality)));
            let per_pixel = |peak: usize| peak as f64 / f64::from(width * source.height);
            times.sort_by(f64::total_cmp);
            let (psnr, ssim) = match image::load_from_memory(&bytes) {
                Ok(decoded) => {
                    let decoded = decoded.to_rgba8();
                    (
                        format!("{:.2}", psnr(&source, decoded.as_raw())),
                        format!("{:.4}", ssim(&source, decoded.as_raw())),
                    )
                }
                Err(_) => ("n/a".into(), "n/a".into()),
            };
            let alpha = match encode(which, &with_alpha, quality).map(|b| image::load_from_memory(&b)) {
                Some(Ok(d)) => {
                    let d = d.to_rgba8();
                    format!(
                        "{}",
                        d.get_pixel(0, 0)[3] == 0 && d.get_pixel(width - 1, d.height() - 1)[3] == 255
                    )
                }
                Some(Err(_)) => "not decodable here".into(),
                None => "failed".into(),
            };
            println!(
                "| {name} q{quality} | {width} | {} | {psnr} | {ssim} | {:.1} | {alpha} | {:.1}, {:.1} |",
                bytes.len(),
                times[2],
                per_pixel(opaque_peak),
                per_pixel(alpha_peak)
            );
            if width == 320 {
                std::fs::write(format!("/tmp/enc/out-{which}-{width}.bin"), &bytes).ok();
            }
        }
    }
}

fn psnr(a: &Rgba, b: &[u8]) -> f64 {
    let (mut sum, mut n) = (0.0, 0.0);
    for (pa, pb) in a.data.chunks_exact(4).zip(b.chunks_exact(4)) {
        for c in 0..3 {
            let d = f64::from(pa[c]) - f64::from(pb[c]);
            sum += d * d;
            n += 1.0;
        }
    }
    10.0 * (255.0 * 255.0 / (sum / n)).log10()
}

/// Mean SSIM of luma over 8×8 windows, stepped by 4.
fn ssim(a: &Rgba, b: &[u8]) -> f64 {
    let luma = |d: &[u8]| -> Vec<f64> {
        d.chunks_exact(4)
            .map(|p| 0.299 * f64::from(p[0]) + 0.587 * f64::from(p[1]) + 0.114 * f64::from(p[2]))
            .collect()
    };
    let (ya, yb) = (luma(&a.data), luma(b));
    let (w, h) = (a.width as usize, a.height as usize);
    let (c1, c2) = ((0.01f64 * 255.0).powi(2), (0.03f64 * 255.0).powi(2));
    let (mut total, mut count) = (0.0, 0.0);
    for y0 in (0..h.saturating_sub(8)).step_by(4) {
        for x0 in (0..w.saturating_sub(8)).step_by(4) {
            let (mut ma, mut mb, mut va, mut vb, mut cov) = (0.0, 0.0, 0.0, 0.0, 0.0);
            for y in y0..y0 + 8 {
                for x in x0..x0 + 8 {
                    ma += ya[y * w + x];
                    mb += yb[y * w + x];
                }
            }
            ma /= 64.0;
            mb /= 64.0;
            for y in y0..y0 + 8 {
                for x in x0..x0 + 8 {
                    let (da, db) = (ya[y * w + x] - ma, yb[y * w + x] - mb);
                    va += da * da;
                    vb += db * db;
                    cov += da * db;
                }
            }
            va /= 63.0;
            vb /= 63.0;
            cov /= 63.0;
            total += ((2.0 * ma * mb + c1) * (2.0 * cov + c2)) / ((ma * ma + mb * mb + c1) * (va + vb + c2));
            count += 1.0;
        }
    }
    total / count
}

/// Counts the bytes the allocator hands out, for the encoders' peak memory (the proxy's
/// own counter, shared with tests/wasm.rs).
#[path = "../../../tests/common/counting.rs"]
mod counting;

#[global_allocator]
static ALLOCATOR: counting::Counting = counting::Counting;
