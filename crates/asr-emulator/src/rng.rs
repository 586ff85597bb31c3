//! A small seeded PRNG and id generator.
//!
//! Faults and ids must be reproducible from the configured seed, so the emulator carries its own
//! generator instead of reading OS randomness.

/// SplitMix64: tiny, fast and good enough for fault dice and id bits.
#[derive(Debug, Clone)]
pub(crate) struct Rng {
    state: u64,
}

impl Rng {
    /// A generator whose sequence depends only on `seed`.
    pub(crate) fn new(seed: u64) -> Self {
        Rng { state: seed }
    }

    /// The next 64 random bits.
    pub(crate) fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        mix(self.state)
    }

    /// A uniform float in `[0, 1)`.
    pub(crate) fn next_f64(&mut self) -> f64 {
        // 53 bits fill an f64 mantissa exactly.
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// `true` with probability `p` (values outside `[0, 1]` are clamped).
    ///
    /// A draw is consumed even for `p == 0` so that enabling one fault does not shift the dice
    /// of the others.
    pub(crate) fn chance(&mut self, p: f64) -> bool {
        let roll = self.next_f64();
        p > 0.0 && roll < p.min(1.0)
    }

    /// A UUID-shaped id (`8-4-4-4-12` lowercase hex), as the service's request and task ids are.
    pub(crate) fn uuid(&mut self) -> String {
        let a = self.next_u64();
        let b = self.next_u64();
        format!(
            "{:08x}-{:04x}-{:04x}-{:04x}-{:012x}",
            a >> 32,
            (a >> 16) & 0xffff,
            a & 0xffff,
            b >> 48,
            b & 0xffff_ffff_ffff
        )
    }

    /// `n` lowercase hex digits.
    pub(crate) fn hex(&mut self, n: usize) -> String {
        let mut out = String::with_capacity(n + 16);
        while out.len() < n {
            out.push_str(&format!("{:016x}", self.next_u64()));
        }
        out.truncate(n);
        out
    }
}

/// The SplitMix64 finaliser, also used to derive stable values from hashes.
pub(crate) fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Streaming FNV-1a (64 bit): the content hash used to recognise known audio.
///
/// Not cryptographic; it only needs to tell a handful of fixture files apart.
#[derive(Debug, Clone, Copy)]
pub struct ContentHash(u64);

impl Default for ContentHash {
    fn default() -> Self {
        ContentHash(0xcbf2_9ce4_8422_2325)
    }
}

impl ContentHash {
    /// Feed more bytes.
    pub fn update(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 ^= u64::from(*b);
            self.0 = self.0.wrapping_mul(0x0100_0000_01b3);
        }
    }

    /// The hash so far.
    pub fn value(&self) -> u64 {
        self.0
    }

    /// The hash of a whole byte slice, as 16 lowercase hex digits.
    pub fn hex_of(bytes: &[u8]) -> String {
        let mut h = ContentHash::default();
        h.update(bytes);
        format!("{:016x}", h.value())
    }
}

#[cfg(test)]
mod tests;
