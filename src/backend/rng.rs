//! The seeded random number generator used for every draw in flowppl.
//!
//! Draws are made on the host and copied to the device, so a seed gives the same numbers on the
//! CPU and on CUDA. (dfdx's own CUDA sampler also draws on the host.)

use crate::error::{Error, Result};
use rand::SeedableRng;
use serde::{Deserialize, Serialize};

/// flowppl's random number generator: ChaCha12, seeded (the generator behind rand 0.8's
/// `StdRng`, with the same stream for the same seed, used directly so that its position can be
/// saved and restored: see [`RngState`]).
///
/// # Examples
/// ```
/// use flowppl::backend::rng::{seeded, Rng};
/// use rand::Rng as _;
/// let mut a: Rng = seeded(7);
/// let mut b = seeded(7);
/// let (x, y): (f64, f64) = (a.gen(), b.gen());
/// assert_eq!(x, y); // same seed, same stream
/// assert!((0.0..1.0).contains(&x));
/// ```
pub type Rng = rand_chacha::ChaCha12Rng;

/// Where a [`Rng`] is in its stream: enough to continue it exactly (checkpoints).
///
/// # Examples
/// ```
/// use flowppl::backend::rng::{seeded, RngState};
/// use rand::RngCore;
/// # fn main() -> flowppl::Result<()> {
/// let mut rng = seeded(1);
/// rng.next_u32();
/// let state = RngState::of(&rng);
/// assert_eq!(state.key.len(), 64);
/// let mut resumed = state.restore()?;
/// assert_eq!(resumed.next_u64(), rng.next_u64());
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RngState {
    /// The 32-byte key, as hex.
    pub key: String,
    /// The stream number.
    pub stream: u64,
    /// The position in 32-bit words, as a decimal string (it is a 128-bit number).
    pub word_position: String,
}

impl RngState {
    /// The state of `rng`.
    ///
    /// # Examples
    /// ```
    /// use flowppl::backend::rng::{seeded, RngState};
    /// use rand::RngCore;
    /// let mut rng = seeded(3);
    /// let start = RngState::of(&rng);
    /// assert_eq!(start.word_position, "0");
    /// rng.next_u64(); // two 32-bit words
    /// let later = RngState::of(&rng);
    /// assert_eq!((later.key, later.stream), (start.key, start.stream));
    /// assert_eq!(later.word_position, "2");
    /// ```
    pub fn of(rng: &Rng) -> Self {
        RngState {
            key: rng.get_seed().iter().map(|b| format!("{b:02x}")).collect(),
            stream: rng.get_stream(),
            word_position: rng.get_word_pos().to_string(),
        }
    }

    /// A generator at this state.
    ///
    /// # Errors
    /// [`Error::Parse`] for a key that is not 64 hex digits or a position that is not a number.
    ///
    /// # Examples
    /// ```
    /// use flowppl::backend::rng::{seeded, RngState};
    /// use flowppl::Error;
    /// use rand::RngCore;
    /// # fn main() -> flowppl::Result<()> {
    /// let mut rng = seeded(5);
    /// let state = RngState::of(&rng);
    /// assert_eq!(state.restore()?.next_u64(), rng.next_u64());
    /// let bad = RngState { key: "zz".into(), ..state };
    /// assert!(matches!(bad.restore(), Err(Error::Parse { .. })));
    /// # Ok(())
    /// # }
    /// ```
    pub fn restore(&self) -> Result<Rng> {
        let invalid = |message: String| Error::Parse {
            path: "<random-number state>".into(),
            message,
        };
        let bytes = self.key.as_bytes();
        if bytes.len() != 64 || !self.key.is_ascii() {
            return Err(invalid(format!(
                "the key must be 64 hex digits, got `{}`",
                self.key
            )));
        }
        let mut key = [0u8; 32];
        for (i, pair) in bytes.chunks(2).enumerate() {
            let text = std::str::from_utf8(pair).map_err(|e| invalid(e.to_string()))?;
            key[i] = u8::from_str_radix(text, 16)
                .map_err(|_| invalid(format!("the key must be hex, got `{}`", self.key)))?;
        }
        let position: u128 = self.word_position.parse().map_err(|_| {
            invalid(format!(
                "the word position must be a number, got `{}`",
                self.word_position
            ))
        })?;
        let mut rng = Rng::from_seed(key);
        rng.set_stream(self.stream);
        rng.set_word_pos(position);
        Ok(rng)
    }
}

/// A generator seeded with `seed`; the same seed gives the same stream.
///
/// # Examples
/// ```
/// use flowppl::backend::rng::seeded;
/// use rand::RngCore;
/// assert_eq!(seeded(42).next_u64(), seeded(42).next_u64());
/// assert_ne!(seeded(42).next_u64(), seeded(43).next_u64());
/// ```
pub fn seeded(seed: u64) -> Rng {
    Rng::seed_from_u64(seed)
}

/// `count` standard normal draws in `f64`.
///
/// # Examples
/// ```
/// use flowppl::backend::rng::{seeded, standard_normals};
/// let z = standard_normals(&mut seeded(0), 2000);
/// assert_eq!(z.len(), 2000);
/// let mean = z.iter().sum::<f64>() / 2000.0;
/// let variance = z.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / 2000.0;
/// assert!(mean.abs() < 0.1 && (variance - 1.0).abs() < 0.1);
/// assert_eq!(z, standard_normals(&mut seeded(0), 2000)); // reproducible
/// ```
pub fn standard_normals(rng: &mut Rng, count: usize) -> Vec<f64> {
    use rand::distributions::Distribution;
    (0..count)
        .map(|_| rand_distr::StandardNormal.sample(rng))
        .collect()
}

/// `count` uniform draws in the open interval `(0, 1)`.
///
/// # Examples
/// ```
/// use flowppl::backend::rng::{open_uniforms, seeded};
/// let u = open_uniforms(&mut seeded(0), 1000);
/// assert_eq!(u.len(), 1000);
/// assert!(u.iter().all(|&x| x > 0.0 && x < 1.0));
/// let mean = u.iter().sum::<f64>() / 1000.0;
/// assert!((mean - 0.5).abs() < 0.05);
/// ```
pub fn open_uniforms(rng: &mut Rng, count: usize) -> Vec<f64> {
    use rand::distributions::Distribution;
    (0..count)
        .map(|_| rand::distributions::Open01.sample(rng))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::RngCore;

    #[test]
    fn the_stream_is_rand_std_rngs_and_its_state_restores_exactly() {
        let mut ours = seeded(42);
        let mut std_rng = rand::rngs::StdRng::seed_from_u64(42);
        for _ in 0..5 {
            assert_eq!(ours.next_u64(), std_rng.next_u64());
        }
        let _ = ours.next_u32();
        let state = RngState::of(&ours);
        let json = serde_json::to_string(&state).unwrap();
        let mut restored = serde_json::from_str::<RngState>(&json)
            .unwrap()
            .restore()
            .unwrap();
        for _ in 0..100 {
            assert_eq!(ours.next_u64(), restored.next_u64());
        }
        let bad = RngState {
            key: "zz".into(),
            ..state
        };
        assert!(bad.restore().unwrap_err().to_string().contains("64 hex"));
    }
}
