//! One memory budget for a whole scan (`--max-memory`): the input bytes held in flight at once,
//! across every file, chunk, zip entry and stdin, are counted against it.
//!
//! A reader takes its bytes from the budget before it holds them (a file read whole, the next
//! chunk of a stream) and gives them back when that text is dropped, by dropping the [`Held`]
//! guard. When the budget is spent, readers wait for it.
//!
//! # Why it cannot deadlock with rayon
//!
//! Two rules make waiting safe:
//!
//! 1. **A thread that holds bytes never waits for more.** Bytes are held only while one text is
//!    read, decoded, parsed and matched, and none of that calls into rayon; a thread holding
//!    bytes therefore never blocks in a join, where rayon would have it run a queued task that
//!    might wait for the budget. Should that change, this rule still holds: a thread already
//!    holding bytes is given more at once ([`MemoryBudget::acquire`] counts the bytes held per
//!    thread), because waiting there could wait for itself: the bytes it holds lower on its
//!    stack are released only when it returns. The same goes for a chunk whose record runs on
//!    past what was taken for it ([`Held::resize`]): it takes the rest at once.
//! 2. **A waiter holds nothing and waits only for holders**, and holders never wait (rule 1),
//!    so every holder runs to the end of its text and gives its bytes back. Nothing is taken
//!    while a task is merely queued: a chunk's bytes are taken by the thread that reads the
//!    chunk, in the stream's iterator (rayon's `par_bridge` releases its lock before the chunk
//!    is processed), and the same thread processes it. A task queued behind a waiting worker
//!    therefore holds nothing that worker waits for.
//!
//! One text larger than the whole budget waits until nothing else is held and then proceeds
//! alone: a file read whole (a document format that is not streamed yet), or a chunk whose
//! record has no cut point. Waiting stops at the scan's deadline, and what was not read is
//! reported as not read for the time limit.
//!
//! Not counted: per reader, a read buffer and a file's first 64 KiB (to tell its encoding and
//! kind), and the blocks a stdin or FIFO reader thread has read ahead (at most two of 64 KiB).

use std::cell::Cell;
use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::time::Instant;

/// `--max-memory` when not given.
pub const DEFAULT_MAX_MEMORY: u64 = 100 << 20;

/// The budget; clones share it.
#[derive(Clone)]
pub struct MemoryBudget {
    shared: Arc<Shared>,
}

struct Shared {
    limit: u64,
    held: Mutex<u64>,
    released: Condvar,
}

thread_local! {
    /// Bytes held by guards taken on this thread and not yet dropped (see rule 1 above).
    static HELD_HERE: Cell<u64> = const { Cell::new(0) };
}

impl std::fmt::Debug for MemoryBudget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "MemoryBudget({} bytes)", self.shared.limit)
    }
}

impl MemoryBudget {
    pub fn new(limit: u64) -> MemoryBudget {
        MemoryBudget { shared: Arc::new(Shared { limit, held: Mutex::new(0), released: Condvar::new() }) }
    }

    /// The most bytes held at once, as given.
    pub fn limit(&self) -> u64 {
        self.shared.limit
    }

    /// Bytes held now.
    pub fn held(&self) -> u64 {
        *self.shared.held.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Takes `bytes`, waiting while they do not fit beside what others hold (see the module's
    /// rules); `None` once `deadline` passes first.
    pub fn acquire(&self, bytes: u64, deadline: Option<Instant>) -> Option<Held> {
        let shared = &self.shared;
        let mut held = shared.held.lock().unwrap_or_else(PoisonError::into_inner);
        let holding_here = HELD_HERE.with(Cell::get) > 0;
        while !holding_here && *held > 0 && held.saturating_add(bytes) > shared.limit {
            held = match deadline {
                None => shared.released.wait(held).unwrap_or_else(PoisonError::into_inner),
                Some(deadline) => {
                    let left = deadline.checked_duration_since(Instant::now())?;
                    shared.released.wait_timeout(held, left).unwrap_or_else(PoisonError::into_inner).0
                }
            };
        }
        *held = held.saturating_add(bytes);
        HELD_HERE.with(|here| here.set(here.get().saturating_add(bytes)));
        Some(Held { budget: self.clone(), bytes })
    }
}

/// Bytes taken from a [`MemoryBudget`], given back when dropped. Drop it on the thread that
/// took it: rule 1 counts the bytes each thread holds.
#[must_use = "the bytes are given back when the guard is dropped"]
pub struct Held {
    budget: MemoryBudget,
    bytes: u64,
}

impl Held {
    /// Holds `bytes` instead: more is taken at once, without waiting (rule 1), less is given
    /// back.
    pub fn resize(&mut self, bytes: u64) {
        let mut held = self.budget.shared.held.lock().unwrap_or_else(PoisonError::into_inner);
        *held = held.saturating_sub(self.bytes).saturating_add(bytes);
        HELD_HERE.with(|here| here.set(here.get().saturating_sub(self.bytes).saturating_add(bytes)));
        if bytes < self.bytes {
            self.budget.shared.released.notify_all();
        }
        self.bytes = bytes;
    }
}

impl Drop for Held {
    fn drop(&mut self) {
        self.resize(0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn readers_wait_for_room_and_one_too_big_item_goes_alone() {
        let budget = MemoryBudget::new(100);
        let first = budget.acquire(60, None).unwrap();
        // On another thread, which holds nothing: 60 + 50 does not fit, so it waits.
        let waiting = {
            let budget = budget.clone();
            std::thread::spawn(move || {
                let held = budget.acquire(50, None).unwrap();
                let alone = budget.held();
                drop(held);
                // Larger than the whole budget, with nothing else held: it proceeds.
                let huge = budget.acquire(1000, None).unwrap();
                (alone, budget.held(), huge.bytes)
            })
        };
        std::thread::sleep(Duration::from_millis(50));
        assert_eq!(budget.held(), 60, "the second reader is still waiting");
        drop(first);
        assert_eq!(waiting.join().unwrap(), (50, 1000, 1000));
        assert_eq!(budget.held(), 0);
    }

    #[test]
    fn waiting_stops_at_the_deadline() {
        let budget = MemoryBudget::new(10);
        let _held = budget.acquire(10, None).unwrap();
        let other = budget.clone();
        let deadline = Instant::now() + Duration::from_millis(30);
        let waited = std::thread::spawn(move || other.acquire(5, Some(deadline)).is_none()).join().unwrap();
        assert!(waited);
        assert!(Instant::now() >= deadline);
    }

    #[test]
    fn a_thread_holding_bytes_is_never_made_to_wait_and_shrinking_wakes_waiters() {
        let budget = MemoryBudget::new(10);
        let mut held = budget.acquire(10, None).unwrap();
        // Same thread: it would wait for itself.
        let more = budget.acquire(10, None).unwrap();
        assert_eq!(budget.held(), 20);
        drop(more);
        held.resize(30);
        assert_eq!(budget.held(), 30);
        let other = budget.clone();
        let waiter = std::thread::spawn(move || other.acquire(5, None).map(|h| h.bytes));
        std::thread::sleep(Duration::from_millis(30));
        held.resize(4);
        assert_eq!(waiter.join().unwrap(), Some(5));
        drop(held);
        assert_eq!(budget.held(), 0);
    }
}
