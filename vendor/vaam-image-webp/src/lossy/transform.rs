/// 16 bit fixed point version of cos(PI/8) * sqrt(2) - 1
const CONST1: i64 = 20091;
/// 16 bit fixed point version of sin(PI/8) * sqrt(2)
const CONST2: i64 = 35468;

/// Inverse DCT of a 4x4 block (the first 16 values of `block`).
///
/// edge-image-proxy patch: on wasm32 with simd128, a block whose values all
/// lie within +-8191 is transformed four lanes at a time in 32-bit
/// arithmetic (`simd::idct4x4`), which gives upstream's results exactly
/// there (see that function); any other block, and every other target, takes
/// upstream's scalar 64-bit code.
#[inline]
pub(crate) fn idct4x4(block: &mut [i32]) {
    #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
    if let Some(block) = block
        .get_mut(..16)
        .and_then(|b| <&mut [i32; 16]>::try_from(b).ok())
    {
        if simd::idct4x4(block) {
            return;
        }
    }
    idct4x4_scalar(block);
}

// inverse discrete cosine transform, used in decoding
pub(crate) fn idct4x4_scalar(block: &mut [i32]) {
    // The intermediate results may overflow the types, so we stretch the type.
    fn fetch(block: &[i32], idx: usize) -> i64 {
        i64::from(block[idx])
    }

    // Perform one length check up front to avoid subsequent bounds checks in this function
    assert!(block.len() >= 16);

    for i in 0usize..4 {
        let a1 = fetch(block, i) + fetch(block, 8 + i);
        let b1 = fetch(block, i) - fetch(block, 8 + i);

        let t1 = (fetch(block, 4 + i) * CONST2) >> 16;
        let t2 = fetch(block, 12 + i) + ((fetch(block, 12 + i) * CONST1) >> 16);
        let c1 = t1 - t2;

        let t1 = fetch(block, 4 + i) + ((fetch(block, 4 + i) * CONST1) >> 16);
        let t2 = (fetch(block, 12 + i) * CONST2) >> 16;
        let d1 = t1 + t2;

        block[i] = (a1 + d1) as i32;
        block[4 + i] = (b1 + c1) as i32;
        block[4 * 3 + i] = (a1 - d1) as i32;
        block[4 * 2 + i] = (b1 - c1) as i32;
    }

    for i in 0usize..4 {
        let a1 = fetch(block, 4 * i) + fetch(block, 4 * i + 2);
        let b1 = fetch(block, 4 * i) - fetch(block, 4 * i + 2);

        let t1 = (fetch(block, 4 * i + 1) * CONST2) >> 16;
        let t2 = fetch(block, 4 * i + 3) + ((fetch(block, 4 * i + 3) * CONST1) >> 16);
        let c1 = t1 - t2;

        let t1 = fetch(block, 4 * i + 1) + ((fetch(block, 4 * i + 1) * CONST1) >> 16);
        let t2 = (fetch(block, 4 * i + 3) * CONST2) >> 16;
        let d1 = t1 + t2;

        block[4 * i] = ((a1 + d1 + 4) >> 3) as i32;
        block[4 * i + 3] = ((a1 - d1 + 4) >> 3) as i32;
        block[4 * i + 1] = ((b1 + c1 + 4) >> 3) as i32;
        block[4 * i + 2] = ((b1 - c1 + 4) >> 3) as i32;
    }
}

// 14.3 inverse walsh-hadamard transform, used in decoding
pub(crate) fn iwht4x4(block: &mut [i32]) {
    // Perform one length check up front to avoid subsequent bounds checks in this function
    assert!(block.len() >= 16);

    for i in 0usize..4 {
        let a1 = block[i] + block[12 + i];
        let b1 = block[4 + i] + block[8 + i];
        let c1 = block[4 + i] - block[8 + i];
        let d1 = block[i] - block[12 + i];

        block[i] = a1 + b1;
        block[4 + i] = c1 + d1;
        block[8 + i] = a1 - b1;
        block[12 + i] = d1 - c1;
    }

    for block in block.chunks_exact_mut(4) {
        let a1 = block[0] + block[3];
        let b1 = block[1] + block[2];
        let c1 = block[1] - block[2];
        let d1 = block[0] - block[3];

        let a2 = a1 + b1;
        let b2 = c1 + d1;
        let c2 = a1 - b1;
        let d2 = d1 - c1;

        block[0] = (a2 + 3) >> 3;
        block[1] = (b2 + 3) >> 3;
        block[2] = (c2 + 3) >> 3;
        block[3] = (d2 + 3) >> 3;
    }
}

