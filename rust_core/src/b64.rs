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

/// Decode into a fresh vector; `None` on any non-canonical input.
pub fn decode(input: &[u8]) -> Option<Vec<u8>> {
    decoded_len(input.len())?;
    STRICT.decode(input).ok()
}

/// Decode into `out` (which must be at least `decoded_len` long); returns the
/// filled prefix. `None` on any non-canonical input or a short buffer.
#[inline]
pub fn decode_into<'a>(input: &[u8], out: &'a mut [u8]) -> Option<&'a [u8]> {
    let n = decoded_len(input.len())?;
    if out.len() < n {
        return None;
    }
    let written = STRICT.decode_slice_unchecked(input, out).ok()?;
    out.get(..written)
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

    #[test]
    fn alphabet() {
        assert!(is_alphabet(b"Az09-_"));
        assert!(!is_alphabet(b"a b"));
        assert!(!is_alphabet(b"a="));
        assert!(!is_alphabet("é".as_bytes()));
    }
}
