//! Helper threads that take a share of a large host matrix product.
//!
//! A training step of a VAE or a MAF runs a few dozen matrix products of 1-20 MFLOP each, with
//! other work in between. Split over two threads, one of them takes 100-190 us alone and about
//! 110 us shared, but only while the second thread is awake: through rayon (`join`, or the
//! `gemm` crate's own rayon split, which is what dfdx does), the second worker has gone to sleep
//! in the 20-100 us between two products, and waking it costs about what the split saves (on
//! this project's 2-core VM, a (100 x 256) x (256 x 256) product with 100 us of other work
//! between calls: 180 us on one thread, 180-200 us through rayon, 110-140 us here).
//!
//! So a helper here spins on its slot for [`SPIN`] after each task before it parks (yielding
//! now and then to any thread that shares its core), and the caller never waits for a helper
//! to wake: the shares are handed out by a counter, the caller starts on them at once, and
//! any helper that has not started by the time they are all claimed is taken back (the
//! design of work-stealing pools such as Eigen's, which XLA uses, reduced to one split at a
//! time). At worst a product costs what it costs on one thread plus a few atomic operations.
//!
//! Helpers are started on first use, as many as the largest split asked for minus one, and
//! live as long as the process. When another thread is using them (tests run in parallel), a
//! caller runs all its shares itself.

use std::panic::{catch_unwind, resume_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicU8, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError, TryLockError};
use std::thread::Thread;
use std::time::{Duration, Instant};

/// How long a helper keeps spinning for its next task before it parks.
pub(crate) const SPIN: Duration = Duration::from_micros(1500);

const IDLE: u8 = 0;
const POSTED: u8 = 1;
const TAKEN: u8 = 2;
const DONE: u8 = 3;
const PANICKED: u8 = 4;

/// Work handed to a helper: `run(data)`, where `data` points at the caller's split.
#[derive(Clone, Copy)]
struct Share {
    data: *const (),
    run: unsafe fn(*const ()),
}

// SAFETY: a `Share` only carries a pointer to a `Sync` task (see `run_shares`) that outlives
// its use: the caller does not return before every share it posted is done or taken back.
unsafe impl Send for Share {}

/// One helper's mailbox: its state and the share posted to it.
struct Slot {
    state: AtomicU8,
    share: Mutex<Option<Share>>,
}

/// A started helper thread and its mailbox.
struct Helper {
    slot: Arc<Slot>,
    thread: Thread,
}

/// The helpers started so far. Locked for the whole of a split; a caller that finds it locked
/// runs its shares alone.
static HELPERS: Mutex<Vec<Helper>> = Mutex::new(Vec::new());

/// Calls `task(share)` for every `share` in `0..shares`, on the calling thread and on up to
/// `threads - 1` helper threads, each taking the next unclaimed share until none is left (so
/// a helper that starts late, or loses its core for a while, holds up at most one share).
/// Returns when all are done. A panic in any share is resumed on the calling thread.
pub(crate) fn run_shares<F: Fn(usize) + Sync>(shares: usize, threads: usize, task: F) {
    let wanted = threads.min(shares).saturating_sub(1);
    if wanted == 0 {
        (0..shares).for_each(&task);
        return;
    }
    let mut helpers = match HELPERS.try_lock() {
        Ok(guard) => guard,
        Err(TryLockError::Poisoned(poisoned)) => poisoned.into_inner(),
        Err(TryLockError::WouldBlock) => {
            (0..shares).for_each(&task);
            return;
        }
    };
    while helpers.len() < wanted {
        match Helper::start() {
            Some(helper) => helpers.push(helper),
            None => break,
        }
    }
    let posted = wanted.min(helpers.len());
    let work = Work {
        task,
        next: AtomicUsize::new(0),
        shares,
    };
    let data = &work as *const Work<F> as *const ();
    for helper in helpers.iter().take(posted) {
        helper.post(Share {
            data,
            run: drain_work::<F>,
        });
    }
    // Every posted helper is waited for (or taken back) before this frame ends, also when a
    // share on this thread panics: the helpers hold pointers into it.
    let own = catch_unwind(AssertUnwindSafe(|| work.drain()));
    let helper_panicked = collect(&helpers[..posted]);
    if let Err(payload) = own {
        resume_unwind(payload);
    }
    if helper_panicked {
        panic!("a share of a split host computation panicked");
    }
}

/// The shares of one split and the counter that hands them out.
struct Work<F> {
    task: F,
    next: AtomicUsize,
    shares: usize,
}

impl<F: Fn(usize)> Work<F> {
    /// Runs unclaimed shares until none is left.
    fn drain(&self) {
        loop {
            let share = self.next.fetch_add(1, Ordering::Relaxed);
            if share >= self.shares {
                return;
            }
            (self.task)(share);
        }
    }
}

/// Runs shares of the split behind `data` until none is left.
///
/// # Safety
/// `data` must point at a live `Work<F>`.
unsafe fn drain_work<F: Fn(usize) + Sync>(data: *const ()) {
    // SAFETY: guaranteed by the caller (`run_shares` keeps the work alive until every posted
    // helper is done or taken back).
    let work = unsafe { &*(data as *const Work<F>) };
    work.drain();
}

