//! Strict canonical unpadded base64url (RFC 7515 §2, RFC 4648 §5).

use base64::alphabet;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use base64::Engine;

/// Unpadded, canonical: padding refused, non-zero unused trailing bits refused.
pub const STRICT: GeneralPurpose = GeneralPurpose::new(
    &alphabet::URL_SAFE,
    GeneralPurposeConfig::new()
        .with_encode_padding(false)
        .with_decode_padding_mode(DecodePaddingMode::RequireNone)
        .with_decode_allow_trailing_bits(false),
);

/// True when every byte is in `A-Z a-z 0-9 - _`.
#[inline]
pub fn is_alphabet(s: &[u8]) -> bool {
    s.iter()
        .all(|&b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// Exact decoded length of a canonical unpadded string, `None` if `len % 4 == 1`.
#[inline]
pub fn decoded_len(len: usize) -> Option<usize> {
    match len % 4 {
        1 => None,
        r => Some(len / 4 * 3 + r.saturating_sub(1)),
    }
}

/// Sextet value of each base64url character; 0xFF for anything else.
const DECODE: [u8; 256] = {
    let mut t = [0xFFu8; 256];
    let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut i = 0;
    while i < 64 {
        t[alphabet[i] as usize] = i as u8;
        i += 1;
    }
    t
};

#[inline(always)]
fn sextet(b: u8) -> u32 {
    u32::from(DECODE[usize::from(b)])
}

/// Bit 31: not in the alphabet (its low 24 bits are zero).
const INVALID: u32 = 1 << 31;

/// `DECODE` pre-shifted into position `k` of a 4-character group.
const fn shifted(k: u32) -> [u32; 256] {
    let mut t = [INVALID; 256];
    let mut i = 0;
    while i < 256 {
        if DECODE[i] != 0xFF {
            t[i] = (DECODE[i] as u32) << (18 - 6 * k);
        }
        i += 1;
    }
    t
}

const GROUP: [[u32; 256]; 4] = [shifted(0), shifted(1), shifted(2), shifted(3)];

/// Decode into a fresh vector; `None` on any non-canonical input.
pub fn decode(input: &[u8]) -> Option<Vec<u8>> {
    let n = decoded_len(input.len())?;
    let mut out = vec![0u8; n];
    decode_into(input, &mut out)?;
    Some(out)
}

/// Decode into `out` (which must be at least `decoded_len` long); returns the
/// filled prefix. `None` on any non-canonical input or a short buffer:
/// a byte outside the alphabet (including `=`), a length ≡ 1 (mod 4), or
/// non-zero unused bits in the last character.
#[inline]
pub fn decode_into<'a>(input: &[u8], out: &'a mut [u8]) -> Option<&'a [u8]> {
    let n = decoded_len(input.len())?;
    let out = out.get_mut(..n)?;
    // Invalid characters map to 0xFF: OR-ing every sextet keeps bit 7 set.
    let mut bad = 0u32;
    let mut src = input.chunks_exact(4);
    let mut dst = out.chunks_exact_mut(3);
    for (s, d) in (&mut src).zip(&mut dst) {
        if let ([a, b, c, e], [x, y, z]) = (s, d) {
            let [g0, g1, g2, g3] = &GROUP;
            let v = g0[usize::from(*a)]
                | g1[usize::from(*b)]
                | g2[usize::from(*c)]
                | g3[usize::from(*e)];
            bad |= v >> 24;
            *x = (v >> 16) as u8;
            *y = (v >> 8) as u8;
            *z = v as u8;
        }
    }
    match (src.remainder(), dst.into_remainder()) {
        ([], []) => {}
        ([a, b], [x]) => {
            let (a, b) = (sextet(*a), sextet(*b));
            bad |= a | b;
            if b & 0x0F != 0 {
                return None;
            }
            *x = ((a << 2) | (b >> 4)) as u8;
        }
        ([a, b, c], [x, y]) => {
            let (a, b, c) = (sextet(*a), sextet(*b), sextet(*c));
            bad |= a | b | c;
            if c & 0x03 != 0 {
                return None;
            }
            let v = (a << 10) | (b << 4) | (c >> 2);
            *x = (v >> 8) as u8;
            *y = v as u8;
        }
        _ => return None,
    }
    if bad & 0x80 != 0 {
        return None;
    }
    Some(out)
}

