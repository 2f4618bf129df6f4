//! edge-image-proxy patch: the forward DCT and the RGB to YCbCr conversion in Wasm SIMD
//! (wasm32 with `simd128`, which edge-image-proxy's build turns on), computing exactly what
//! the scalar code computes. Safe code only: without the `simd` feature the crate forbids
//! `unsafe`, so vectors are made with the safe lane constructors and read with lane
//! extractions (LLVM turns the constructors over consecutive bytes into loads).
//!
//! edge-image-proxy's tests/jpeg_encoder.rs (on the host, where this module is not compiled)
//! and tests/wasm.rs (where it is) compare the encoder's files with upstream 0.7.1's, digest
//! for digest.

use core::arch::wasm32::*;

use alloc::vec::Vec;

use crate::encoder::{AlignedBlock, Operations};
use crate::rgb_to_ycbcr;

pub(crate) struct WasmSimdOperations;

impl Operations for WasmSimdOperations {
    #[inline(always)]
    fn fdct(data: &mut AlignedBlock) {
        fdct(data);
    }
}

// The constants of the scalar `crate::fdct::fdct`.
const CONST_BITS: u32 = 13;
const PASS1_BITS: u32 = 2;
const FIX_0_298631336: i32 = 2446;
const FIX_0_390180644: i32 = 3196;
const FIX_0_541196100: i32 = 4433;
const FIX_0_765366865: i32 = 6270;
const FIX_0_899976223: i32 = 7373;
const FIX_1_175875602: i32 = 9633;
const FIX_1_501321110: i32 = 12299;
const FIX_1_847759065: i32 = 15137;
const FIX_1_961570560: i32 = 16069;
const FIX_2_053119869: i32 = 16819;
const FIX_2_562915447: i32 = 20995;
const FIX_3_072711026: i32 = 25172;

/// The 4x4 matrix in `rows`, transposed: lane i of vector j becomes lane j of vector i.
#[inline(always)]
fn transpose4([r0, r1, r2, r3]: [v128; 4]) -> [v128; 4] {
    let t0 = i32x4_shuffle::<0, 4, 1, 5>(r0, r1);
    let t1 = i32x4_shuffle::<2, 6, 3, 7>(r0, r1);
    let t2 = i32x4_shuffle::<0, 4, 1, 5>(r2, r3);
    let t3 = i32x4_shuffle::<2, 6, 3, 7>(r2, r3);
    [
        i32x4_shuffle::<0, 1, 4, 5>(t0, t2),
        i32x4_shuffle::<2, 3, 6, 7>(t0, t2),
        i32x4_shuffle::<0, 1, 4, 5>(t1, t3),
        i32x4_shuffle::<2, 3, 6, 7>(t1, t3),
    ]
}

/// An 8x4 half of an 8x8 matrix of i32 (`[0..4]` and `[4..8]` the two 4x4 blocks side by
/// side, each block's vectors its rows), transposed into the vectors of its 8 columns.
#[inline(always)]
fn columns_of(left: [v128; 4], right: [v128; 4]) -> [v128; 8] {
    let [c0, c1, c2, c3] = transpose4(left);
    let [c4, c5, c6, c7] = transpose4(right);
    [c0, c1, c2, c3, c4, c5, c6, c7]
}

/// `(x + (1 << (n - 1))) >> n` on each lane, as the scalar `descale`.
#[inline(always)]
fn descale(x: v128, n: u32) -> v128 {
    i32x4_shr(i32x4_add(x, i32x4_splat(1 << (n - 1))), n)
}

