//! Damaged entropy-coded data in a sequential (baseline) JPEG: found, and cut out at restart
//! markers, so that the decoder shows every restart interval that is intact, as libjpeg-turbo
//! (and so every browser) does, and the answer says which rows it could not show.
//!
//! Neither decoder we use can do this alone. jpeg-decoder resynchronises at a restart marker
//! when damage runs into it, but fails when a marker itself is damaged (the `image` crate's
//! zune-jpeg, the fallback, then paints everything after it grey); zune-jpeg cannot report
//! that part of the picture is made up (no option for it up to 0.5.16-rc3), and jpeg-decoder
//! 0.3.2 could not either: ours is patched (vendor/jpeg-decoder, lines marked
//! `edge-image-proxy patch`) so that `Decoder::entropy_data_damaged` says when it decoded
//! zero bits in place of data that ended at a marker before its blocks did (at the end of
//! the file it fails), skipped a byte or more left over in a restart interval, or read an AC value larger
//! than 8-bit samples allow: everything this walk calls damage that does not make it fail.
//! So a JPEG is decoded first (`run::decode_source`); only one that jpeg-decoder fails on,
//! reports damaged, or does not decode (CMYK, YCCK: the `image` crate's) is walked. The walk
//! costs as much as the decoder's own Huffman decoding (a fifth of the CPU of a photo's
//! request when every JPEG was walked, bench/profile.md).
//!
//! The walk goes through the Huffman codes of each restart interval (no coefficient
//! is computed: a table lookup and a skip per code) to check that the interval holds exactly
//! the blocks it should. A damaged interval is replaced by one of the same number of blocks
//! whose coefficients are all zero (mid grey, as libjpeg-turbo fills what it cannot decode),
//! coded with the scan's own tables; an interval whose restart marker was lost is such a
//! grey interval too (libjpeg-turbo discards its data as well). Either decoder then reads a
//! valid stream. Without restart markers nothing can be resynchronised: the rows from the
//! damage down are only reported.
//!
//! Progressive JPEGs are not walked (their scans refine one another; a decoder shows what the
//! scans it has give); one cut off before its end is reported as missing detail.

use std::ops::Range;

use super::jpeg_segments::{segments, Segment};
use super::Completeness;

/// How the source must be changed before decoding: byte ranges replaced, and bytes appended
/// (an EOI the file lacks).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Repair {
    /// Ranges of the source, in order and apart, and what replaces each.
    replaced: Vec<(Range<usize>, Vec<u8>)>,
    /// Bytes added at the end.
    appended: Vec<u8>,
}

impl Repair {
    /// The repaired bytes.
    pub(super) fn apply(&self, source: &[u8]) -> Vec<u8> {
        let mut out = Vec::with_capacity(source.len() + self.appended.len());
        let mut at = 0;
        for (range, bytes) in &self.replaced {
            out.extend_from_slice(source.get(at..range.start).unwrap_or_default());
            out.extend_from_slice(bytes);
            at = range.end;
        }
        out.extend_from_slice(source.get(at..).unwrap_or_default());
        out.extend_from_slice(&self.appended);
        out
    }

    /// An upper bound on the repaired bytes' length, for the memory budget.
    pub(super) fn len_at_most(&self, source_len: usize) -> usize {
        source_len + self.appended.len() + self.replaced.iter().map(|(_, bytes)| bytes.len()).sum::<usize>()
    }
}

/// What the entropy-coded data lets a decoder show, and the repair that shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Checked {
    /// Whether the picture will be whole.
    pub completeness: Completeness,
    /// What to change before decoding, when some intervals are damaged.
    pub repair: Option<Repair>,
}

