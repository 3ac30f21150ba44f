//! A configured validator: framing + signature (§3) then claims (§4), and
//! batches over rayon (§5).

use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use rayon::prelude::*;

use crate::alg::AlgSet;
use crate::claims::{self, ClaimsConfig};
use crate::error::{invalid_config, Error, Result};
use crate::json::OwnedDoc;
use crate::jws::{self, Scratch, MAX_TOKEN_BYTES, MIN_TOKEN_BYTES};
use crate::keys::KeySet;

/// Batches smaller than this run on the calling thread.
pub const PARALLEL_THRESHOLD: usize = 16;
/// Largest accepted leeway in seconds.
pub const MAX_LEEWAY: f64 = 300.0;

/// Validated claims: the payload object (members in token order), parsed
/// once; read it through [`OwnedDoc::object`].
pub type Claims = OwnedDoc;

/// Segments larger than this do not keep their heap buffer in a cached scratch.
const KEEP_SCRATCH_HEAP: usize = 64 * 1024;

thread_local! {
    static SCRATCH: RefCell<Scratch> = RefCell::new(Scratch::default());
}

/// Validator settings as given by the caller (checked by [`Validator::new`]).
#[derive(Clone, Debug)]
pub struct ValidatorConfig {
    pub algorithms: Vec<String>,
    pub issuers: Option<Vec<String>>,
    pub audiences: Option<Vec<String>>,
    pub leeway: f64,
    pub required: Vec<String>,
    pub typ: Option<String>,
    pub max_token_bytes: usize,
}

/// A ready validator; cheap to share between threads.
#[derive(Debug)]
pub struct Validator {
    keys: Arc<KeySet>,
    algorithms: AlgSet,
    claims: ClaimsConfig,
    max_token_bytes: usize,
}

/// `algorithms` non-empty and all known → the allow-list.
pub fn parse_algorithms<S: AsRef<str>>(names: &[S]) -> Result<AlgSet> {
    if names.is_empty() {
        return Err(invalid_config("algorithms must not be empty"));
    }
    AlgSet::from_names(names).ok_or(invalid_config("unknown algorithm in algorithms"))
}

/// `max_token_bytes` within 64..=1 MiB.
pub fn check_max_token_bytes(max: usize) -> Result<usize> {
    if (MIN_TOKEN_BYTES..=MAX_TOKEN_BYTES).contains(&max) {
        Ok(max)
    } else {
        Err(invalid_config("max_token_bytes must be in 64..=1048576"))
    }
}

impl Validator {
    pub fn new(keys: Arc<KeySet>, config: ValidatorConfig) -> Result<Validator> {
        let algorithms = parse_algorithms(&config.algorithms)?;
        if !(config.leeway.is_finite() && (0.0..=MAX_LEEWAY).contains(&config.leeway)) {
            return Err(invalid_config("leeway must be a finite number in 0..=300"));
        }
        if config.issuers.as_ref().is_some_and(Vec::is_empty) {
            return Err(invalid_config("issuer list must not be empty"));
        }
        if config.audiences.as_ref().is_some_and(Vec::is_empty) {
            return Err(invalid_config("audience list must not be empty"));
        }
        let max_token_bytes = check_max_token_bytes(config.max_token_bytes)?;
        Ok(Validator {
            keys,
            algorithms,
            claims: ClaimsConfig {
                issuers: config.issuers,
                audiences: config.audiences,
                leeway: config.leeway,
                required: config.required,
                typ: config.typ.as_deref().map(claims::normalize_typ),
            },
            max_token_bytes,
        })
    }

    pub fn keys(&self) -> &Arc<KeySet> {
        &self.keys
    }

    /// True when only HMAC algorithms are allowed (no point releasing the GIL).
    pub fn only_hmac(&self) -> bool {
        self.algorithms.only_hmac()
    }

    pub fn max_token_bytes(&self) -> usize {
        self.max_token_bytes
    }

