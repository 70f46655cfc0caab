//! Stable, platform-independent hashing.
//!
//! Owns the FNV-1a hashes the engine uses where a hash is observable: the
//! trace digest, ControllerRevision names and the derivation of random
//! streams from the scenario seed. Never use `std`'s `DefaultHasher` for
//! these: its output may change between Rust releases.

const FNV64_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
const FNV64_PRIME: u64 = 0x0000_0100_0000_01b3;
const FNV32_OFFSET: u32 = 0x811c_9dc5;
const FNV32_PRIME: u32 = 0x0100_0193;

/// A streaming 64-bit FNV-1a hasher.
#[derive(Debug, Clone)]
pub struct Fnv64(u64);

impl Fnv64 {
    pub fn new() -> Fnv64 {
        Fnv64(FNV64_OFFSET)
    }
    pub fn write(&mut self, bytes: &[u8]) {
        // Byte by byte as FNV-1a is defined; eight at a time in the loop
        // only so the compiler unrolls it (a trace digest hashes megabytes).
        let mut hash = self.0;
        let mut eights = bytes.chunks_exact(8);
        for eight in &mut eights {
            for byte in eight {
                hash = (hash ^ u64::from(*byte)).wrapping_mul(FNV64_PRIME);
            }
        }
        for byte in eights.remainder() {
            hash = (hash ^ u64::from(*byte)).wrapping_mul(FNV64_PRIME);
        }
        self.0 = hash;
    }
    pub fn finish(&self) -> u64 {
        self.0
    }
}

impl Default for Fnv64 {
    fn default() -> Self {
        Self::new()
    }
}

/// 32-bit FNV-1a of `bytes`, as Kubernetes uses for ControllerRevision hashes.
pub fn fnv32(bytes: &[u8]) -> u32 {
    let mut hash = FNV32_OFFSET;
    for byte in bytes {
        hash ^= u32::from(*byte);
        hash = hash.wrapping_mul(FNV32_PRIME);
    }
    hash
}

/// 64-bit FNV-1a of `bytes`.
pub fn fnv64(bytes: &[u8]) -> u64 {
    let mut hasher = Fnv64::new();
    hasher.write(bytes);
    hasher.finish()
}

/// Kubernetes' `rand.SafeEncodeString`: maps each character to an alphabet
/// without vowels or look-alike digits, so generated names spell no words.
/// Revision names are `<set>-<SafeEncodeString(decimal hash)>`.
pub fn safe_encode(text: &str) -> String {
    const ALPHANUMS: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";
    text.bytes().map(|b| ALPHANUMS[usize::from(b) % ALPHANUMS.len()] as char).collect()
}

/// SplitMix64: spreads a 64-bit value over all bits. Used to expand a seed.
pub fn splitmix64(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fnv_matches_published_vectors() {
        assert_eq!(fnv32(b""), 0x811c_9dc5);
        assert_eq!(fnv32(b"a"), 0xe40c_292c);
        assert_eq!(fnv64(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv64(b"a"), 0xaf63_dc4c_8601_ec8c);
    }

    #[test]
    fn fnv_of_pieces_is_fnv_of_the_whole() {
        assert_eq!(fnv64(b"foobar"), 0x8594_4171_f739_67e8);
        let text: Vec<u8> = (0..=255u8).cycle().take(1000).collect();
        let mut want = FNV64_OFFSET;
        for byte in &text {
            want = (want ^ u64::from(*byte)).wrapping_mul(FNV64_PRIME);
        }
        for piece in [1, 3, 7, 8, 9, 16, 17, 999, 1000] {
            let mut hasher = Fnv64::new();
            text.chunks(piece).for_each(|chunk| hasher.write(chunk));
            assert_eq!(hasher.finish(), want, "pieces of {piece}");
        }
    }

    #[test]
    fn safe_encoding_uses_the_kubernetes_alphabet() {
        // '0' is byte 48, 48 % 27 = 21 -> '4'; '9' is 57 % 27 = 3 -> 'f'.
        assert_eq!(safe_encode("09"), "4f");
        assert!(safe_encode("1234567890").chars().all(|c| !"aeiou013".contains(c)));
    }
}