pub(crate) fn wht4x4(block: &mut [i32; 16]) {
    // The intermediate results may overflow the types, so we stretch the type.
    fn fetch(block: &[i32], idx: usize) -> i64 {
        i64::from(block[idx])
    }

    // vertical
    for i in 0..4 {
        let a = fetch(block, i * 4) + fetch(block, i * 4 + 3);
        let b = fetch(block, i * 4 + 1) + fetch(block, i * 4 + 2);
        let c = fetch(block, i * 4 + 1) - fetch(block, i * 4 + 2);
        let d = fetch(block, i * 4) - fetch(block, i * 4 + 3);

        block[i * 4] = (a + b) as i32;
        block[i * 4 + 1] = (c + d) as i32;
        block[i * 4 + 2] = (a - b) as i32;
        block[i * 4 + 3] = (d - c) as i32;
    }

    // horizontal
    for i in 0..4 {
        let a1 = fetch(block, i) + fetch(block, i + 12);
        let b1 = fetch(block, i + 4) + fetch(block, i + 8);
        let c1 = fetch(block, i + 4) - fetch(block, i + 8);
        let d1 = fetch(block, i) - fetch(block, i + 12);

        let a2 = a1 + b1;
        let b2 = c1 + d1;
        let c2 = a1 - b1;
        let d2 = d1 - c1;

        let a3 = (a2 + if a2 > 0 { 1 } else { 0 }) / 2;
        let b3 = (b2 + if b2 > 0 { 1 } else { 0 }) / 2;
        let c3 = (c2 + if c2 > 0 { 1 } else { 0 }) / 2;
        let d3 = (d2 + if d2 > 0 { 1 } else { 0 }) / 2;

        block[i] = a3 as i32;
        block[i + 4] = b3 as i32;
        block[i + 8] = c3 as i32;
        block[i + 12] = d3 as i32;
    }
}

/// Forward DCT of a 4x4 block.
///
/// edge-image-proxy patch: on wasm32 with simd128, a block whose values all
/// lie within +-2047 (the encoder's residuals are within +-255) is
/// transformed four lanes at a time in 32-bit arithmetic (`simd::dct4x4`),
/// which gives upstream's results exactly there; any other block, and every
/// other target, takes upstream's scalar 64-bit code.
#[inline]
pub(crate) fn dct4x4(block: &mut [i32; 16]) {
    #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
    if simd::dct4x4(block) {
        return;
    }
    dct4x4_scalar(block);
}

pub(crate) fn dct4x4_scalar(block: &mut [i32; 16]) {
    // The intermediate results may overflow the types, so we stretch the type.
    fn fetch(block: &[i32], idx: usize) -> i64 {
        i64::from(block[idx])
    }

    // vertical
    for i in 0..4 {
        let a = (fetch(block, i * 4) + fetch(block, i * 4 + 3)) * 8;
        let b = (fetch(block, i * 4 + 1) + fetch(block, i * 4 + 2)) * 8;
        let c = (fetch(block, i * 4 + 1) - fetch(block, i * 4 + 2)) * 8;
        let d = (fetch(block, i * 4) - fetch(block, i * 4 + 3)) * 8;

        block[i * 4] = (a + b) as i32;
        block[i * 4 + 2] = (a - b) as i32;
        block[i * 4 + 1] = ((c * 2217 + d * 5352 + 14500) >> 12) as i32;
        block[i * 4 + 3] = ((d * 2217 - c * 5352 + 7500) >> 12) as i32;
    }

    // horizontal
    for i in 0..4 {
        let a = fetch(block, i) + fetch(block, i + 12);
        let b = fetch(block, i + 4) + fetch(block, i + 8);
        let c = fetch(block, i + 4) - fetch(block, i + 8);
        let d = fetch(block, i) - fetch(block, i + 12);

        block[i] = ((a + b + 7) >> 4) as i32;
        block[i + 8] = ((a - b + 7) >> 4) as i32;
        block[i + 4] = (((c * 2217 + d * 5352 + 12000) >> 16) + if d != 0 { 1 } else { 0 }) as i32;
        block[i + 12] = ((d * 2217 - c * 5352 + 51000) >> 16) as i32;
    }
}

