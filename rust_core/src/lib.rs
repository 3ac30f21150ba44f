//! tokenward core: strict compact-JWS verification and JWT claims
//! validation (see `docs/semantics.md`). Pure Rust; the optional `python`
//! feature adds the thin pyo3 binding in [`py`].
#![forbid(unsafe_code)]
#![cfg_attr(test, allow(clippy::unwrap_used))]

pub mod alg;
pub mod b64;
pub mod claims;
pub mod crypto;
pub mod error;
pub mod json;
pub mod jws;
pub mod keys;
pub mod sign;
pub mod validator;

#[cfg(feature = "python")]
mod py;

pub use alg::{AlgSet, Algorithm};
pub use error::{Error, ErrorKind, Result};
pub use json::Value;
pub use keys::{KeyEntry, KeySet};
pub use sign::SigningKey;
pub use validator::{Validator, ValidatorConfig};