/// One pass of the scalar code's 1-D DCT on four lines at once: `x[k]` holds element k of
/// each line (lane i the line i), the result's vector k its output k. The first pass (rows)
/// scales its even outputs up by `PASS1_BITS` and descales the others by
/// `CONST_BITS - PASS1_BITS`; the second (columns) descales them by `PASS1_BITS` and
/// `CONST_BITS + PASS1_BITS`. Every operation wraps as the scalar i32 code does in release.
#[inline(always)]
fn dct8(x: [v128; 8], first_pass: bool) -> [v128; 8] {
    let add = i32x4_add;
    let sub = i32x4_sub;
    let mul = |v, k: i32| i32x4_mul(v, i32x4_splat(k));

    let tmp0 = add(x[0], x[7]);
    let tmp7 = sub(x[0], x[7]);
    let tmp1 = add(x[1], x[6]);
    let tmp6 = sub(x[1], x[6]);
    let tmp2 = add(x[2], x[5]);
    let tmp5 = sub(x[2], x[5]);
    let tmp3 = add(x[3], x[4]);
    let tmp4 = sub(x[3], x[4]);

    let tmp10 = add(tmp0, tmp3);
    let tmp13 = sub(tmp0, tmp3);
    let tmp11 = add(tmp1, tmp2);
    let tmp12 = sub(tmp1, tmp2);

    let odd_bits = if first_pass { CONST_BITS - PASS1_BITS } else { CONST_BITS + PASS1_BITS };
    let (out0, out4) = if first_pass {
        (i32x4_shl(add(tmp10, tmp11), PASS1_BITS), i32x4_shl(sub(tmp10, tmp11), PASS1_BITS))
    } else {
        (descale(add(tmp10, tmp11), PASS1_BITS), descale(sub(tmp10, tmp11), PASS1_BITS))
    };

    let z1 = mul(add(tmp12, tmp13), FIX_0_541196100);
    let out2 = descale(add(z1, mul(tmp13, FIX_0_765366865)), odd_bits);
    let out6 = descale(add(z1, mul(tmp12, -FIX_1_847759065)), odd_bits);

    let z1 = add(tmp4, tmp7);
    let z2 = add(tmp5, tmp6);
    let z3 = add(tmp4, tmp6);
    let z4 = add(tmp5, tmp7);
    let z5 = mul(add(z3, z4), FIX_1_175875602);

    let tmp4 = mul(tmp4, FIX_0_298631336);
    let tmp5 = mul(tmp5, FIX_2_053119869);
    let tmp6 = mul(tmp6, FIX_3_072711026);
    let tmp7 = mul(tmp7, FIX_1_501321110);
    let z1 = mul(z1, -FIX_0_899976223);
    let z2 = mul(z2, -FIX_2_562915447);
    let z3 = add(mul(z3, -FIX_1_961570560), z5);
    let z4 = add(mul(z4, -FIX_0_390180644), z5);

    let out7 = descale(add(add(tmp4, z1), z3), odd_bits);
    let out5 = descale(add(add(tmp5, z2), z4), odd_bits);
    let out3 = descale(add(add(tmp6, z2), z3), odd_bits);
    let out1 = descale(add(add(tmp7, z1), z4), odd_bits);

    [out0, out1, out2, out3, out4, out5, out6, out7]
}

/// `crate::fdct::fdct`, four rows or columns at a time.
#[inline(always)]
pub(crate) fn fdct(block: &mut AlignedBlock) {
    let data = &mut block.data;
    // Row r's samples 0..4 and 4..8, widened to i32.
    let mut left = [i32x4_splat(0); 8];
    let mut right = [i32x4_splat(0); 8];
    for (r, row) in data.chunks_exact(8).enumerate() {
        let v = load_i16x8(row);
        left[r] = i32x4_extend_low_i16x8(v);
        right[r] = i32x4_extend_high_i16x8(v);
    }

    // Pass 1, along the rows: lane i of the top half works on row i, of the bottom on 4 + i.
    let top = dct8(columns_of([left[0], left[1], left[2], left[3]], [right[0], right[1], right[2], right[3]]), true);
    let bottom = dct8(columns_of([left[4], left[5], left[6], left[7]], [right[4], right[5], right[6], right[7]]), true);

    // Pass 2, down the columns: rows of the first pass's result again, lane j of `left`
    // the column j, of `right` the column 4 + j.
    let [l0, l1, l2, l3] = transpose4([top[0], top[1], top[2], top[3]]);
    let [l4, l5, l6, l7] = transpose4([bottom[0], bottom[1], bottom[2], bottom[3]]);
    let [r0, r1, r2, r3] = transpose4([top[4], top[5], top[6], top[7]]);
    let [r4, r5, r6, r7] = transpose4([bottom[4], bottom[5], bottom[6], bottom[7]]);
    let left = dct8([l0, l1, l2, l3, l4, l5, l6, l7], false);
    let right = dct8([r0, r1, r2, r3, r4, r5, r6, r7], false);

    for (k, out) in data.chunks_exact_mut(8).enumerate() {
        // The low 16 bits of each i32, as the scalar `v as i16`.
        let v = i8x16_shuffle::<0, 1, 4, 5, 8, 9, 12, 13, 16, 17, 20, 21, 24, 25, 28, 29>(left[k], right[k]);
        out[0] = i16x8_extract_lane::<0>(v);
        out[1] = i16x8_extract_lane::<1>(v);
        out[2] = i16x8_extract_lane::<2>(v);
        out[3] = i16x8_extract_lane::<3>(v);
        out[4] = i16x8_extract_lane::<4>(v);
        out[5] = i16x8_extract_lane::<5>(v);
        out[6] = i16x8_extract_lane::<6>(v);
        out[7] = i16x8_extract_lane::<7>(v);
    }
}

/// Indices for `u8x16_swizzle` that gather, from 16 bytes at `base` of three-byte pixels,
/// the channel at `offset` of pixels `base / 3`.. into lanes 0.. of the result; lanes whose
/// byte lies outside the 16 get index 0x80, which the swizzle makes 0.
const fn gather_indices(base: usize, offset: usize) -> [u8; 16] {
    let mut indices = [0x80_u8; 16];
    let mut pixel = 0;
    while pixel < 16 {
        let byte = pixel * 3 + offset;
        if byte >= base && byte < base + 16 {
            indices[pixel] = (byte - base) as u8;
        }
        pixel += 1;
    }
    indices
}

#[inline(always)]
fn from_array(bytes: [u8; 16]) -> v128 {
    let b = bytes;
    u8x16(b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15])
}