/// Walks a JPEG's scans. A JPEG this module cannot judge (not sequential Huffman 8-bit, a
/// table missing, a height given later by DNL) is taken as whole, as it was before: the
/// decoder judges it.
pub(super) fn check(bytes: &[u8]) -> Checked {
    let whole = Checked { completeness: Completeness::Whole, repair: None };
    let mut tables = Tables::default();
    let mut frame: Option<Frame> = None;
    let mut restart_interval = 0;
    let mut damage = Damage::default();
    let mut replaced = Vec::new();
    let mut last_scan_end = 0;
    for segment in segments(bytes) {
        match segment.marker {
            // Sequential Huffman frames (baseline and extended); others are not walked.
            0xC0 | 0xC1 => frame = Frame::parse(segment.body),
            0xC2 | 0xC3 | 0xC5..=0xC7 | 0xC9..=0xCB | 0xCD..=0xCF => {
                let cut_off = segments(bytes).last().is_some_and(|s| s.data_at + s.data.len() == bytes.len());
                return match cut_off && segment.marker == 0xC2 {
                    true => Checked { completeness: Completeness::DetailMissing, repair: None },
                    false => whole,
                };
            }
            0xC4 => tables.define(segment.body),
            0xDD => {
                restart_interval = match segment.body {
                    [high, low, ..] => u16::from_be_bytes([*high, *low]),
                    _ => 0,
                }
            }
            0xDA => {
                let Some(scan) = frame.as_ref().and_then(|f| Scan::parse(f, &tables, segment.body)) else {
                    return whole;
                };
                let walked = walk_scan(&scan, &segment, restart_interval);
                damage.add(walked.damaged);
                if let Some(data) = walked.repaired {
                    replaced.push((segment.data_at..segment.data_at + segment.data.len(), data));
                }
                last_scan_end = segment.data_at + segment.data.len();
            }
            _ => {}
        }
    }
    let Some(rows) = damage.rows else { return whole };
    // A file cut off in its last scan gets the EOI a decoder needs to finish.
    let appended = if last_scan_end == bytes.len() { vec![0xFF, 0xD9] } else { Vec::new() };
    let repair = (!replaced.is_empty() && damage.repairable).then_some(Repair { replaced, appended });
    Checked { completeness: Completeness::RowsMissing { first: rows.start, last: rows.end - 1 }, repair }
}

/// The rows found damaged so far, as one span, and whether every damage can be repaired.
#[derive(Debug, Default)]
struct Damage {
    rows: Option<Range<u32>>,
    repairable: bool,
}

impl Damage {
    fn add(&mut self, found: Option<(Range<u32>, bool)>) {
        let Some((rows, repairable)) = found else { return };
        let first = self.rows.is_none();
        self.rows = Some(match self.rows.take() {
            Some(seen) => seen.start.min(rows.start)..seen.end.max(rows.end),
            None => rows,
        });
        self.repairable = (first || self.repairable) && repairable;
    }
}

/// A frame header's geometry (T.81 B.2.2).
#[derive(Debug)]
struct Frame {
    width: u32,
    height: u32,
    /// Each component's id, horizontal and vertical sampling factors.
    components: Vec<(u8, u32, u32)>,
    max_h: u32,
    max_v: u32,
}

impl Frame {
    fn parse(body: &[u8]) -> Option<Frame> {
        let (&precision, rest) = body.split_first()?;
        let [h0, h1, w0, w1, count, rest @ ..] = rest else { return None };
        let (height, width) =
            (u32::from(u16::from_be_bytes([*h0, *h1])), u32::from(u16::from_be_bytes([*w0, *w1])));
        let components: Vec<(u8, u32, u32)> = rest
            .chunks_exact(3)
            .take(usize::from(*count))
            .filter_map(|c| match c {
                [id, sampling, _] => Some((*id, u32::from(sampling >> 4), u32::from(sampling & 15))),
                _ => None,
            })
            .collect();
        let max_h = components.iter().map(|c| c.1).max()?;
        let max_v = components.iter().map(|c| c.2).max()?;
        let sane = components.iter().all(|c| (1..=4).contains(&c.1) && (1..=4).contains(&c.2));
        (precision == 8 && height > 0 && width > 0 && sane && components.len() == usize::from(*count))
            .then_some(Frame { width, height, components, max_h, max_v })
    }
}

/// A Huffman table as a decoder walks it: codes up to [`LOOKUP_BITS`] long by one lookup,
/// longer ones by the canonical code's limits per length (T.81 F.2.2.3).
#[derive(Debug, Clone)]
struct Table {
    /// For each `LOOKUP_BITS`-bit prefix: the code's length (0: longer or none) and value.
    lookup: Vec<(u8, u8)>,
    /// For lengths 1 to 16: the largest code of that length (-1: none), and where its
    /// values start minus its first code.
    max_code: [i32; 17],
    offset: [i32; 17],
    values: Vec<u8>,
    /// Each value's code and length, to write the grey intervals.
    codes: Vec<(u8, u16, u8)>,
}

const LOOKUP_BITS: u8 = 9;

