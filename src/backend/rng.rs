//! The seeded random number generator used for every draw in flowppl.
//!
//! Draws are made on the host and copied to the device, so a seed gives the same numbers on the
//! CPU and on CUDA. (dfdx's own CUDA sampler also draws on the host.)

use rand::SeedableRng;

/// flowppl's random number generator: ChaCha12 (`rand::rngs::StdRng`, rand 0.8), seeded.
pub type Rng = rand::rngs::StdRng;

/// A generator seeded with `seed`; the same seed gives the same stream.
pub fn seeded(seed: u64) -> Rng {
    Rng::seed_from_u64(seed)
}

/// `count` standard normal draws in `f64`.
pub fn standard_normals(rng: &mut Rng, count: usize) -> Vec<f64> {
    use rand::distributions::Distribution;
    (0..count)
        .map(|_| rand_distr::StandardNormal.sample(rng))
        .collect()
}

/// `count` uniform draws in the open interval `(0, 1)`.
pub fn open_uniforms(rng: &mut Rng, count: usize) -> Vec<f64> {
    use rand::distributions::Distribution;
    (0..count)
        .map(|_| rand::distributions::Open01.sample(rng))
        .collect()
}
