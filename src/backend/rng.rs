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
pub type Rng = rand_chacha::ChaCha12Rng;

/// Where a [`Rng`] is in its stream: enough to continue it exactly (checkpoints).
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
