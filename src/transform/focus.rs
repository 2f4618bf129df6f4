//! `gravity=auto`: where the detail is. The crop window (of the size `cover` or `crop` asks
//! for) is slid over a coarse map of edge energy, and the window holding the most wins: faces,
//! text and subjects are busier than sky, walls and blurred backgrounds.

use super::Pixels;

/// The longest side of the energy map; finer maps cost more and rarely move the crop.
const MAP_SIDE: usize = 64;

/// The centre, as fractions of the image's width and height, of the `crop`-sized window
/// with the most edge energy. Ties (a flat image) go to the window nearest the centre.
pub(super) fn busiest_point(pixels: &Pixels, crop: (f64, f64)) -> (f64, f64) {
    let (width, height) = pixels.dimensions();
    let (w, h) = (width as usize, height as usize);
    let cell = w.max(h).div_ceil(MAP_SIDE).max(1);
    let (cols, rows) = (w.div_ceil(cell), h.div_ceil(cell));
    let energy = energy_map(pixels, cell, cols, rows);
    // The window in cells, at least one; the crop never exceeds the image.
    let win_cols = ((crop.0 / cell as f64).round() as usize).clamp(1, cols);
    let win_rows = ((crop.1 / cell as f64).round() as usize).clamp(1, rows);
    let table = summed_area(&energy, cols, rows);
    let sum = |x: usize, y: usize| {
        let at = |cx: usize, cy: usize| table.get(cy * (cols + 1) + cx).copied().unwrap_or(0);
        at(x + win_cols, y + win_rows) + at(x, y) - at(x + win_cols, y) - at(x, y + win_rows)
    };
    let centre = ((cols - win_cols) as f64 / 2.0, (rows - win_rows) as f64 / 2.0);
    let mut best = (0u64, f64::MAX, centre);
    for y in 0..=rows - win_rows {
        for x in 0..=cols - win_cols {
            let total = sum(x, y);
            let distance = (x as f64 - centre.0).powi(2) + (y as f64 - centre.1).powi(2);
            if total > best.0 || (total == best.0 && distance < best.1) {
                best = (total, distance, (x as f64, y as f64));
            }
        }
    }
    let (x, y) = best.2;
    let fraction = |start: f64, window: usize, cells: usize| (start + window as f64 / 2.0) / cells as f64;
    (fraction(x, win_cols, cols), fraction(y, win_rows, rows))
}

/// Sum of luma differences to the right and below neighbours, per `cell` × `cell` block.
fn energy_map(pixels: &Pixels, cell: usize, cols: usize, rows: usize) -> Vec<u64> {
    let (data, channels) = match pixels {
        Pixels::Rgb8 { data, .. } => (data, 3),
        Pixels::Rgba8 { data, .. } => (data, 4),
    };
    let width = pixels.dimensions().0 as usize;
    // Luma of every pixel, weighting alpha in so invisible detail does not count.
    let luma: Vec<i32> = data
        .chunks_exact(channels)
        .map(|p| {
            let y = (i32::from(p.first().copied().unwrap_or(0)) * 299
                + i32::from(p.get(1).copied().unwrap_or(0)) * 587
                + i32::from(p.get(2).copied().unwrap_or(0)) * 114)
                / 1000;
            let alpha = i32::from(p.get(3).copied().unwrap_or(255));
            y * alpha / 255
        })
        .collect();
    let mut map = vec![0u64; cols * rows];
    for (index, value) in luma.iter().enumerate() {
        let (x, y) = (index % width, index / width);
        let right = if x + 1 < width { luma.get(index + 1) } else { None };
        let below = luma.get(index + width);
        let diff = |other: Option<&i32>| other.map_or(0, |o| (value - o).unsigned_abs());
        if let Some(slot) = map.get_mut((y / cell) * cols + x / cell) {
            *slot += u64::from(diff(right) + diff(below));
        }
    }
    map
}

/// `table[(y) * (cols + 1) + x]` = sum of `map` over cells left of x and above y.
fn summed_area(map: &[u64], cols: usize, rows: usize) -> Vec<u64> {
    let mut table = vec![0u64; (cols + 1) * (rows + 1)];
    for y in 0..rows {
        let mut row_sum = 0;
        for x in 0..cols {
            row_sum += map.get(y * cols + x).copied().unwrap_or(0);
            let above = table.get(y * (cols + 1) + x + 1).copied().unwrap_or(0);
            if let Some(slot) = table.get_mut((y + 1) * (cols + 1) + x + 1) {
                *slot = above + row_sum;
            }
        }
    }
    table
}

#[cfg(test)]
mod tests {
    use super::*;

    fn image(width: u32, height: u32, busy: impl Fn(u32, u32) -> bool) -> Pixels {
        let busy = &busy;
        let data = (0..height)
            .flat_map(|y| {
                (0..width).flat_map(move |x| {
                    let v = if busy(x, y) && (x + y) % 2 == 0 { 255 } else { 128 };
                    [v, v, v]
                })
            })
            .collect();
        Pixels::Rgb8 { width, height, data }
    }

    #[test]
    fn finds_the_detailed_region() {
        // A checkerboard patch in the right quarter of a flat image.
        let pixels = image(400, 100, |x, _| (300..360).contains(&x));
        let (x, y) = busiest_point(&pixels, (100.0, 100.0));
        assert!((0.70..=0.85).contains(&x), "x = {x}");
        assert!((y - 0.5).abs() < 0.05, "the window spans the height: y = {y}");
        let top_left = image(300, 300, |x, y| x < 60 && y < 60);
        let (x, y) = busiest_point(&top_left, (100.0, 100.0));
        assert!(x < 0.25 && y < 0.25, "({x}, {y})");
    }

    #[test]
    fn a_flat_image_keeps_the_centre() {
        let flat = image(400, 100, |_, _| false);
        let (x, y) = busiest_point(&flat, (100.0, 100.0));
        assert!((x - 0.5).abs() < 0.02 && (y - 0.5).abs() < 0.05, "({x}, {y})");
    }
}
