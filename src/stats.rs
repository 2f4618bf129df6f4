//! Per-isolate counters, served as JSON by `/debug/memory-stats`.
//!
//! A Worker isolate runs one thread, so the counters live in a thread-local and need no
//! locking. Gauges are held by guards that give back what they took when dropped, so no early
//! return can leave them counting: `in_flight` by [`InFlight`], `buffered_bytes` by
//! [`crate::budget::Reservation`].

use std::cell::Cell;

use serde::Serialize;

/// The isolate's counters.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Counters {
    /// Requests received.
    pub requests: u64,
    /// Image requests answered from the edge cache.
    pub cache_hits: u64,
    /// Image requests answered from the R2 tier (`VARIANTS`) after an edge-cache miss.
    pub tier_hits: u64,
    /// Image requests found in neither the edge cache nor the R2 tier.
    pub cache_misses: u64,
    /// Entries stored in the edge cache (images and too-large marks).
    pub cache_puts: u64,
    /// Stores the Cache API refused or failed; the request was answered all the same.
    pub cache_put_failures: u64,
    /// Entries written to the R2 tier (answers, refreshed answers and too-large marks).
    pub tier_puts: u64,
    /// Writes to the R2 tier that failed; the request was answered all the same.
    pub tier_put_failures: u64,
    /// Images decoded and re-encoded.
    pub transforms: u64,
    /// Sources streamed through untouched.
    pub passthroughs: u64,
    /// Bytes of pass-through bodies that were counted on their way (declared lengths).
    pub passthrough_bytes: u64,
    /// Requests answered with an error status.
    pub errors: u64,
    /// Requests being handled now.
    pub in_flight: u64,
    /// Bytes held under the memory budget now: upstream bodies read whole and the
    /// estimated pixel memory of transforms running (see `budget`).
    pub buffered_bytes: u64,
    /// The most `buffered_bytes` has been.
    pub buffered_bytes_peak: u64,
    /// Requests that had to wait for room in the memory budget.
    pub budget_waits: u64,
    /// Requests whose source went through untouched because the budget had no room.
    pub budget_passthroughs: u64,
    /// Requests answered 503 because the budget had no room and a transform was required.
    pub budget_refusals: u64,
    /// Cache stores skipped because too many were already in flight.
    pub cache_puts_skipped: u64,
    /// Requests that waited for an identical request in flight instead of fetching.
    pub coalesced_waiters: u64,
    /// Stale entries the origin confirmed unchanged (`X-Cache: REVALIDATED`).
    pub cache_revalidations: u64,
    /// `304`s to misses answered from the upstream's validator, its body unread.
    pub not_modified_unread: u64,
    /// Warm messages the queue consumer received (each delivery, retries included).
    pub warm_received: u64,
    /// Warm messages whose variants were all made and stored in the tier (or were there).
    pub warm_done: u64,
    /// Warm messages given back to the queue to retry after a failure that may pass.
    pub warm_retried: u64,
    /// Warm messages given up on: sent to the dead-letter queue (`WARM_DEAD_LETTER`).
    pub warm_dead_lettered: u64,
}

thread_local! {
    static COUNTERS: Cell<Counters> = Cell::new(Counters::default());
}

/// Changes the counters.
pub fn record(change: impl FnOnce(&mut Counters)) {
    COUNTERS.with(|cell| {
        let mut counters = cell.get();
        change(&mut counters);
        cell.set(counters);
    });
}

/// The counters as they are now.
pub fn snapshot() -> Counters {
    COUNTERS.with(Cell::get)
}

/// Counts a request as in flight until dropped.
#[derive(Debug)]
pub struct InFlight(());

impl InFlight {
    /// Counts one more request in flight.
    pub fn start() -> InFlight {
        record(|c| {
            c.requests += 1;
            c.in_flight += 1;
        });
        InFlight(())
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        record(|c| c.in_flight = c.in_flight.saturating_sub(1));
    }
}

/// The members of the `/debug/memory-stats` document: what monitoring and tests may rely on.
pub const MEMORY_STATS_FIELDS: [&str; 29] = [
    "wasm_memory_bytes",
    "requests",
    "cache_hits",
    "tier_hits",
    "cache_misses",
    "cache_puts",
    "cache_put_failures",
    "tier_puts",
    "tier_put_failures",
    "transforms",
    "passthroughs",
    "passthrough_bytes",
    "errors",
    "in_flight",
    "buffered_bytes",
    "buffered_bytes_peak",
    "budget_waits",
    "budget_passthroughs",
    "budget_refusals",
    "cache_puts_skipped",
    "coalesced_waiters",
    "cache_revalidations",
    "not_modified_unread",
    "warm_received",
    "warm_done",
    "warm_retried",
    "warm_dead_lettered",
    "cache_hit_ratio",
    "uptime_seconds",
];

/// Hits (of the edge cache or the tier) and revalidations over every cache lookup of an image
/// request; 0 before any.
pub fn hit_ratio(counters: &Counters) -> f64 {
    let served = counters.cache_hits + counters.tier_hits + counters.cache_revalidations;
    let looked = served + counters.cache_misses;
    if looked == 0 {
        0.0
    } else {
        served as f64 / looked as f64
    }
}

/// The `/debug/memory-stats` document.
#[derive(Debug, Serialize)]
pub struct MemoryStats {
    /// The Wasm linear memory's size, which is also its high-water mark: it only grows.
    pub wasm_memory_bytes: u64,
    /// The counters.
    #[serde(flatten)]
    pub counters: Counters,
    /// Hits of either layer (and revalidations) as a share of image requests that looked in
    /// the cache, 0 to 1.
    pub cache_hit_ratio: f64,
    /// Seconds since this isolate handled its first request.
    pub uptime_seconds: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_in_flight_guard_gives_back_what_it_took() {
        let before = snapshot();
        {
            let _request = InFlight::start();
            assert_eq!(snapshot().in_flight, before.in_flight + 1);
        }
        let after = snapshot();
        assert_eq!(after.in_flight, before.in_flight);
        assert_eq!(after.requests, before.requests + 1);
    }

    #[test]
    fn the_document_has_flat_fields() {
        let doc = MemoryStats {
            wasm_memory_bytes: 65536,
            counters: Counters::default(),
            cache_hit_ratio: 0.0,
            uptime_seconds: 3,
        };
        let json = serde_json::to_value(&doc).expect("json");
        for field in MEMORY_STATS_FIELDS {
            assert!(json.get(field).is_some(), "{field} missing from {json}");
        }
    }

    #[test]
    fn the_hit_ratio_counts_revalidations_as_served() {
        assert_eq!(hit_ratio(&Counters::default()), 0.0);
        let counters =
            Counters { cache_hits: 2, cache_revalidations: 1, cache_misses: 1, ..Counters::default() };
        assert_eq!(hit_ratio(&counters), 0.75);
        assert_eq!(hit_ratio(&Counters { tier_hits: 1, cache_misses: 1, ..Counters::default() }), 0.5);
    }
}