impl Table {
    fn parse(counts: &[u8], values: &[u8]) -> Option<Table> {
        let mut table = Table {
            lookup: vec![(0, 0); 1 << LOOKUP_BITS],
            max_code: [-1; 17],
            offset: [0; 17],
            values: values.to_vec(),
            codes: Vec::with_capacity(values.len()),
        };
        let (mut code, mut index) = (0i32, 0usize);
        for length in 1..=16u8 {
            let count = usize::from(*counts.get(usize::from(length) - 1)?);
            *table.offset.get_mut(usize::from(length))? = i32::try_from(index).ok()? - code;
            for _ in 0..count {
                let value = *values.get(index)?;
                table.codes.push((value, u16::try_from(code).ok()?, length));
                if length <= LOOKUP_BITS {
                    let shift = LOOKUP_BITS - length;
                    let first = usize::try_from(code).ok()? << shift;
                    for slot in table.lookup.get_mut(first..first + (1 << shift))? {
                        *slot = (length, value);
                    }
                }
                code += 1;
                index += 1;
            }
            *table.max_code.get_mut(usize::from(length))? = if count > 0 { code - 1 } else { -1 };
            // A code longer than its length allows: the table is not a prefix code.
            if code > 1 << length {
                return None;
            }
            code <<= 1;
        }
        Some(table)
    }

    /// The next value, or `None` for bits that are no code of this table.
    fn decode(&self, bits: &mut Bits<'_>) -> Option<u8> {
        let peeked = bits.peek(16);
        let (length, value) = *self.lookup.get(usize::try_from(peeked >> (16 - LOOKUP_BITS)).ok()?)?;
        if length > 0 {
            bits.consume(length);
            return Some(value);
        }
        for length in LOOKUP_BITS + 1..=16 {
            let code = i32::try_from(peeked >> (16 - length)).ok()?;
            if code <= *self.max_code.get(usize::from(length))? {
                bits.consume(length);
                let index = usize::try_from(code + self.offset.get(usize::from(length))?).ok()?;
                return self.values.get(index).copied();
            }
        }
        None
    }

    /// The code of `value`, if the table has one.
    fn code_of(&self, value: u8) -> Option<(u16, u8)> {
        self.codes.iter().find(|c| c.0 == value).map(|c| (c.1, c.2))
    }
}

/// The Huffman tables defined so far: DC and AC, four of each.
#[derive(Debug, Default)]
struct Tables {
    dc: [Option<Table>; 4],
    ac: [Option<Table>; 4],
}

impl Tables {
    /// A DHT segment, which may define several tables (T.81 B.2.4.2).
    fn define(&mut self, mut body: &[u8]) {
        while let [class_id, rest @ ..] = body {
            let Some(counts) = rest.get(..16) else { return };
            let total: usize = counts.iter().map(|&c| usize::from(c)).sum();
            let Some(values) = rest.get(16..16 + total) else { return };
            let table = Table::parse(counts, values);
            let id = usize::from(class_id & 15);
            match class_id >> 4 {
                0 => self.dc.get_mut(id).map(|slot| *slot = table),
                _ => self.ac.get_mut(id).map(|slot| *slot = table),
            };
            body = rest.get(16 + total..).unwrap_or_default();
        }
    }
}

/// What a scan codes: its units (an MCU, or a block for one component) and their layout.
struct Scan<'t> {
    /// The blocks of one unit, in order: the tables of each block's component.
    blocks: Vec<(&'t Table, &'t Table)>,
    units_across: u32,
    units_total: u32,
    /// Source rows a row of units covers.
    rows_per_unit_row: u32,
    height: u32,
}

