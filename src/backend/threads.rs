//! How many threads CPU matrix products use.
//!
//! Two settings. [`set_matrix_threads`] is the one that matters for models: the matrix products
//! of flowppl's own dense layers (MLPs, MADE, the VAE's networks) are split by rows over that
//! many threads, on helper threads that stay awake between products (see
//! `backend/helper_threads.rs`). [`set_compute_threads`] sizes rayon's pool, which dfdx splits
//! its other CPU matrix products over; for the layer sizes of probabilistic models (batches of
//! 100-512, widths of 32-256) that split costs more than it saves on a small machine (with two
//! cores one rayon thread ran the T2 step in 238 us instead of 377, T5 in 3.5 ms instead of
//! 5.1), because rayon's idle worker is asleep by the next product. The CLI therefore keeps
//! rayon at one thread unless `RAYON_NUM_THREADS` says otherwise, and splits the dense layers
//! over every core unless `FLOWPPL_THREADS` says otherwise.

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

/// Threads for the matrix products of flowppl's own dense layers (see [`set_matrix_threads`]).
static MATRIX_THREADS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(1);

/// Sets how many threads the matrix products of flowppl's dense layers ([`crate::nn::Linear`],
/// MADE, MLPs, on host-buffer devices) share, from the next product on. With more than one,
/// a product of at least about a million floating-point operations is split by rows: the
/// calling thread computes one block and helper threads the others. The helpers spin for
/// about 1.5 ms after each block (waking a sleeping thread costs about as much as a split
/// saves) and then sleep until the next one. The default is 1: no helper threads.
///
/// On the project's two-core machine, 2 threads took the digits VAE step (task T5) from
/// 3.0-3.3 ms to the figures in the book's performance chapter; unlike [`set_compute_threads`]
/// this can be changed at any time.
///
/// # Errors
/// [`Error::InvalidConfig`] for 0 threads.
///
/// # Examples
/// ```
/// use flowppl::backend::{matrix_threads, set_matrix_threads};
/// # fn main() -> flowppl::Result<()> {
/// assert!(set_matrix_threads(0).is_err());
/// set_matrix_threads(2)?;
/// assert_eq!(matrix_threads(), 2);
/// set_matrix_threads(1)?;
/// # Ok(())
/// # }
/// ```
pub fn set_matrix_threads(threads: usize) -> Result<()> {
    if threads == 0 {
        return Err(Error::InvalidConfig {
            what: "matrix threads".into(),
            message: "need at least one".into(),
        });
    }
    MATRIX_THREADS.store(threads, std::sync::atomic::Ordering::Relaxed);
    Ok(())
}

/// The number of threads the dense layers' matrix products share (1 unless
/// [`set_matrix_threads`] said otherwise).
///
/// # Examples
/// ```
/// use flowppl::backend::matrix_threads;
/// assert!(matrix_threads() >= 1);
/// ```
pub fn matrix_threads() -> usize {
    MATRIX_THREADS.load(std::sync::atomic::Ordering::Relaxed)
}