/// The first 16 bytes of `bytes`, as two u64 (a load each; a vector built lane by lane
/// would take sixteen).
#[inline(always)]
fn load16(bytes: &[u8]) -> v128 {
    let mut lo = [0; 8];
    let mut hi = [0; 8];
    lo.copy_from_slice(&bytes[..8]);
    hi.copy_from_slice(&bytes[8..16]);
    u64x2(u64::from_le_bytes(lo), u64::from_le_bytes(hi))
}

/// The eight i16 of `row`, as two u64 of four each (little-endian, as Wasm lanes are).
#[inline(always)]
fn load_i16x8(row: &[i16]) -> v128 {
    let word = |k: usize| {
        row[k..k + 4].iter().rev().fold(0_u64, |word, &v| (word << 16) | u64::from(v as u16))
    };
    u64x2(word(0), word(4))
}

/// The channel at `offset` (0, 1 or 2) of 16 three-byte pixels held in `v`'s 48 bytes.
#[inline(always)]
fn channel(v: [v128; 3], offset: usize) -> v128 {
    let part = |i: usize| u8x16_swizzle(v[i], from_array(gather_indices(16 * i, offset)));
    v128_or(v128_or(part(0), part(1)), part(2))
}

/// The 16 bytes of `v` appended to `out`.
#[inline(always)]
fn push16(out: &mut Vec<u8>, v: v128) {
    out.extend_from_slice(&u64x2_extract_lane::<0>(v).to_le_bytes());
    out.extend_from_slice(&u64x2_extract_lane::<1>(v).to_le_bytes());
}

/// `rgb_to_ycbcr` of 16 pixels given as u16 lanes (`lo` pixels 0..8, `hi` 8..16): one of the
/// three sums `(a·R + b·G + c·B + bias) >> 16`, where the negative coefficients are
/// subtracted. In the scalar i32 code every sum lies within 0..=255·2^16 + 0xFFFF (for Y the
/// coefficients add up to 2^16; for Cb and Cr the bias 128·2^16 + 0x7FFF outweighs the
/// negative terms, at least 0xFFFF), so the same sums in u32 lanes neither wrap nor differ,
/// and the results, 0..=255, narrow exactly.
#[inline(always)]
fn ycbcr_component(
    [r, g, b]: [(v128, v128); 3],
    [(kr, r_negative), (kg, g_negative), (kb, b_negative)]: [(u16, bool); 3],
    bias: u32,
) -> v128 {
    let sum = |half: usize| {
        let pick = |(lo, hi): (v128, v128)| if half < 2 { lo } else { hi };
        let term = |v: v128, k: u16| {
            let k = u16x8_splat(k);
            if half % 2 == 0 { u32x4_extmul_low_u16x8(v, k) } else { u32x4_extmul_high_u16x8(v, k) }
        };
        let mut total = u32x4_splat(bias);
        for (v, k, negative) in [(pick(r), kr, r_negative), (pick(g), kg, g_negative), (pick(b), kb, b_negative)] {
            total = if negative { i32x4_sub(total, term(v, k)) } else { i32x4_add(total, term(v, k)) };
        }
        u32x4_shr(total, 16)
    };
    let (q0, q1, q2, q3) = (sum(0), sum(1), sum(2), sum(3));
    u8x16_narrow_i16x8(i16x8_narrow_i32x4(q0, q1), i16x8_narrow_i32x4(q2, q3))
}

/// `fill_buffers` of three-byte pixels with R, G and B at `o1`, `o2` and `o3`: sixteen pixels
/// at a time, the rest with the scalar `rgb_to_ycbcr`.
#[inline(always)]
pub(crate) fn fill_buffers_3(line: &[u8], (o1, o2, o3): (usize, usize, usize), buffers: &mut [Vec<u8>; 4]) {
    let mut chunks = line.chunks_exact(48);
    for chunk in &mut chunks {
        let v = [load16(&chunk[0..]), load16(&chunk[16..]), load16(&chunk[32..])];
        let widen = |c: v128| (u16x8_extend_low_u8x16(c), u16x8_extend_high_u8x16(c));
        let rgb = [widen(channel(v, o1)), widen(channel(v, o2)), widen(channel(v, o3))];
        let y = ycbcr_component(rgb, [(19595, false), (38470, false), (7471, false)], 0x7FFF);
        let cb = ycbcr_component(rgb, [(11059, true), (21709, true), (32768, false)], (128 << 16) + 0x7FFF);
        let cr = ycbcr_component(rgb, [(32768, false), (27439, true), (5329, true)], (128 << 16) + 0x7FFF);
        push16(&mut buffers[0], y);
        push16(&mut buffers[1], cb);
        push16(&mut buffers[2], cr);
    }
    for pixel in chunks.remainder().chunks_exact(3) {
        let (y, cb, cr) = rgb_to_ycbcr(pixel[o1], pixel[o2], pixel[o3]);
        buffers[0].push(y);
        buffers[1].push(cb);
        buffers[2].push(cr);
    }
}
