//! The previous serde_json-based strict parser, kept (tests only) as the
//! reference the hand-written parser in `json/mod.rs` is compared against.

use std::cell::Cell;
use std::collections::HashSet;
use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};

use super::{Value, MAX_DEPTH, MAX_NUMBER_LITERAL};
use crate::error::{malformed, Result};

/// Objects up to this size check duplicates by linear scan.
const LINEAR_DUP_SCAN: usize = 16;

/// Parse one strict JSON document.
pub fn parse(input: &[u8]) -> Result<Value> {
    let mut ctx = Ctx::default();
    if input.len() > MAX_NUMBER_LITERAL || has_minus_zero(input) {
        ctx = scan_numbers(input).ok_or(malformed("JSON number literal too long"))?;
    }
    // from_slice: strings are UTF-8-validated by serde_json, and any other
    // non-ASCII byte is a grammar error, so the whole input must be UTF-8.
    let mut de = serde_json::Deserializer::from_slice(input);
    let value = ValueSeed {
        depth: 0,
        ctx: &ctx,
    }
    .deserialize(&mut de)
    .map_err(|_| malformed("invalid JSON"))?;
    de.end()
        .map_err(|_| malformed("trailing data after JSON"))?;
    Ok(value)
}

/// Cheap (SIMD) test for the byte pair `-0` anywhere; only then is the full
/// scan needed.
fn has_minus_zero(input: &[u8]) -> bool {
    memchr::memchr_iter(b'-', input).any(|i| input.get(i + 1) == Some(&b'0'))
}

/// What the raw-byte pre-scan learned about number literals.
#[derive(Default)]
struct Ctx {
    /// Number literals seen so far by the visitor (document order).
    seen: Cell<usize>,
    /// Ordinals of literals spelled exactly `-0` (an integer: int 0, while
    /// serde_json reports −0.0).
    negative_zero_ints: Vec<usize>,
}

impl Ctx {
    /// Count one literal; true if it was the integer literal `-0`.
    fn next_is_negative_zero_int(&self) -> bool {
        let i = self.seen.get();
        self.seen.set(i + 1);
        self.negative_zero_ints.binary_search(&i).is_ok()
    }
}

/// Scan the number literals outside strings. `None` if one is longer than
/// [`MAX_NUMBER_LITERAL`]. Outside strings a maximal run of number characters
/// that starts with `-` or a digit is exactly one literal in any valid document
/// (the `e` of `true` / `false` starts none); invalid documents fail in the
/// parser anyway.
fn scan_numbers(input: &[u8]) -> Option<Ctx> {
    let mut ctx = Ctx::default();
    let mut in_string = false;
    let mut escaped = false;
    let mut start = 0usize;
    let mut run = 0usize;
    let mut ordinal = 0usize;
    let mut finish = |start: usize, run: usize, ctx: &mut Ctx| {
        if run > 0 {
            if input.get(start..start + run) == Some(b"-0") {
                ctx.negative_zero_ints.push(ordinal);
            }
            ordinal += 1;
        }
    };
    for (i, &b) in input.iter().enumerate() {
        if in_string {
            if escaped {
                escaped = false;
            } else if b == b'\\' {
                escaped = true;
            } else if b == b'"' {
                in_string = false;
            }
            continue;
        }
        match b {
            // A literal starts with '-' or a digit: the 'e' of `true` / `false` is no
            // number (counting it shifted the ordinals: fuzz-found, fixed 2026-12-04).
            b'0'..=b'9' | b'-' | b'+' | b'.' | b'e' | b'E'
                if run > 0 || b == b'-' || b.is_ascii_digit() =>
            {
                if run == 0 {
                    start = i;
                }
                run += 1;
                if run > MAX_NUMBER_LITERAL {
                    return None;
                }
            }
            _ => {
                finish(start, run, &mut ctx);
                run = 0;
                in_string = b == b'"';
            }
        }
    }
    finish(start, run, &mut ctx);
    Some(ctx)
}

struct ValueSeed<'c> {
    depth: usize,
    ctx: &'c Ctx,
}