impl<'t> Scan<'t> {
    fn parse(frame: &Frame, tables: &'t Tables, body: &[u8]) -> Option<Scan<'t>> {
        let (&count, rest) = body.split_first()?;
        let chosen = rest.get(..usize::from(count) * 2)?;
        // Sequential scans cover the whole spectrum, in one pass.
        if rest.get(usize::from(count) * 2..)?.get(..3)? != [0, 63, 0] {
            return None;
        }
        let mut blocks = Vec::new();
        let mut one = None;
        for pair in chosen.chunks_exact(2) {
            let [id, selectors] = *pair else { return None };
            let &(_, h, v) = frame.components.iter().find(|c| c.0 == id)?;
            let dc = tables.dc.get(usize::from(selectors >> 4))?.as_ref()?;
            let ac = tables.ac.get(usize::from(selectors & 15))?.as_ref()?;
            let per_unit = if count == 1 { 1 } else { h * v };
            blocks.extend(std::iter::repeat_n((dc, ac), usize::try_from(per_unit).ok()?));
            one = Some((h, v));
        }
        let (Frame { width, height, max_h, max_v, .. }, (h, v)) = (frame, one?);
        let (across, down, rows) = if count == 1 {
            // One component: its blocks in raster order, over its own (subsampled) size.
            let across = (width * h).div_ceil(*max_h).div_ceil(8);
            let down = (height * v).div_ceil(*max_v).div_ceil(8);
            (across, down, 8 * max_v / v)
        } else {
            (width.div_ceil(8 * max_h), height.div_ceil(8 * max_v), 8 * max_v)
        };
        Some(Scan {
            blocks,
            units_across: across,
            units_total: across * down,
            rows_per_unit_row: rows,
            height: *height,
        })
    }

    /// The source rows units `units` cover.
    fn rows(&self, units: Range<u32>) -> Range<u32> {
        let first = units.start / self.units_across * self.rows_per_unit_row;
        let last = (units.end.saturating_sub(1) / self.units_across + 1) * self.rows_per_unit_row;
        first.min(self.height)..last.min(self.height)
    }
}

/// A scan walked: the rows it damages, whether it can be repaired, and its repaired data.
struct Walked {
    damaged: Option<(Range<u32>, bool)>,
    repaired: Option<Vec<u8>>,
}

/// What is kept of one restart interval.
#[derive(Clone, Copy)]
enum Kept<'a> {
    /// Its data, whole or cut where the damage shows.
    Data(&'a [u8]),
    /// Nothing: it was lost with its restart marker, or never came.
    Lost,
}

/// Walks a scan interval by interval. Its data is split at restart markers; a piece is the
/// next interval's data, and the marker's number tells how many intervals were lost with a
/// damaged marker (the pieces' numbers run 0 to 7 and again).
fn walk_scan(scan: &Scan<'_>, segment: &Segment<'_>, restart_interval: u16) -> Walked {
    let interval = match u32::from(restart_interval) {
        0 => scan.units_total,
        n => n,
    }
    .max(1);
    let intervals = scan.units_total.div_ceil(interval);
    let mut kept: Vec<Kept<'_>> = vec![Kept::Lost; usize::try_from(intervals).unwrap_or(0)];
    // The first unit and the end of the units found damaged.
    let mut damaged: Option<Range<u32>> = None;
    let mut mark = |units: Range<u32>| {
        damaged = Some(match damaged.take() {
            Some(seen) => seen.start.min(units.start)..seen.end.max(units.end),
            None => units,
        });
    };
    let mut next = 0u32;
    for (data, marker) in split_at_restarts(segment.data) {
        if next >= intervals {
            break;
        }
        let first = next * interval;
        let units = interval.min(scan.units_total - first);
        let (data, walk) =
            (until_marker(data), walk_interval(scan, until_marker(data), units, next + 1 == intervals));
        if let Some(slot) = kept.get_mut(usize::try_from(next).unwrap_or(usize::MAX)) {
            *slot = Kept::Data(match walk {
                Walk::Intact => data,
                Walk::Damaged { unit, keep } => {
                    mark(first + unit..first + units);
                    keep.map_or(data, |bytes| stuffed_prefix(data, bytes))
                }
            });
        }
        // RSTm follows interval m (mod 8): a marker one or two numbers on means as many
        // intervals lost with their markers (libjpeg-turbo's resynchronisation looks no
        // further either); any other number, a damaged marker, counts as the right one.
        let expected = u8::try_from(next % 8).unwrap_or(0);
        next += match marker.map(|m| m.wrapping_sub(expected) % 8) {
            Some(skipped @ 1..=2) => u32::from(skipped) + 1,
            _ => 1,
        };
    }
    for (index, _) in kept.iter().enumerate().filter(|(_, k)| matches!(k, Kept::Lost)) {
        let first = u32::try_from(index).unwrap_or(u32::MAX).saturating_mul(interval);
        mark(first..(first + interval).min(scan.units_total));
    }
    let Some(units) = damaged else { return Walked { damaged: None, repaired: None } };
    if restart_interval == 0 {
        // Nothing to resynchronise at: from the damage down, what the decoder shows is not the
        // picture, and it is left to the decoder.
        return Walked { damaged: Some((scan.rows(units.start..scan.units_total), false)), repaired: None };
    }
    let repaired = rebuild(scan, &kept, interval);
    Walked { damaged: Some((scan.rows(units), repaired.is_some())), repaired }
}

/// The scan's data again: each interval's data as kept, each lost one replaced by a grey
/// one, restart markers numbered afresh.
fn rebuild(scan: &Scan<'_>, kept: &[Kept<'_>], interval: u32) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    for (index, piece) in kept.iter().enumerate() {
        let index = u32::try_from(index).ok()?;
        if index > 0 {
            out.extend_from_slice(&[0xFF, 0xD0 + u8::try_from((index - 1) % 8).ok()?]);
        }
        match piece {
            Kept::Data(data) => out.extend_from_slice(data),
            Kept::Lost => out.extend(grey_interval(scan, interval.min(scan.units_total - index * interval))?),
        }
    }
    Some(out)
}

