//! Waiting on other requests in the isolate, always by looking again on this request's own
//! timer (a future woken from another request's handler would run on that request's
//! behalf): for room in the memory [`crate::budget`], briefly, after which the caller goes
//! without (passes the source through or answers 503); and for the leader of identical
//! misses ([`crate::coalesce`]).

use std::time::Duration;

use worker::Delay;

use crate::budget::{Reservation, Shortfall};
use crate::coalesce::Watch;
use crate::stats;

/// The longest a request waits for room. Transforms take tens of milliseconds, so room
/// usually comes back well within this; a client waits no longer than a slow origin would
/// make it.
const WAIT: Duration = Duration::from_millis(2_000);

/// How often a waiting request looks again.
const POLL: Duration = Duration::from_millis(20);

/// Reserves `bytes`, waiting up to [`WAIT`] for room.
pub async fn reserve(bytes: u64) -> Result<Reservation, Shortfall> {
    let mut reservation = Reservation::empty();
    grow(&mut reservation, bytes).await?;
    Ok(reservation)
}

/// Grows `reservation` by `bytes`, waiting up to [`WAIT`] for room.
pub async fn grow(reservation: &mut Reservation, bytes: u64) -> Result<(), Shortfall> {
    let mut waited = Duration::ZERO;
    loop {
        match reservation.try_grow(bytes) {
            Err(Shortfall::Busy) if waited < WAIT => {
                if waited.is_zero() {
                    stats::record(|c| c.budget_waits += 1);
                }
                Delay::from(POLL).await;
                waited += POLL;
            }
            outcome => return outcome,
        }
    }
}

/// How often a follower looks for its leader's result.
const FOLLOW_POLL: Duration = Duration::from_millis(10);

/// The leader's result once it has one; `None` when the leader could not share it. The
/// leader's own time limits (upstream timeouts, the budget's wait) bound this wait.
pub async fn outcome<T: Clone>(watch: &Watch<T>) -> Option<T> {
    loop {
        if let Some(outcome) = watch.outcome() {
            return outcome;
        }
        Delay::from(FOLLOW_POLL).await;
    }
}
