//! The `tokenward._core` extension module: a thin layer over the core.

mod convert;
mod errors;

use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use pyo3::prelude::*;
use pyo3::types::{PyBool, PyBytes, PyList};

use crate::error::{invalid_config, Error, ErrorKind};
use crate::validator::{self, ValidatorConfig};
use crate::{jws, keys, sign};

use convert::{object_to_dict, token_bytes};
use errors::to_py_err;

fn now_or(now: Option<f64>) -> f64 {
    now.unwrap_or_else(|| {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0.0, |d| d.as_secs_f64())
    })
}

/// A set of trusted verification keys.
#[pyclass(name = "KeySet", module = "tokenward._core", frozen)]
pub struct PyKeySet {
    inner: Arc<keys::KeySet>,
}

#[pymethods]
impl PyKeySet {
    /// Parse `{"keys": [...]}` JSON bytes.
    #[staticmethod]
    #[pyo3(signature = (data, allow_mixed = false))]
    fn from_jwks_json(py: Python<'_>, data: &[u8], allow_mixed: bool) -> PyResult<PyKeySet> {
        keys::KeySet::from_jwks_json(data, allow_mixed)
            .map(|ks| PyKeySet {
                inner: Arc::new(ks),
            })
            .map_err(|e| to_py_err(py, &e))
    }

    fn kids(&self) -> Vec<Option<String>> {
        self.inner
            .kids()
            .into_iter()
            .map(|k| k.map(str::to_owned))
            .collect()
    }

    fn algs(&self) -> Vec<&'static str> {
        self.inner.algs().into_iter().map(|a| a.name()).collect()
    }

    fn __len__(&self) -> usize {
        self.inner.len()
    }

    fn __repr__(&self) -> String {
        format!("<tokenward._core.KeySet with {} keys>", self.inner.len())
    }
}

/// A configured token validator.
#[pyclass(name = "Validator", module = "tokenward._core", frozen)]
pub struct PyValidator {
    inner: validator::Validator,
}

fn config_err(py: Python<'_>, message: &'static str) -> PyErr {
    to_py_err(py, &invalid_config(message))
}

#[pymethods]
impl PyValidator {
    #[new]
    #[pyo3(signature = (keys, algorithms, issuers, audiences, leeway, required, typ, max_token_bytes))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        py: Python<'_>,
        keys: &Bound<'_, PyKeySet>,
        algorithms: Vec<String>,
        issuers: Option<Vec<String>>,
        audiences: Option<Vec<String>>,
        leeway: &Bound<'_, PyAny>,
        required: Vec<String>,
        typ: Option<String>,
        max_token_bytes: i64,
    ) -> PyResult<PyValidator> {
        if leeway.is_instance_of::<PyBool>() {
            return Err(config_err(py, "leeway must be a number, not bool"));
        }
        let leeway: f64 = leeway
            .extract()
            .map_err(|_| config_err(py, "leeway must be a finite number in 0..=300"))?;
        let max_token_bytes = usize::try_from(max_token_bytes)
            .map_err(|_| config_err(py, "max_token_bytes must be in 64..=1048576"))?;
        let config = ValidatorConfig {
            algorithms,
            issuers,
            audiences,
            leeway,
            required,
            typ,
            max_token_bytes,
        };
        validator::Validator::new(Arc::clone(&keys.get().inner), config)
            .map(|inner| PyValidator { inner })
            .map_err(|e| to_py_err(py, &e))
    }

    /// Validate one token; returns the claims dict or raises an InvalidTokenError.
    #[pyo3(signature = (token, scopes = None, now = None))]
    fn validate<'py>(
        &self,
        py: Python<'py>,
        token: &Bound<'py, PyAny>,
        scopes: Option<Vec<String>>,
        now: Option<f64>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let bytes =
            token_bytes(token, self.inner.max_token_bytes()).map_err(|e| to_py_err(py, &e))?;
        let scopes = scopes.unwrap_or_default();
        let now = now_or(now);
        let result = if self.inner.only_hmac() {
            self.inner.validate(bytes, &scopes, now)
        } else {
            py.detach(|| self.inner.validate(bytes, &scopes, now))
        };
        match result {
            Ok(claims) => Ok(object_to_dict(py, claims.object())?.into_any()),
            Err(e) => Err(to_py_err(py, &e)),
        }
    }

    /// Validate many tokens without the GIL; one dict or error instance per input.
    #[pyo3(signature = (tokens, scopes = None, now = None, threads = None))]
    fn validate_many<'py>(
        &self,
        py: Python<'py>,
        tokens: &Bound<'py, PyAny>,
        scopes: Option<Vec<String>>,
        now: Option<f64>,
        threads: Option<i64>,
    ) -> PyResult<Bound<'py, PyList>> {
        let threads = validator::check_threads(threads).map_err(|e| to_py_err(py, &e))?;
        let objects: Vec<Bound<'py, PyAny>> = tokens.try_iter()?.collect::<PyResult<_>>()?;
        let max = self.inner.max_token_bytes();
        let inputs: Vec<Result<&[u8], Error>> =
            objects.iter().map(|o| token_bytes(o, max)).collect();
        let scopes = scopes.unwrap_or_default();
        let now = now_or(now);
        let results = py.detach(|| self.inner.validate_many(&inputs, &scopes, now, threads));
        let out = PyList::empty(py);
        for r in &results {
            match r {
                Ok(claims) => out.append(object_to_dict(py, claims.object())?)?,
                Err(e) => out.append(errors::instance(py, e)?)?,
            }
        }
        Ok(out)
    }

    fn __repr__(&self) -> String {
        "<tokenward._core.Validator>".to_owned()
    }
}