pub fn encode(data: &[u8]) -> String {
    STRICT.encode(data)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_only() {
        assert_eq!(decode(b"").as_deref(), Some(&b""[..]));
        assert_eq!(decode(b"e30").as_deref(), Some(&b"{}"[..]));
        assert!(decode(b"e30=").is_none());
        assert!(decode(b"e31").is_none()); // unused bits set
        assert!(decode(b"A").is_none());
        assert!(decode(b"AAAAA").is_none());
        assert!(decode(b"a+b/").is_none());
        // BR-20: the three siblings of the canonical signature
        let good = b"CUR7dTRVDfvcPJVuQkvKXSNgviuym4azfOfKrl4dmFY";
        assert!(decode(good).is_some());
        for last in [b'Z', b'a', b'b'] {
            let mut v = good.to_vec();
            *v.last_mut().unwrap() = last;
            assert!(decode(&v).is_none());
        }
    }

    #[test]
    fn decode_into_matches() {
        let mut buf = [0u8; 16];
        assert_eq!(decode_into(b"AQID", &mut buf), Some(&[1u8, 2, 3][..]));
        assert_eq!(decode_into(b"AQI", &mut buf), Some(&[1u8, 2][..]));
        assert!(decode_into(b"AQJ", &mut buf).is_none());
        let mut small = [0u8; 1];
        assert!(decode_into(b"AQID", &mut small).is_none());
        assert_eq!(decoded_len(0), Some(0));
        assert_eq!(decoded_len(2), Some(1));
        assert_eq!(decoded_len(3), Some(2));
        assert_eq!(decoded_len(4), Some(3));
    }

    #[test]
    fn decode_into_exact_buffers_never_panic() {
        // Every length, exact-size output: agrees with the allocating decoder.
        let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        let mut seed = 0x9e37_79b9_7f4a_7c15u64;
        for len in 0..700 {
            for _ in 0..4 {
                let input: Vec<u8> = (0..len)
                    .map(|_| {
                        seed ^= seed << 13;
                        seed ^= seed >> 7;
                        seed ^= seed << 17;
                        alphabet[(seed % 64) as usize]
                    })
                    .collect();
                let expected = decode(&input);
                let got = decoded_len(len).and_then(|n| {
                    let mut out = vec![0u8; n];
                    decode_into(&input, &mut out).map(<[u8]>::to_vec)
                });
                assert_eq!(got, expected, "len {len}");
            }
        }
    }

    /// The hand-written decoder agrees with the base64 crate's strict engine
    /// on random strings over the alphabet plus `=`, `+`, `/`, space and
    /// non-ASCII bytes.
    #[test]
    fn agrees_with_base64_crate() {
        let chars =
            b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_=+/ \xff\x00.";
        let mut seed = 0x1234_5678_9abc_def1u64;
        let mut next = || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        for len in 0..80 {
            for round in 0..300 {
                let input: Vec<u8> = (0..len)
                    .map(|_| {
                        // mostly valid characters, sometimes anything
                        let pool = if round % 3 == 0 { chars.len() } else { 64 };
                        chars[(next() % pool as u64) as usize]
                    })
                    .collect();
                let reference = STRICT.decode(&input).ok();
                assert_eq!(decode(&input), reference, "{input:?}");
            }
        }
    }

    #[test]
    fn alphabet() {
        assert!(is_alphabet(b"Az09-_"));
        assert!(!is_alphabet(b"a b"));
        assert!(!is_alphabet(b"a="));
        assert!(!is_alphabet("é".as_bytes()));
    }
}