/// The first `bytes` data bytes of entropy-coded `data`, `FF 00` counting as one.
fn stuffed_prefix(data: &[u8], bytes: usize) -> &[u8] {
    let (mut at, mut counted) = (0, 0);
    while counted < bytes && at < data.len() {
        at += if data.get(at) == Some(&0xFF) { 2 } else { 1 };
        counted += 1;
    }
    data.get(..at.min(data.len())).unwrap_or(data)
}

/// `units` units whose blocks all have zero coefficients: a DC difference of 0 (the
/// predictor is reset at each restart, so the DC is 0: mid grey) then end-of-block, padded
/// with 1 bits and `FF` stuffed, as T.81 F.1.2 codes them.
fn grey_interval(scan: &Scan<'_>, units: u32) -> Option<Vec<u8>> {
    let mut writer = BitWriter::default();
    let codes: Vec<((u16, u8), (u16, u8))> =
        scan.blocks.iter().map(|(dc, ac)| Some((dc.code_of(0)?, ac.code_of(0)?))).collect::<Option<_>>()?;
    for _ in 0..units {
        for &(dc, eob) in &codes {
            writer.put(dc);
            writer.put(eob);
        }
    }
    Some(writer.finish())
}

#[derive(Default)]
struct BitWriter {
    out: Vec<u8>,
    acc: u32,
    count: u8,
}

impl BitWriter {
    fn put(&mut self, (code, length): (u16, u8)) {
        for i in (0..length).rev() {
            self.acc = (self.acc << 1) | u32::from((code >> i) & 1);
            self.count += 1;
            if self.count == 8 {
                self.byte();
            }
        }
    }

    fn byte(&mut self) {
        let byte = (self.acc & 0xFF) as u8;
        self.out.push(byte);
        if byte == 0xFF {
            self.out.push(0);
        }
        (self.acc, self.count) = (0, 0);
    }

    fn finish(mut self) -> Vec<u8> {
        if self.count > 0 {
            let pad = 8 - self.count;
            self.acc = (self.acc << pad) | ((1 << pad) - 1);
            self.byte();
        }
        self.out
    }
}

/// The scan's data cut at restart markers: each piece, and the number of the marker after it
/// (none after the last).
fn split_at_restarts(data: &[u8]) -> Vec<(&[u8], Option<u8>)> {
    let mut pieces = Vec::new();
    let mut start = 0;
    let mut at = 0;
    while let Some(offset) = data.get(at..).and_then(|rest| rest.iter().position(|&b| b == 0xFF)) {
        let ff = at + offset;
        match data.get(ff + 1) {
            Some(&m @ 0xD0..=0xD7) => {
                pieces.push((data.get(start..ff).unwrap_or_default(), Some(m - 0xD0)));
                start = ff + 2;
                at = start;
            }
            // Fill before a marker: the marker starts at the next FF.
            Some(0xFF) => at = ff + 1,
            _ => at = ff + 2,
        }
    }
    pieces.push((data.get(start..).unwrap_or_default(), None));
    pieces
}

/// An interval's data up to the first marker in it: what a decoder reads of it (libjpeg
/// discards what follows a marker no JPEG defines, up to the next restart marker).
fn until_marker(data: &[u8]) -> &[u8] {
    let mut at = 0;
    while let Some(offset) = data.get(at..).and_then(|rest| rest.iter().position(|&b| b == 0xFF)) {
        let ff = at + offset;
        if data.get(ff + 1) != Some(&0x00) {
            return data.get(..ff).unwrap_or_default();
        }
        at = ff + 2;
    }
    data
}