    /// Validate one token; `now` in seconds since the epoch.
    pub fn validate(&self, token: &[u8], scopes: &[String], now: f64) -> Result<Claims> {
        SCRATCH.with(|cell| match cell.try_borrow_mut() {
            Ok(mut scratch) => {
                let r = self.validate_in(token, scopes, now, &mut scratch);
                scratch.trim(KEEP_SCRATCH_HEAP);
                r
            }
            Err(_) => self.validate_in(token, scopes, now, &mut Scratch::default()),
        })
    }

    /// [`Validator::validate`] with caller-provided buffers.
    pub fn validate_in(
        &self,
        token: &[u8],
        scopes: &[String],
        now: f64,
        scratch: &mut Scratch,
    ) -> Result<Claims> {
        let verified = jws::verify_in(
            token,
            &self.keys,
            self.algorithms,
            self.max_token_bytes,
            scratch,
        )?;
        let claims = claims::parse_payload(verified.payload)?;
        claims::check(&self.claims, verified.header, claims.object(), scopes, now)?;
        Ok(claims)
    }

    /// Validate a batch. An `Err` input (e.g. not str/bytes) is passed
    /// through as that token's result.
    /// `threads`: `None` = the global pool (all cores); `Some(n)` = a cached pool of n.
    pub fn validate_many(
        &self,
        tokens: &[Result<&[u8]>],
        scopes: &[String],
        now: f64,
        threads: Option<usize>,
    ) -> Vec<Result<Claims>> {
        let one = |scratch: &mut Scratch, t: &Result<&[u8]>| {
            let r = match t {
                Ok(t) => self.validate_in(t, scopes, now, scratch),
                Err(e) => Err(e.clone()),
            };
            scratch.trim(KEEP_SCRATCH_HEAP);
            r
        };
        if tokens.len() < PARALLEL_THRESHOLD || threads == Some(1) {
            let mut scratch = Scratch::default();
            return tokens.iter().map(|t| one(&mut scratch, t)).collect();
        }
        let run = || {
            tokens
                .par_iter()
                .with_min_len(PARALLEL_THRESHOLD / 2)
                .map_init(Scratch::default, one)
                .collect()
        };
        match threads.and_then(pool) {
            Some(pool) => pool.install(run),
            None => run(),
        }
    }
}

/// One cached pool per explicit thread count.
fn pool(threads: usize) -> Option<Arc<rayon::ThreadPool>> {
    static POOLS: OnceLock<Mutex<HashMap<usize, Arc<rayon::ThreadPool>>>> = OnceLock::new();
    let pools = POOLS.get_or_init(|| Mutex::new(HashMap::new()));
    let mut map = pools.lock().ok()?;
    if let Some(p) = map.get(&threads) {
        return Some(Arc::clone(p));
    }
    let p = Arc::new(
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .ok()?,
    );
    map.insert(threads, Arc::clone(&p));
    Some(p)
}