/// The end of a split: takes back the posts no helper has started (their shares were claimed
/// by the others) and waits for the rest; returns whether one panicked.
fn collect(helpers: &[Helper]) -> bool {
    let mut panicked = false;
    for helper in helpers {
        let slot = &helper.slot;
        if slot
            .state
            .compare_exchange(POSTED, IDLE, Ordering::Acquire, Ordering::Relaxed)
            .is_ok()
        {
            continue;
        }
        let mut state = slot.state.load(Ordering::Acquire);
        while state == TAKEN {
            std::hint::spin_loop();
            state = slot.state.load(Ordering::Acquire);
        }
        panicked |= state == PANICKED;
        slot.state.store(IDLE, Ordering::Release);
    }
    panicked
}

impl Helper {
    /// Starts a helper thread; `None` when the system refuses one.
    fn start() -> Option<Helper> {
        let slot = Arc::new(Slot {
            state: AtomicU8::new(IDLE),
            share: Mutex::new(None),
        });
        let mailbox = slot.clone();
        let handle = std::thread::Builder::new()
            .name("flowppl-helper".into())
            .spawn(move || serve(&mailbox))
            .ok()?;
        Some(Helper {
            slot,
            thread: handle.thread().clone(),
        })
    }

    /// Posts a share and wakes the helper if it parked.
    fn post(&self, share: Share) {
        *self
            .slot
            .share
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = Some(share);
        self.slot.state.store(POSTED, Ordering::Release);
        self.thread.unpark();
    }
}

/// A helper's loop: take a posted share, run it, report; spin for [`SPIN`] between shares,
/// then park until the next post.
fn serve(slot: &Slot) {
    loop {
        let idle_since = Instant::now();
        let mut spins = 0_u32;
        loop {
            if slot.state.load(Ordering::Relaxed) == POSTED
                && slot
                    .state
                    .compare_exchange(POSTED, TAKEN, Ordering::Acquire, Ordering::Relaxed)
                    .is_ok()
            {
                let share = *slot.share.lock().unwrap_or_else(PoisonError::into_inner);
                let outcome = share.map(|s| {
                    catch_unwind(AssertUnwindSafe(|| {
                        // SAFETY: the poster keeps the task alive until this share reports.
                        unsafe { (s.run)(s.data) }
                    }))
                });
                let state = match outcome {
                    Some(Err(_)) => PANICKED,
                    _ => DONE,
                };
                slot.state.store(state, Ordering::Release);
                break;
            }
            std::hint::spin_loop();
            spins = spins.wrapping_add(1);
            if !spins.is_multiple_of(256) {
                continue;
            }
            // Let a thread that shares this core run (a spinning helper must not slow the
            // thread that posts to it); returns at once when nothing else is runnable.
            std::thread::yield_now();
            if idle_since.elapsed() > SPIN {
                // A post between the check above and here leaves an unpark token: no wake-up
                // is lost.
                if slot.state.load(Ordering::Acquire) != POSTED {
                    std::thread::park();
                }
                break;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_share_runs_exactly_once() {
        for shares in 0..6 {
            let counts: Vec<AtomicUsize> = (0..shares).map(|_| AtomicUsize::new(0)).collect();
            for _ in 0..200 {
                run_shares(shares, 3, |s| {
                    counts[s].fetch_add(1, Ordering::Relaxed);
                });
            }
            assert!(counts.iter().all(|c| c.load(Ordering::Relaxed) == 200));
        }
    }

    #[test]
    fn shares_run_after_the_helpers_parked() {
        let total = AtomicUsize::new(0);
        for _ in 0..3 {
            run_shares(2, 2, |s| {
                total.fetch_add(s + 1, Ordering::Relaxed);
            });
            std::thread::sleep(SPIN * 3);
        }
        assert_eq!(total.load(Ordering::Relaxed), 9);
    }

    #[test]
    fn splits_from_several_threads_at_once_all_finish() {
        let total = AtomicUsize::new(0);
        std::thread::scope(|scope| {
            for _ in 0..4 {
                scope.spawn(|| {
                    for _ in 0..100 {
                        run_shares(3, 3, |s| {
                            total.fetch_add(s, Ordering::Relaxed);
                        });
                    }
                });
            }
        });
        assert_eq!(total.load(Ordering::Relaxed), 4 * 100 * 3);
    }

    #[test]
    fn a_panicking_share_panics_the_caller_and_the_helpers_stay_usable() {
        for bad in [0, 1] {
            let result = catch_unwind(|| {
                run_shares(2, 2, |s| {
                    if s == bad {
                        panic!("share {s}");
                    }
                })
            });
            assert!(result.is_err());
        }
        let total = AtomicUsize::new(0);
        run_shares(2, 2, |s| {
            total.fetch_add(s + 1, Ordering::Relaxed);
        });
        assert_eq!(total.load(Ordering::Relaxed), 3);
    }
}