impl<'de> DeserializeSeed<'de> for ValueSeed<'_> {
    type Value = Value;

    fn deserialize<D: Deserializer<'de>>(
        self,
        deserializer: D,
    ) -> std::result::Result<Value, D::Error> {
        deserializer.deserialize_any(ValueVisitor {
            depth: self.depth,
            ctx: self.ctx,
        })
    }
}

struct ValueVisitor<'c> {
    depth: usize,
    ctx: &'c Ctx,
}

impl ValueVisitor<'_> {
    fn enter<E: de::Error>(&self) -> std::result::Result<usize, E> {
        let depth = self.depth + 1;
        if depth > MAX_DEPTH {
            return Err(E::custom("nesting too deep"));
        }
        Ok(depth)
    }
}

impl<'de> Visitor<'de> for ValueVisitor<'_> {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_unit<E>(self) -> std::result::Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_bool<E>(self, v: bool) -> std::result::Result<Value, E> {
        Ok(Value::Bool(v))
    }

    fn visit_i64<E>(self, v: i64) -> std::result::Result<Value, E> {
        self.ctx.next_is_negative_zero_int();
        Ok(Value::Int(v))
    }

    fn visit_u64<E>(self, v: u64) -> std::result::Result<Value, E> {
        self.ctx.next_is_negative_zero_int();
        Ok(match i64::try_from(v) {
            Ok(i) => Value::Int(i),
            Err(_) => Value::UInt(v),
        })
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> std::result::Result<Value, E> {
        if self.ctx.next_is_negative_zero_int() {
            Ok(Value::Int(0))
        } else if v.is_finite() {
            Ok(Value::Float(v))
        } else {
            Err(E::custom("non-finite number"))
        }
    }

    fn visit_str<E>(self, v: &str) -> std::result::Result<Value, E> {
        Ok(Value::String(v.to_owned()))
    }

    fn visit_string<E>(self, v: String) -> std::result::Result<Value, E> {
        Ok(Value::String(v))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> std::result::Result<Value, A::Error> {
        let depth = self.enter()?;
        let mut items = Vec::with_capacity(4);
        while let Some(item) = seq.next_element_seed(ValueSeed {
            depth,
            ctx: self.ctx,
        })? {
            items.push(item);
        }
        Ok(Value::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> std::result::Result<Value, A::Error> {
        let depth = self.enter()?;
        let mut members: Vec<(String, Value)> = Vec::with_capacity(8);
        let mut seen: Option<HashSet<String>> = None;
        while let Some(key) = map.next_key::<String>()? {
            let duplicate = match &mut seen {
                Some(set) => !set.insert(key.clone()),
                None => {
                    let dup = members.iter().any(|(k, _)| *k == key);
                    if !dup && members.len() >= LINEAR_DUP_SCAN {
                        let mut set: HashSet<String> =
                            members.iter().map(|(k, _)| k.clone()).collect();
                        set.insert(key.clone());
                        seen = Some(set);
                    }
                    dup
                }
            };
            if duplicate {
                return Err(de::Error::custom("duplicate member name"));
            }
            let value = map.next_value_seed(ValueSeed {
                depth,
                ctx: self.ctx,
            })?;
            members.push((key, value));
        }
        Ok(Value::Object(members))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(s: &str) -> Value {
        parse(s.as_bytes()).unwrap()
    }

    fn bad(s: &str) {
        assert!(parse(s.as_bytes()).is_err(), "accepted {s:?}");
    }

    #[test]
    fn grammar() {
        assert_eq!(ok(" {} "), Value::Object(vec![]));
        assert_eq!(
            ok("\r\n{\"a\" :\t[1, true, null]}"),
            Value::Object(vec![(
                "a".into(),
                Value::Array(vec![Value::Int(1), Value::Bool(true), Value::Null])
            )])
        );
        for s in [
            "",
            "{",
            "{}x",
            "{,}",
            "[1,]",
            "{\"a\":1,}",
            "NaN",
            "Infinity",
            "-Infinity",
            "/*c*/{}",
            "{'a':1}",
            "01",
            "1.",
            ".5",
            "+1",
            "\u{feff}{}",
            "\"\u{1}\"",
            "{\"a\"}",
        ] {
            bad(s);
        }
        assert!(parse(b"\"\xff\"").is_err());
    }

    #[test]
    fn duplicates_after_unescaping() {
        bad(r#"{"alg":"HS256","alg":"HS512"}"#);
        bad(r#"{"alg":"HS256","\u0061lg":"none"}"#);
        assert!(parse(br#"{"a":{"a":1},"b":{"a":2}}"#).is_ok());
        // many members: hash-set path
        let mut s = String::from("{");
        for i in 0..100 {
            s.push_str(&format!("\"k{i}\":{i},"));
        }
        s.push_str("\"k99\":0}");
        bad(&s);
        let ok_doc = s.replace("\"k99\":0}", "\"k100\":0}");
        assert!(parse(ok_doc.as_bytes()).is_ok());
    }

    #[test]
    fn depth() {
        let at = |n: usize| format!("{}{}", "[".repeat(n), "]".repeat(n));
        assert!(parse(at(32).as_bytes()).is_ok());
        assert!(parse(at(33).as_bytes()).is_err());
        let obj = |n: usize| format!("{}1{}", "{\"a\":".repeat(n), "}".repeat(n));
        assert!(parse(obj(32).as_bytes()).is_ok());
        assert!(parse(obj(33).as_bytes()).is_err());
    }

    #[test]
    fn surrogates() {
        bad(r#""\ud800""#);
        bad(r#""\udc00""#);
        bad(r#""\ud800x""#);
        assert_eq!(ok(r#""\ud83d\ude00""#), Value::String("😀".into()));
    }

    #[test]
    fn numbers() {
        assert_eq!(ok("-9223372036854775808"), Value::Int(i64::MIN));
        assert_eq!(ok("9223372036854775807"), Value::Int(i64::MAX));
        assert_eq!(ok("18446744073709551615"), Value::UInt(u64::MAX));
        assert_eq!(
            ok("18446744073709551616"),
            Value::Float(18446744073709551616.0)
        );
        assert_eq!(
            ok("-9223372036854775809"),
            Value::Float(-9223372036854775808.0)
        );
        assert_eq!(ok("-0"), Value::Int(0));
        assert_eq!(
            ok("[-0,-0.0,\"-0\",-0e1,-0]"),
            Value::Array(vec![
                Value::Int(0),
                Value::Float(-0.0),
                Value::String("-0".into()),
                Value::Float(-0.0),
                Value::Int(0)
            ])
        );
        assert!(matches!(ok("-0.0"), Value::Float(f) if f == 0.0 && f.is_sign_negative()));
        assert_eq!(ok("1.0"), Value::Float(1.0));
        assert_eq!(ok("1e2"), Value::Float(100.0));
        assert_eq!(ok("1E-400"), Value::Float(0.0));
        assert_eq!(ok("0.1"), Value::Float(0.1));
        assert_eq!(
            ok("2.2250738585072011e-308"),
            Value::Float(2.225_073_858_507_201e-308)
        );
        bad("1e400");
        bad("1e99999999999999999999");
        assert_eq!(ok("0e99999999999999999999"), Value::Float(0.0));
        assert_eq!(ok("1e-99999999999999999999"), Value::Float(0.0));
        assert_eq!(
            ok("123456789012345678901234567890"),
            Value::Float(1.2345678901234568e29)
        );
        bad("-1e400");
        bad(&"9".repeat(400));
        let long_ok = format!("0.{}1", "0".repeat(4297));
        assert_eq!(long_ok.len(), 4300);
        assert!(parse(long_ok.as_bytes()).is_ok());
        let long_bad = format!("0.{}1", "0".repeat(4298));
        bad(&long_bad);
        // long digit runs inside strings are fine
        let s = format!("\"{}\"", "1".repeat(5000));
        assert!(parse(s.as_bytes()).is_ok());
        let s = format!("[\"\\\"{}\"]", "1".repeat(5000));
        assert!(parse(s.as_bytes()).is_ok());
    }
}
