//! Seeded, stateless noise: the same inputs always give the same numbers, so the demo is
//! deterministic under a virtual clock and its past can be recomputed at any time.

/// SplitMix64 finaliser.
fn finalize(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

pub(crate) fn mix(seed: u64, a: u64, b: u64) -> u64 {
    let x = finalize(seed.wrapping_add(0x9e37_79b9_7f4a_7c15));
    let y = finalize(x ^ a.wrapping_mul(0xff51_afd7_ed55_8ccd));
    finalize(y ^ b.wrapping_mul(0xc4ce_b9fe_1a85_ec53))
}

/// A uniform number in [0, 1).
pub(crate) fn unit(seed: u64, a: u64, b: u64) -> f64 {
    (mix(seed, a, b) >> 11) as f64 / (1u64 << 53) as f64
}

/// FNV-1a, stable across runs and platforms.
pub(crate) fn hash_str(s: &str) -> u64 {
    s.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}