/// edge-image-proxy patch: the 4x4 DCT and inverse DCT in Wasm SIMD, the
/// block's four rows (or columns) as the four 32-bit lanes of a vector.
///
/// Upstream computes in i64 so that nothing can overflow; these compute in
/// i32 and are used only for blocks whose inputs bound every intermediate
/// value below 2^31, so each addition, multiplication and arithmetic shift
/// gives the same value as upstream's. The bounds:
/// - `dct4x4`, inputs within +-2047: the first pass's sums are within
///   +-32,752 and its products within +-32,752 x 7,569 = +-2.5e8; the second
///   pass's inputs within +-65,504, its sums within +-131,008 and its
///   products within +-131,008 x 7,569 = +-9.9e8.
/// - `idct4x4`, inputs within +-8,191: the first pass's products within
///   +-8,191 x 35,468 = +-2.9e8 and its outputs within 3.85 x 8,191 =
///   +-31,536 (|a1| + |d1| <= 2 + 1 + 0.31 + 0.54 times the largest input);
///   the second pass's products within +-31,536 x 35,468 = +-1.1e9.
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
pub(crate) mod simd {
    use core::arch::wasm32::*;

    /// The 4x4 matrix in `rows`, transposed: lane i of vector j becomes lane
    /// j of vector i.
    #[inline(always)]
    fn transpose(rows: [v128; 4]) -> [v128; 4] {
        let [r0, r1, r2, r3] = rows;
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

    // Safe constructors and lane reads (the crate forbids `unsafe`); LLVM
    // makes each a single 16-byte load or store.
    #[inline(always)]
    fn load(block: &[i32; 16]) -> [v128; 4] {
        let row = |i: usize| i32x4(block[i], block[i + 1], block[i + 2], block[i + 3]);
        [row(0), row(4), row(8), row(12)]
    }

    #[inline(always)]
    fn store(block: &mut [i32; 16], rows: [v128; 4]) {
        for (row, out) in rows.into_iter().zip(block.chunks_exact_mut(4)) {
            out[0] = i32x4_extract_lane::<0>(row);
            out[1] = i32x4_extract_lane::<1>(row);
            out[2] = i32x4_extract_lane::<2>(row);
            out[3] = i32x4_extract_lane::<3>(row);
        }
    }

    /// Whether every lane of `rows` lies within +-`bound`.
    #[inline(always)]
    fn within(rows: &[v128; 4], bound: i32) -> bool {
        let largest = rows
            .iter()
            .fold(i32x4_splat(i32::MIN), |m, r| i32x4_max(m, *r));
        let smallest = rows
            .iter()
            .fold(i32x4_splat(i32::MAX), |m, r| i32x4_min(m, *r));
        i32x4_all_true(i32x4_le(largest, i32x4_splat(bound)))
            && i32x4_all_true(i32x4_ge(smallest, i32x4_splat(-bound)))
    }

    /// `super::dct4x4_scalar`, for inputs within +-2047; false, with
    /// `block` untouched, for any other block.
    #[inline(always)]
    pub(super) fn dct4x4(block: &mut [i32; 16]) -> bool {
        let rows = load(block);
        if !within(&rows, 2047) {
            return false;
        }
        store(block, dct_rows(rows));
        true
    }

    /// The forward DCT of the block whose rows are `rows` (row i in vector i),
    /// as rows, for inputs within +-2047 (see the module's bounds).
    #[inline(always)]
    pub(crate) fn dct_rows(rows: [v128; 4]) -> [v128; 4] {
        // First pass, along each row: lane i works on row i.
        let [x0, x1, x2, x3] = transpose(rows);
        let eight = |v| i32x4_shl(v, 3);
        let a = eight(i32x4_add(x0, x3));
        let b = eight(i32x4_add(x1, x2));
        let c = eight(i32x4_sub(x1, x2));
        let d = eight(i32x4_sub(x0, x3));
        let k2217 = i32x4_splat(2217);
        let k5352 = i32x4_splat(5352);
        let first = [
            i32x4_add(a, b),
            i32x4_shr(
                i32x4_add(
                    i32x4_add(i32x4_mul(c, k2217), i32x4_mul(d, k5352)),
                    i32x4_splat(14500),
                ),
                12,
            ),
            i32x4_sub(a, b),
            i32x4_shr(
                i32x4_add(
                    i32x4_sub(i32x4_mul(d, k2217), i32x4_mul(c, k5352)),
                    i32x4_splat(7500),
                ),
                12,
            ),
        ];
        // Second pass, down each column: lane i works on column i.
        let [y0, y1, y2, y3] = transpose(first);
        let a = i32x4_add(y0, y3);
        let b = i32x4_add(y1, y2);
        let c = i32x4_sub(y1, y2);
        let d = i32x4_sub(y0, y3);
        let seven = i32x4_splat(7);
        // `+ if d != 0 { 1 } else { 0 }`: a true lane of i32x4_ne is -1.
        let d_nonzero = i32x4_ne(d, i32x4_splat(0));
        [
            i32x4_shr(i32x4_add(i32x4_add(a, b), seven), 4),
            i32x4_sub(
                i32x4_shr(
                    i32x4_add(
                        i32x4_add(i32x4_mul(c, k2217), i32x4_mul(d, k5352)),
                        i32x4_splat(12000),
                    ),
                    16,
                ),
                d_nonzero,
            ),
            i32x4_shr(i32x4_add(i32x4_sub(a, b), seven), 4),
            i32x4_shr(
                i32x4_add(
                    i32x4_sub(i32x4_mul(d, k2217), i32x4_mul(c, k5352)),
                    i32x4_splat(51000),
                ),
                16,
            ),
        ]
    }

    /// `super::idct4x4_scalar`, for inputs within +-8191; false, with
    /// `block` untouched, for any other block.
    #[inline(always)]
    pub(super) fn idct4x4(block: &mut [i32; 16]) -> bool {
        let rows = load(block);
        if !within(&rows, 8191) {
            return false;
        }
        store(block, idct_rows(rows));
        true
    }

    /// The inverse DCT of the block whose rows are `rows` (row i in vector i),
    /// as rows, for inputs within +-8191 (see the module's bounds).
    #[inline(always)]
    pub(crate) fn idct_rows([r0, r1, r2, r3]: [v128; 4]) -> [v128; 4] {
        let c1 = i32x4_splat(20091);
        let c2 = i32x4_splat(35468);
        // x + ((x * 20091) >> 16) and (x * 35468) >> 16, upstream's
        // multiplications by cos(pi/8) * sqrt(2) and sin(pi/8) * sqrt(2).
        let by_cos = |x| i32x4_add(x, i32x4_shr(i32x4_mul(x, c1), 16));
        let by_sin = |x| i32x4_shr(i32x4_mul(x, c2), 16);
        // First pass, down each column: lane i works on column i.
        let a1 = i32x4_add(r0, r2);
        let b1 = i32x4_sub(r0, r2);
        let c = i32x4_sub(by_sin(r1), by_cos(r3));
        let d = i32x4_add(by_cos(r1), by_sin(r3));
        let first = [
            i32x4_add(a1, d),
            i32x4_add(b1, c),
            i32x4_sub(b1, c),
            i32x4_sub(a1, d),
        ];
        // Second pass, along each row: lane i works on row i.
        let [x0, x1, x2, x3] = transpose(first);
        let a1 = i32x4_add(x0, x2);
        let b1 = i32x4_sub(x0, x2);
        let c = i32x4_sub(by_sin(x1), by_cos(x3));
        let d = i32x4_add(by_cos(x1), by_sin(x3));
        let four = i32x4_splat(4);
        let out = |v| i32x4_shr(i32x4_add(v, four), 3);
        // The results are columns (lane i is row i): back to rows.
        transpose([
            out(i32x4_add(a1, d)),
            out(i32x4_add(b1, c)),
            out(i32x4_sub(b1, c)),
            out(i32x4_sub(a1, d)),
        ])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn test_dct_inverse() {
        const BLOCK: [i32; 16] = [
            38, 6, 210, 107, 42, 125, 185, 151, 241, 224, 125, 233, 227, 8, 57, 96,
        ];

        let mut dct_block = BLOCK.clone();

        dct4x4(&mut dct_block);

        let mut inverse_dct_block = dct_block.clone();

        idct4x4(&mut inverse_dct_block);

        assert_eq!(BLOCK, inverse_dct_block);
    }
}
