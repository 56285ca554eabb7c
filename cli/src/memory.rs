//! Keeping freed memory in the process.
//!
//! glibc hands blocks above 128 KB to the kernel with `mmap` and gives freed heap back with
//! `trim`; a training step allocates and frees the same large buffers every time, so each step
//! page-faults them in again, zero-filled by the kernel (`notes/dfdx-speed.md`: 10-15x slower
//! backward passes at 10 000-entry tensors; in `flowppl fit` on T1, a quarter of the time was
//! page faults). Raising both thresholds keeps the memory for reuse. Only for glibc on Linux;
//! elsewhere nothing changes.

/// Sets glibc's mmap threshold to its maximum (32 MB) and its trim threshold to 1 GB.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
pub fn keep_freed_memory() {
    use std::os::raw::c_int;
    extern "C" {
        fn mallopt(parameter: c_int, value: c_int) -> c_int;
    }
    const M_TRIM_THRESHOLD: c_int = -1;
    const M_MMAP_THRESHOLD: c_int = -3;
    // SAFETY: mallopt only changes allocator tuning parameters; it is called at start-up
    // before any other thread exists, and a refused value (return 0) leaves the default.
    unsafe {
        mallopt(M_MMAP_THRESHOLD, 32 << 20);
        mallopt(M_TRIM_THRESHOLD, 1 << 30);
    }
}

/// Nothing to do outside glibc.
#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
pub fn keep_freed_memory() {}
