//! Waiting for room in the memory [`crate::budget`]: a request that does not fit polls briefly for
//! others to give room back, then goes without (its caller passes the source through or
//! answers 503).

use std::time::Duration;

use worker::Delay;

use crate::budget::{Reservation, Shortfall};
use crate::stats;

/// The longest a request waits for room. Transforms take tens of milliseconds, so room
/// usually comes back well within this; a client waits no longer than a slow origin would
/// make it.
const WAIT: Duration = Duration::from_millis(2_000);

/// How often a waiting request looks again.
const POLL: Duration = Duration::from_millis(20);

/// Seconds a client told "busy" should wait before trying again.
pub const RETRY_AFTER_SECONDS: u32 = 1;

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
