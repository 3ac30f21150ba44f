//! Core-only timings (no Python): median µs per `Validator::validate` and per
//! token of `validate_many` for HS256, RS256 and ES256 tokens.
//!
//! Run: `cargo run --release --example bench_validate`
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::Instant;

fn median(mut f: impl FnMut() -> f64) -> f64 {
    let rounds = if std::env::var_os("BENCH_LONG").is_some() {
        2001
    } else {
        11
    };
    let mut v: Vec<f64> = (0..rounds).map(|_| f()).collect();
    v.sort_by(f64::total_cmp);
    v[rounds / 2]
}

fn main() {
    let (v, keys) = common::setup();
    let now = common::NOW;
    let only = std::env::args().nth(1);
    for (alg, kid, key) in &keys {
        if only.as_deref().is_some_and(|o| o != *alg) {
            continue;
        }
        let toks = common::tokens(alg, kid, key);
        let single = median(|| {
            let start = Instant::now();
            for t in &toks {
                v.validate(t.as_bytes(), &[], now).unwrap();
            }
            start.elapsed().as_secs_f64() * 1e6 / common::POOL as f64
        });
        let batch: Vec<tokenward_core::Result<&[u8]>> =
            toks.iter().map(|t| Ok(t.as_bytes())).collect();
        let many = |threads: Option<usize>| {
            median(|| {
                let start = Instant::now();
                let out = v.validate_many(&batch, &[], now, threads);
                assert!(out.iter().all(Result::is_ok));
                start.elapsed().as_secs_f64() * 1e6 / common::POOL as f64
            })
        };
        println!(
            "core {alg} validate {single:.3} us; validate_many/token 1 thread {:.3} us, 2 threads {:.3} us",
            many(Some(1)),
            many(Some(2))
        );
    }
}
