//! [`Plateau`]: when to stop SVI early.

/// Early stopping on an ELBO plateau: every `window` steps the mean objective of the last
/// `window` steps is compared with the best such mean so far; after `patience` windows in a row
/// that improve it by less than `tolerance` nats, training stops. The parameters are those of
/// the last step (nothing is restored or changed).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Plateau {
    /// Steps per window.
    pub window: usize,
    /// The smallest improvement of a window's mean that counts, in nats.
    pub tolerance: f64,
    /// Windows without improvement before stopping.
    pub patience: usize,
}

impl Default for Plateau {
    fn default() -> Self {
        Plateau {
            window: 100,
            tolerance: 0.01,
            patience: 3,
        }
    }
}
