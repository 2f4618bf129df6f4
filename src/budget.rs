//! The isolate's memory budget: one count of the bytes that all concurrent requests hold in
//! Wasm memory (upstream bodies read whole, and the estimated pixel memory of transforms),
//! never allowed past `BUFFER_BUDGET_BYTES`.
//!
//! Wasm linear memory only grows, so the budget bounds its high-water mark rather than what
//! it holds now: requests that do not fit wait briefly for others to finish (the edge layer
//! does the waiting) or go without buffering. A Worker isolate runs one thread, so the
//! budget lives in a thread-local and needs no locking; a [`Reservation`] gives back what it
//! holds when dropped, so no early return can leak room.

use std::cell::Cell;

use crate::stats;

/// Seconds a client told "busy" (no room within the wait) should wait before trying again.
pub const RETRY_AFTER_SECONDS: u32 = 1;

/// Room in the budget, in bytes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Room {
    capacity: u64,
    used: u64,
}

thread_local! {
    static ROOM: Cell<Room> = const { Cell::new(Room { capacity: 0, used: 0 }) };
}

/// Sets the budget's size; requests already holding room keep it.
pub fn set_capacity(bytes: u64) {
    ROOM.with(|room| room.set(Room { capacity: bytes, ..room.get() }));
}

/// Bytes held now.
pub fn used() -> u64 {
    ROOM.with(|room| room.get().used)
}

/// Why room could not be reserved.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shortfall {
    /// Others hold room now; waiting may help.
    Busy,
    /// More than the whole budget: no wait will ever help.
    NeverFits {
        /// The bytes asked for.
        wanted: u64,
        /// The whole budget.
        capacity: u64,
    },
}

/// Room held in the budget until dropped.
#[derive(Debug, Default)]
pub struct Reservation {
    bytes: u64,
}

impl Reservation {
    /// An empty reservation, to be grown.
    pub fn empty() -> Reservation {
        Reservation::default()
    }

    /// Reserves `bytes`, or says why not.
    pub fn try_new(bytes: u64) -> Result<Reservation, Shortfall> {
        let mut reservation = Reservation::empty();
        reservation.try_grow(bytes)?;
        Ok(reservation)
    }

    /// Holds `bytes` more, or says why not (and then holds what it held before).
    pub fn try_grow(&mut self, bytes: u64) -> Result<(), Shortfall> {
        ROOM.with(|cell| {
            let room = cell.get();
            if self.bytes + bytes > room.capacity {
                return Err(Shortfall::NeverFits { wanted: self.bytes + bytes, capacity: room.capacity });
            }
            if room.used + bytes > room.capacity {
                return Err(Shortfall::Busy);
            }
            let used = room.used + bytes;
            cell.set(Room { used, ..room });
            stats::record(|c| {
                c.buffered_bytes = used;
                c.buffered_bytes_peak = c.buffered_bytes_peak.max(used);
            });
            self.bytes += bytes;
            Ok(())
        })
    }

    /// The bytes this reservation holds.
    pub fn bytes(&self) -> u64 {
        self.bytes
    }
}

impl Drop for Reservation {
    fn drop(&mut self) {
        let bytes = self.bytes;
        ROOM.with(|cell| {
            let room = cell.get();
            let used = room.used.saturating_sub(bytes);
            cell.set(Room { used, ..room });
            stats::record(|c| c.buffered_bytes = used);
        });
    }
}

/// A cap on background work (cache stores in `wait_until`): at most `MAX` at once per
/// isolate, so a burst of misses cannot pile up bodies waiting to be stored.
pub mod background {
    use std::cell::Cell;

    use crate::stats;

    /// Stores in flight at once, at most. Each holds a body of at most `CACHE_MAX_BYTES`
    /// (5 MiB by default) in the JavaScript heap, so 8 bound that to 40 MiB at worst and
    /// far less in practice (thumbnails are tens of kilobytes).
    pub const MAX: u32 = 8;

    thread_local! {
        static IN_FLIGHT: Cell<u32> = const { Cell::new(0) };
    }

    /// A background task's place, given back when dropped.
    #[derive(Debug)]
    pub struct Slot(());

    /// A place for one more background task, or `None` (counted as skipped) when `MAX` run.
    pub fn try_start() -> Option<Slot> {
        IN_FLIGHT.with(|cell| {
            if cell.get() >= MAX {
                stats::record(|c| c.cache_puts_skipped += 1);
                None
            } else {
                cell.set(cell.get() + 1);
                Some(Slot(()))
            }
        })
    }

    impl Drop for Slot {
        fn drop(&mut self) {
            IN_FLIGHT.with(|cell| cell.set(cell.get().saturating_sub(1)));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Each test runs on its own thread, so each sees its own thread-local budget.

    #[test]
    fn room_is_shared_and_given_back() {
        set_capacity(100);
        let first = Reservation::try_new(60).unwrap();
        assert_eq!(Reservation::try_new(50).unwrap_err(), Shortfall::Busy);
        let second = Reservation::try_new(40).unwrap();
        assert_eq!(used(), 100);
        drop(first);
        assert_eq!(used(), 40);
        assert!(Reservation::try_new(60).is_ok(), "room given back is usable again");
        drop(second);
        assert_eq!(used(), 0);
    }

    #[test]
    fn more_than_the_whole_budget_never_fits() {
        set_capacity(100);
        assert_eq!(
            Reservation::try_new(101).unwrap_err(),
            Shortfall::NeverFits { wanted: 101, capacity: 100 }
        );
        let mut growing = Reservation::try_new(70).unwrap();
        assert_eq!(growing.try_grow(31).unwrap_err(), Shortfall::NeverFits { wanted: 101, capacity: 100 });
        assert_eq!(growing.bytes(), 70, "a refused growth keeps what was held");
        assert_eq!(used(), 70);
    }

    #[test]
    fn growth_counts_and_the_peak_is_kept() {
        set_capacity(1000);
        let peak_before = stats::snapshot().buffered_bytes_peak;
        {
            let mut body = Reservation::empty();
            for _ in 0..5 {
                body.try_grow(100).unwrap();
            }
            assert_eq!(used(), 500);
            assert_eq!(stats::snapshot().buffered_bytes, 500);
        }
        assert_eq!(used(), 0);
        assert_eq!(stats::snapshot().buffered_bytes, 0);
        assert!(stats::snapshot().buffered_bytes_peak >= peak_before.max(500));
    }

    #[test]
    fn background_work_is_capped_and_skips_are_counted() {
        let skipped_before = stats::snapshot().cache_puts_skipped;
        let slots: Vec<_> = (0..background::MAX).map(|_| background::try_start().unwrap()).collect();
        assert!(background::try_start().is_none());
        assert_eq!(stats::snapshot().cache_puts_skipped, skipped_before + 1);
        drop(slots);
        assert!(background::try_start().is_some(), "slots are given back");
    }
}
