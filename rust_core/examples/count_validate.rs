//! Instruction counting under callgrind: validate N tokens (mode `validate`)
//! or one `validate_many(threads=1)` batch of N (mode `many`). Only `run` is
//! counted; divide by N for instructions per token.
//!
//! Run: `valgrind --tool=callgrind --toggle-collect='*count_validate::run*'
//!   target/release/examples/count_validate HS256 validate 2000`
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use tokenward_core::Validator;

fn main() {
    let (v, keys) = common::setup();
    let alg = std::env::args().nth(1).unwrap_or_else(|| "HS256".into());
    let mode = std::env::args().nth(2).unwrap_or_else(|| "validate".into());
    let n: usize = std::env::args().nth(3).map_or(1000, |s| s.parse().unwrap());
    let (_, kid, key) = keys.iter().find(|(a, _, _)| *a == alg).unwrap_or(&keys[2]);
    let toks = common::tokens(&alg, kid, key);
    let batch: Vec<tokenward_core::Result<&[u8]>> = (0..n)
        .map(|i| Ok(toks[i % common::POOL].as_bytes()))
        .collect();
    let ok = run(&v, &batch, mode == "many", common::NOW);
    assert_eq!(ok, n);
    println!("{alg} {mode} {n} ok");
}

/// The measured part (`--toggle-collect='*count_validate::run*'`).
#[inline(never)]
fn run(v: &Validator, batch: &[tokenward_core::Result<&[u8]>], many: bool, now: f64) -> usize {
    if many {
        v.validate_many(batch, &[], now, Some(1))
            .iter()
            .filter(|r| r.is_ok())
            .count()
    } else {
        batch
            .iter()
            .filter(|t| v.validate(t.as_ref().unwrap(), &[], now).is_ok())
            .count()
    }
}
