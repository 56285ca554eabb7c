//! How many threads dfdx's CPU matrix products use.
//!
//! dfdx splits every CPU matrix product over rayon's global pool. For the layer sizes of
//! probabilistic models (batches of 100-512, widths of 32-256) the split costs more than it
//! saves on a small machine: with two cores, one thread ran the T2 step in 238 us instead of
//! 377, T5 in 3.5 ms instead of 5.1 and T4 in 8.5 ms instead of 9.5 (`notes` of issue #9,
//! `cargo bench -p flowppl-models --bench tasks` with `RAYON_NUM_THREADS=1` and `2`). The CLI
//! therefore uses one thread unless `RAYON_NUM_THREADS` says otherwise; programs can choose
//! with [`set_compute_threads`] before their first computation.

use crate::error::{Error, Result};

/// Sizes the pool dfdx's CPU matrix products run on. Call it once, before any computation;
/// the pool cannot be resized afterwards.
///
/// # Errors
/// [`Error::InvalidConfig`] for 0 threads or when the pool was already built (by an earlier
/// call or by a first computation).
///
/// # Examples
/// ```
/// use flowppl::backend::{compute_threads, set_compute_threads};
/// # fn main() -> flowppl::Result<()> {
/// assert!(set_compute_threads(0).is_err());
/// set_compute_threads(1)?; // before any computation
/// assert_eq!(compute_threads(), 1);
/// assert!(set_compute_threads(2).is_err()); // the pool is built now
/// # Ok(())
/// # }
/// ```
pub fn set_compute_threads(threads: usize) -> Result<()> {
    if threads == 0 {
        return Err(Error::InvalidConfig {
            what: "compute threads".into(),
            message: "need at least one".into(),
        });
    }
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build_global()
        .map_err(|e| Error::InvalidConfig {
            what: format!("{threads} compute threads"),
            message: format!("the thread pool is already built ({e}); set it before computing"),
        })
}

/// The number of threads CPU matrix products use.
///
/// # Examples
/// ```
/// use flowppl::backend::{compute_threads, set_compute_threads};
/// set_compute_threads(2).unwrap();
/// assert_eq!(compute_threads(), 2);
/// ```
pub fn compute_threads() -> usize {
    rayon::current_num_threads()
}