/// Verify a compact JWS (semantics §3) and return the payload bytes.
#[pyfunction]
#[pyo3(signature = (token, keys, algorithms, max_token_bytes = 8192))]
fn verify_jws<'py>(
    py: Python<'py>,
    token: &Bound<'py, PyAny>,
    keys: &Bound<'py, PyKeySet>,
    algorithms: Vec<String>,
    max_token_bytes: i64,
) -> PyResult<Bound<'py, PyBytes>> {
    let algs = validator::parse_algorithms(&algorithms).map_err(|e| to_py_err(py, &e))?;
    let max = usize::try_from(max_token_bytes)
        .map_err(|_| config_err(py, "max_token_bytes must be in 64..=1048576"))
        .and_then(|m| validator::check_max_token_bytes(m).map_err(|e| to_py_err(py, &e)))?;
    let bytes = token_bytes(token, max).map_err(|e| to_py_err(py, &e))?;
    let keyset = &keys.get().inner;
    let result = if algs.only_hmac() {
        jws::verify_payload(bytes, keyset, algs, max)
    } else {
        py.detach(|| jws::verify_payload(bytes, keyset, algs, max))
    };
    match result {
        Ok(payload) => Ok(PyBytes::new(py, &payload)),
        Err(e) => Err(to_py_err(py, &e)),
    }
}

/// Raw primitive check: key selection as §3.8, then the crypto only.
#[pyfunction]
#[pyo3(signature = (keys, kid, alg, message, signature))]
fn verify_signature(
    py: Python<'_>,
    keys: &Bound<'_, PyKeySet>,
    kid: Option<&str>,
    alg: &str,
    message: &[u8],
    signature: &[u8],
) -> PyResult<()> {
    let keyset = &keys.get().inner;
    let result = if alg.starts_with("HS") {
        jws::verify_signature(keyset, kid, alg, message, signature)
    } else {
        py.detach(|| jws::verify_signature(keyset, kid, alg, message, signature))
    };
    result.map_err(|e| to_py_err(py, &e))
}

/// A private signing key (PKCS#8 DER, or the raw secret for HS*).
#[pyclass(name = "SigningKey", module = "tokenward._core", frozen)]
pub struct PySigningKey {
    inner: sign::SigningKey,
}

#[pymethods]
impl PySigningKey {
    #[new]
    fn new(py: Python<'_>, alg: &str, key: &[u8]) -> PyResult<PySigningKey> {
        sign::SigningKey::new(alg, key)
            .map(|inner| PySigningKey { inner })
            .map_err(|e| to_py_err(py, &e))
    }

    #[getter]
    fn alg(&self) -> &'static str {
        self.inner.alg().name()
    }

    fn sign<'py>(&self, py: Python<'py>, message: &[u8]) -> PyResult<Bound<'py, PyBytes>> {
        let sig = if self.inner.alg().name().starts_with("HS") {
            self.inner.sign(message)
        } else {
            py.detach(|| self.inner.sign(message))
        };
        sig.map(|s| PyBytes::new(py, &s))
            .map_err(|e| to_py_err(py, &e))
    }

    fn __repr__(&self) -> String {
        format!("<tokenward._core.SigningKey {}>", self.inner.alg().name())
    }
}

#[pymodule]
fn _core(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let codes: Vec<&'static str> = ErrorKind::ALL.iter().map(|k| k.code()).collect();
    m.add("ERROR_CODES", codes)?;
    m.add_class::<PyKeySet>()?;
    m.add_class::<PyValidator>()?;
    m.add_class::<PySigningKey>()?;
    m.add_function(wrap_pyfunction!(verify_jws, m)?)?;
    m.add_function(wrap_pyfunction!(verify_signature, m)?)?;
    Ok(())
}
