//! Coalescing identical misses within an isolate: while one request (the leader) fetches and
//! transforms an image, others for the same cache key wait for its result instead of
//! fetching and transforming it again.
//!
//! A leader that cannot share (it passed the source through, failed, or was cancelled because
//! its client went away) says so, and each follower goes on alone: one failure is never
//! handed to the others, and nothing waits on a leader that is gone.
//!
//! Followers look at their [`Watch`] on their own timer rather than being woken by the
//! leader: in Workers, a future woken from another request's handler runs on behalf of that
//! request, and its own I/O then fails ("Cannot perform I/O on behalf of a different
//! request") or hangs. The result shared is plain data, never an I/O object. A Worker
//! isolate runs one thread, so nothing needs locking.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

/// Where a flight's outcome is left: `None` while it runs, then `Some(Some(result))`, or
/// `Some(None)` when the leader could not share.
type Slot<T> = Rc<RefCell<Option<Option<T>>>>;

/// The requests in flight, by key.
pub struct Flights<T> {
    slots: RefCell<HashMap<String, Slot<T>>>,
}

impl<T> Default for Flights<T> {
    fn default() -> Self {
        Flights { slots: RefCell::new(HashMap::new()) }
    }
}

/// What a request is to do for its key.
pub enum Role<T: Clone> {
    /// Nobody is working on it: do the work, then [`Lead::share`] it.
    Leader(Lead<T>),
    /// Someone is: watch for their result.
    Follower(Watch<T>),
}

impl<T: Clone> Flights<T> {
    /// Joins the flight for `key`, leading it if there is none.
    pub fn join(self: &Rc<Self>, key: &str) -> Role<T> {
        let mut slots = self.slots.borrow_mut();
        match slots.get(key) {
            Some(slot) => Role::Follower(Watch { slot: Rc::clone(slot) }),
            None => {
                let slot = Slot::default();
                slots.insert(key.to_string(), Rc::clone(&slot));
                Role::Leader(Lead { flights: Rc::clone(self), key: key.to_string(), slot })
            }
        }
    }

    /// How many keys are in flight.
    pub fn len(&self) -> usize {
        self.slots.borrow().len()
    }

    /// Whether no key is in flight.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// A follower's view of a flight.
pub struct Watch<T: Clone> {
    slot: Slot<T>,
}

impl<T: Clone> Watch<T> {
    /// `None` while the leader works; then its result, or `Some(None)`: go alone.
    pub fn outcome(&self) -> Option<Option<T>> {
        self.slot.borrow().clone()
    }
}

/// The leader's place. Dropped without [`Lead::share`] (an early return, an error, a
/// cancelled request), it tells the followers to go alone.
pub struct Lead<T: Clone> {
    flights: Rc<Flights<T>>,
    key: String,
    slot: Slot<T>,
}

impl<T: Clone> Lead<T> {
    /// Leaves the result for every follower and ends the flight.
    pub fn share(self, result: T) {
        *self.slot.borrow_mut() = Some(Some(result));
        // Dropping `self` now ends the flight; the result stays in the followers' slot.
    }
}

impl<T: Clone> Drop for Lead<T> {
    fn drop(&mut self) {
        // Later requests lead a new flight; the followers of this one keep the slot.
        self.flights.slots.borrow_mut().remove(&self.key);
        let mut slot = self.slot.borrow_mut();
        if slot.is_none() {
            *slot = Some(None);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn followers_get_the_leaders_result() {
        let flights = Rc::new(Flights::<u32>::default());
        let Role::Leader(lead) = flights.join("a") else { panic!("the first leads") };
        let followers: Vec<_> = (0..9)
            .map(|_| match flights.join("a") {
                Role::Follower(watch) => watch,
                Role::Leader(_) => panic!("the others follow"),
            })
            .collect();
        assert!(matches!(flights.join("b"), Role::Leader(_)), "another key has its own flight");
        assert!(followers.iter().all(|watch| watch.outcome().is_none()), "still running");
        lead.share(7);
        for watch in followers {
            assert_eq!(watch.outcome(), Some(Some(7)));
        }
        assert!(flights.is_empty());
    }

    #[test]
    fn a_leader_that_cannot_share_sends_followers_alone_and_leaves_no_trace() {
        let flights = Rc::new(Flights::<u32>::default());
        let Role::Leader(lead) = flights.join("a") else { panic!("the first leads") };
        let Role::Follower(watch) = flights.join("a") else { panic!("the second follows") };
        drop(lead); // failed or cancelled
        assert_eq!(watch.outcome(), Some(None));
        assert!(matches!(flights.join("a"), Role::Leader(_)), "the next request leads afresh");
    }

    #[test]
    fn a_new_flight_does_not_disturb_the_followers_of_the_last() {
        let flights = Rc::new(Flights::<u32>::default());
        let Role::Leader(first) = flights.join("a") else { panic!("leads") };
        let Role::Follower(watch) = flights.join("a") else { panic!("follows") };
        first.share(3);
        let Role::Leader(second) = flights.join("a") else { panic!("a new flight") };
        drop(second);
        assert_eq!(watch.outcome(), Some(Some(3)));
    }
}