/// What walking an interval found.
enum Walk {
    Intact,
    /// Damage, showing at `unit`; `keep`: the data bytes (unstuffed) a decoder reads as
    /// libjpeg-turbo does, none beyond the last code read whole (`None`: all of it).
    Damaged {
        unit: u32,
        keep: Option<usize>,
    },
}

/// Walks `units` units of an interval's data, `last` in its scan. Damage: a bit pattern no
/// table codes, or a size 8-bit samples cannot have (libjpeg-turbo reads it as 0 and goes
/// on; jpeg-decoder stops: the data is cut before it, so that the decoder reads zero bits to
/// the restart marker instead, which libjpeg-turbo shows as grey); data that ends before the
/// last unit (both decoders read zero bits to the marker: kept as it is); or, except in the
/// scan's last interval, after which some files carry junk that does no harm, a whole byte
/// or more left over (libjpeg-turbo skips it to the marker, jpeg-decoder stops: cut after the
/// last unit).
fn walk_interval(scan: &Scan<'_>, data: &[u8], units: u32, last: bool) -> Walk {
    let mut bits = Bits::new(data);
    let cut = |bits: &Bits<'_>, unit| Walk::Damaged { unit, keep: Some(bits.whole_bytes()) };
    for unit in 0..units {
        for (dc, ac) in &scan.blocks {
            // 8-bit samples give DC differences of at most 11 bits and AC values of at most
            // 10 (T.81 F.1.2).
            let Some(size) = dc.decode(&mut bits).filter(|&size| size <= 11) else { return cut(&bits, unit) };
            bits.consume(size);
            // A run past the 64th coefficient is not taken for damage: some encoders write
            // one, and libjpeg-turbo reads on.
            let mut k = 1u32;
            while k < 64 {
                let Some(run_size) = ac.decode(&mut bits) else { return cut(&bits, unit) };
                let (run, size) = (u32::from(run_size >> 4), run_size & 15);
                if size == 0 && run != 15 {
                    break;
                }
                if size > 10 {
                    return cut(&bits, unit);
                }
                k += run + 1;
                bits.consume(size);
            }
            if bits.overrun() {
                return Walk::Damaged { unit, keep: None };
            }
        }
    }
    if !last && bits.left_over() >= 8 {
        return Walk::Damaged { unit: units.saturating_sub(1), keep: Some(bits.consumed_bytes()) };
    }
    Walk::Intact
}

/// The bits of an interval's data, `FF 00` read as `FF`; past the end, zero bits (as
/// decoders feed), counted as an overrun.
struct Bits<'a> {
    data: &'a [u8],
    at: usize,
    buffer: u64,
    buffered: u8,
    /// Bits consumed beyond the data.
    consumed: u64,
    available: u64,
}

impl<'a> Bits<'a> {
    fn new(data: &'a [u8]) -> Bits<'a> {
        Bits { data, at: 0, buffer: 0, buffered: 0, consumed: 0, available: 0 }
    }

    fn fill(&mut self) {
        while self.buffered <= 56 {
            let byte = match self.data.get(self.at) {
                Some(&byte) => {
                    // `FF 00` is a data byte FF; a lone FF at the end is fill.
                    self.at += if byte == 0xFF { 2 } else { 1 };
                    self.available += 8;
                    byte
                }
                None => 0,
            };
            self.buffer |= u64::from(byte) << (56 - self.buffered);
            self.buffered += 8;
        }
    }

    fn peek(&mut self, count: u8) -> u32 {
        if self.buffered < count {
            self.fill();
        }
        (self.buffer >> (64 - u32::from(count))) as u32
    }

    fn consume(&mut self, count: u8) {
        if self.buffered < count {
            self.fill();
        }
        self.buffer <<= count;
        self.buffered -= count;
        self.consumed += u64::from(count);
    }

    fn overrun(&self) -> bool {
        self.consumed > self.available
    }

    fn left_over(&self) -> u64 {
        self.available.saturating_sub(self.consumed)
    }

    /// The bytes whose every bit was consumed.
    fn whole_bytes(&self) -> usize {
        usize::try_from(self.consumed / 8).unwrap_or(usize::MAX)
    }

    /// The bytes a bit of which was consumed.
    fn consumed_bytes(&self) -> usize {
        usize::try_from(self.consumed.div_ceil(8)).unwrap_or(usize::MAX)
    }
}
