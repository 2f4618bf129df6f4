//! edge-image-proxy patch: one B_PRED candidate's trial (`Vp8Encoder::trial_luma_bpred`) in
//! Wasm SIMD, the 4x4 sub-block kept in four `i32x4` rows from the residual to the
//! distortion, where the scalar trial goes through memory between each of its steps.
//!
//! It computes exactly what `encoder::bpred_trial_scalar` computes, step by step:
//! - residual = source - prediction, within +-255 (both are bytes);
//! - `transform::simd::dct_rows`, the SIMD forward DCT, exact for inputs within +-2047.
//!   From inputs within +-255 its first pass gives at most 8 x 1,020 = 8,160 and
//!   (4,080 x 7,569 + 14,500) >> 12 = 7,543; its second pass at most
//!   (32,640 + 7) >> 4 = 2,040 and (16,320 x 7,569 + 51,000) >> 16 = 1,885 (+1): every
//!   coefficient lies within +-2,040;
//! - quantisation by `ceil(2^32 / q)` and a shift, as `encoder::quantize` does for a
//!   magnitude under 2^22 and a quantiser in its table (its proof of exactness is there);
//!   the caller takes this path only for quantisers 2 to 1023, whose reciprocals fit in 32
//!   bits, so the product of two 32-bit lanes (`u64x2_extmul_*`), under 2^11 x 2^31 = 2^42,
//!   is exact;
//! - dequantisation, `quantized x q`, at most the coefficient's own magnitude (the quotient
//!   is truncated towards zero): within +-2,040;
//! - `transform::simd::idct_rows`, the SIMD inverse DCT, exact for inputs within +-8,191;
//! - reconstruction clamped to 0..=255, and the sum of squared errors against the source:
//!   at most 16 x 255^2 = 1,040,400, and the rate proxy `coeff_rate_estimate` (1 + |c| for
//!   each non-zero coefficient): at most 16 x 2,041; both far within `i32`.

use core::arch::wasm32::*;

use super::transform::simd::{dct_rows, idct_rows};

/// What one candidate's trial gives: its quantized coefficients, the residue its
/// reconstruction adds to the prediction (before clamping), its distortion and the rate
/// proxy of its coefficients.
pub(crate) struct BpredTrial {
    pub(crate) quantized: [i32; 16],
    pub(crate) residue: [i32; 16],
    pub(crate) distortion: i64,
    pub(crate) coeff_rate: i64,
}

/// The trial of the prediction `predicted` against the source `source` (both a 4x4 block,
/// row by row), quantised with `quant` (DC, AC) and their `reciprocals` (`ceil(2^32 / q)`,
/// for quantisers 2 to 1023 only: see the module).
#[inline(always)]
pub(crate) fn bpred_trial(
    predicted: &[u8; 16],
    source: &[u8; 16],
    quant: [i16; 2],
    reciprocals: [u32; 2],
) -> BpredTrial {
    let predicted = widen(predicted);
    let source = widen(source);
    let residual = [0, 1, 2, 3].map(|i| i32x4_sub(source[i], predicted[i]));
    let coefficients = dct_rows(residual);

    let (dc, ac) = (i32::from(quant[0]), i32::from(quant[1]));
    // Row 0, lane 0 is the DC coefficient; every other lane an AC one.
    let first_quant = i32x4(dc, ac, ac, ac);
    let other_quant = i32x4_splat(ac);
    let first_reciprocal = u32x4(reciprocals[0], reciprocals[1], reciprocals[1], reciprocals[1]);
    let other_reciprocal = u32x4_splat(reciprocals[1]);
    let quantized = [0, 1, 2, 3].map(|i| {
        let reciprocal = if i == 0 { first_reciprocal } else { other_reciprocal };
        quantize(coefficients[i], reciprocal)
    });
    let dequantized = [0, 1, 2, 3].map(|i| {
        let quant = if i == 0 { first_quant } else { other_quant };
        i32x4_mul(quantized[i], quant)
    });
    let residue = idct_rows(dequantized);

    let zero = i32x4_splat(0);
    let most = i32x4_splat(255);
    let mut squares = zero;
    let mut rate = zero;
    for i in 0..4 {
        let reconstructed = i32x4_min(i32x4_max(i32x4_add(predicted[i], residue[i]), zero), most);
        let error = i32x4_sub(reconstructed, source[i]);
        squares = i32x4_add(squares, i32x4_mul(error, error));
        // 1 + |c| for a non-zero c: |c|, less the -1 of a true lane of `c != 0`.
        let cost = i32x4_sub(i32x4_abs(quantized[i]), i32x4_ne(quantized[i], zero));
        rate = i32x4_add(rate, cost);
    }
    BpredTrial {
        quantized: store(quantized),
        residue: store(residue),
        distortion: i64::from(lane_sum(squares)),
        coeff_rate: i64::from(lane_sum(rate)),
    }
}

/// `value / q` truncated towards zero, as `encoder::quantize`: the magnitude times
/// `ceil(2^32 / q)`, shifted right by 32, with the value's sign.
#[inline(always)]
fn quantize(value: v128, reciprocal: v128) -> v128 {
    let negative = i32x4_lt(value, i32x4_splat(0));
    let magnitude = i32x4_abs(value);
    let low = u64x2_extmul_low_u32x4(magnitude, reciprocal);
    let high = u64x2_extmul_high_u32x4(magnitude, reciprocal);
    // The upper 32 bits of each 64-bit product: lanes 1 and 3 of each half.
    let quotient = i32x4_shuffle::<1, 3, 5, 7>(low, high);
    // Negated where the value was negative: (q ^ -1) - (-1) = -q.
    i32x4_sub(v128_xor(quotient, negative), negative)
}

/// A 4x4 block of bytes as four rows of `i32` lanes. Loaded as two `u64` words: a vector
/// built byte by byte costs as much as the scalar work it replaces.
#[inline(always)]
fn widen(block: &[u8; 16]) -> [v128; 4] {
    let word = |i: usize| {
        let mut bytes = [0u8; 8];
        bytes.copy_from_slice(&block[i..i + 8]);
        u64::from_le_bytes(bytes)
    };
    let bytes = u64x2(word(0), word(8));
    let (low, high) = (u16x8_extend_low_u8x16(bytes), u16x8_extend_high_u8x16(bytes));
    [
        u32x4_extend_low_u16x8(low),
        u32x4_extend_high_u16x8(low),
        u32x4_extend_low_u16x8(high),
        u32x4_extend_high_u16x8(high),
    ]
}

#[inline(always)]
fn store(rows: [v128; 4]) -> [i32; 16] {
    let mut out = [0i32; 16];
    for (row, lanes) in rows.into_iter().zip(out.chunks_exact_mut(4)) {
        lanes[0] = i32x4_extract_lane::<0>(row);
        lanes[1] = i32x4_extract_lane::<1>(row);
        lanes[2] = i32x4_extract_lane::<2>(row);
        lanes[3] = i32x4_extract_lane::<3>(row);
    }
    out
}

#[inline(always)]
fn lane_sum(v: v128) -> i32 {
    i32x4_extract_lane::<0>(v)
        + i32x4_extract_lane::<1>(v)
        + i32x4_extract_lane::<2>(v)
        + i32x4_extract_lane::<3>(v)
}
