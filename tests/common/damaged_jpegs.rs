//! Damaged copies of the corpus's `jpeg/bicycles_restarts.jpg` (1024x631, baseline 4:2:0, a
//! restart marker every 192 MCUs, so every 48 rows: 14 restart intervals), damaged the ways
//! transfers and disks damage files. Shared by the host and the end-to-end tests.

// Each test binary that includes this file uses a different part of it.
#![allow(dead_code)]

use std::path::Path;

/// Rows a restart interval of the photo covers.
pub const ROWS_PER_INTERVAL: u32 = 48;
/// The photo's size.
pub const SIZE: (u32, u32) = (1024, 631);

/// The photo as it is.
pub fn intact() -> Vec<u8> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus/jpeg/bicycles_restarts.jpg");
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Where each restart marker (`FF D0` to `FF D7`) starts.
fn restart_markers(bytes: &[u8]) -> Vec<usize> {
    (0..bytes.len() - 1).filter(|&i| bytes[i] == 0xFF && (0xD0..=0xD7).contains(&bytes[i + 1])).collect()
}

/// 200 bytes zeroed in the middle of restart interval 4 (rows 192 to 239), as a lost network
/// packet leaves them.
pub fn zeroed() -> Vec<u8> {
    let mut bytes = intact();
    let markers = restart_markers(&bytes);
    let middle = (markers[3] + markers[4]) / 2;
    bytes[middle..middle + 200].fill(0);
    bytes
}

/// The restart marker after interval 9 damaged (`FF D1` become `FF 37`): interval 10 (rows
/// 480 to 527) cannot be placed.
pub fn marker_damaged() -> Vec<u8> {
    let mut bytes = intact();
    let markers = restart_markers(&bytes);
    bytes[markers[9] + 1] = 0x37;
    bytes
}

/// Cut off in the middle of restart interval 4, as an interrupted upload leaves it.
pub fn cut_off() -> Vec<u8> {
    let bytes = intact();
    let markers = restart_markers(&bytes);
    bytes[..(markers[3] + markers[4]) / 2].to_vec()
}

/// Interval 4 (rows 192 to 239) 300 bytes short of its data, the restart marker after it
/// intact: jpeg-decoder reads zero bits to the marker and does not fail.
pub fn interval_short() -> Vec<u8> {
    let mut bytes = intact();
    let markers = restart_markers(&bytes);
    bytes.drain(markers[4] - 300..markers[4]);
    bytes
}

/// Interval 4 (rows 192 to 239) with 4 bytes left over after its blocks: jpeg-decoder skips
/// them at the restart marker and does not fail.
pub fn interval_left_over() -> Vec<u8> {
    let mut bytes = intact();
    let markers = restart_markers(&bytes);
    bytes.splice(markers[4]..markers[4], [0x12, 0x34, 0x56, 0x78]);
    bytes
}