/// Validate `threads` as given by a caller.
pub fn check_threads(threads: Option<i64>) -> Result<Option<usize>> {
    match threads {
        None => Ok(None),
        Some(n) if (1..=1024).contains(&n) => Ok(usize::try_from(n).ok()),
        Some(_) => Err(Error::new(
            crate::error::ErrorKind::InvalidConfig,
            "threads must be in 1..=1024",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::alg::Algorithm;
    use crate::b64;
    use crate::error::malformed;
    use crate::keys::{hmac_verifier, KeyEntry};
    use aws_lc_rs::hmac;

    const SECRET: [u8; 32] = [7u8; 32];

    fn validator() -> Validator {
        let entry = KeyEntry {
            kid: Some("hs-1".into()),
            alg: Algorithm::HS256,
            verifier: hmac_verifier(Algorithm::HS256, &SECRET).unwrap(),
        };
        let keys = Arc::new(KeySet::new(vec![entry], false).unwrap());
        Validator::new(keys, config()).unwrap()
    }

    fn config() -> ValidatorConfig {
        ValidatorConfig {
            algorithms: vec!["HS256".into()],
            issuers: Some(vec!["iss".into()]),
            audiences: Some(vec!["aud".into()]),
            leeway: 0.0,
            required: vec!["exp".into()],
            typ: None,
            max_token_bytes: 8192,
        }
    }

    fn sign(payload: &str) -> String {
        let input = format!(
            "{}.{}",
            b64::encode(br#"{"alg":"HS256","kid":"hs-1"}"#),
            b64::encode(payload.as_bytes())
        );
        let tag = hmac::sign(
            &hmac::Key::new(hmac::HMAC_SHA256, &SECRET),
            input.as_bytes(),
        );
        format!("{input}.{}", b64::encode(tag.as_ref()))
    }

    #[test]
    fn config_checks() {
        let keys = Arc::clone(validator().keys());
        let bad = |f: &dyn Fn(&mut ValidatorConfig)| {
            let mut c = config();
            f(&mut c);
            Validator::new(Arc::clone(&keys), c).unwrap_err().code()
        };
        assert_eq!(bad(&|c| c.algorithms.clear()), "invalid_config");
        assert_eq!(
            bad(&|c| c.algorithms = vec!["none".into()]),
            "invalid_config"
        );
        assert_eq!(bad(&|c| c.leeway = f64::NAN), "invalid_config");
        assert_eq!(bad(&|c| c.leeway = -5.0), "invalid_config");
        assert_eq!(bad(&|c| c.leeway = 60000.0), "invalid_config");
        assert_eq!(bad(&|c| c.leeway = 9007199254740991.0), "invalid_config");
        assert_eq!(bad(&|c| c.max_token_bytes = 63), "invalid_config");
        assert_eq!(
            bad(&|c| c.max_token_bytes = (1 << 20) + 1),
            "invalid_config"
        );
        assert_eq!(bad(&|c| c.audiences = Some(vec![])), "invalid_config");
        assert_eq!(bad(&|c| c.issuers = Some(vec![])), "invalid_config");
    }

    #[test]
    fn validate_and_batch() {
        let v = validator();
        let good = sign(r#"{"iss":"iss","aud":"aud","exp":100,"x":[1,2]}"#);
        let expired = sign(r#"{"iss":"iss","aud":"aud","exp":10}"#);
        let claims = v.validate(good.as_bytes(), &[], 50.0).unwrap();
        assert_eq!(claims.object().iter().next().map(|(k, _)| k), Some("iss"));
        assert_eq!(
            v.validate(expired.as_bytes(), &[], 50.0)
                .unwrap_err()
                .code(),
            "expired"
        );
        // claims only after signature (BR-31)
        let mut forged = expired.clone();
        forged.pop();
        forged.push(if expired.ends_with('A') { 'Q' } else { 'A' });
        let forged_code = v.validate(forged.as_bytes(), &[], 50.0).unwrap_err().code();
        assert!(forged_code == "bad_signature" || forged_code == "malformed");
        for threads in [None, Some(1), Some(2)] {
            let mut batch: Vec<Result<&[u8]>> = Vec::new();
            for i in 0..40 {
                batch.push(match i % 3 {
                    0 => Ok(good.as_bytes()),
                    1 => Ok(expired.as_bytes()),
                    _ => Err(malformed("not a token")),
                });
            }
            let out = v.validate_many(&batch, &[], 50.0, threads);
            assert_eq!(out.len(), 40);
            for (i, r) in out.iter().enumerate() {
                match i % 3 {
                    0 => assert!(r.is_ok()),
                    1 => assert_eq!(r.as_ref().unwrap_err().code(), "expired"),
                    _ => assert_eq!(r.as_ref().unwrap_err().code(), "malformed"),
                }
            }
        }
    }
}
