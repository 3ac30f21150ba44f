//! Conversions between Python objects and core types.

use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyBool, PyBytes, PyDict, PyFloat, PyList, PyString};

use crate::error::{malformed, Error, ErrorKind, Result};
use crate::json::{ObjectRef, ValueRef};

/// A JSON value as the natural Python object (ints stay ints).
pub fn value_to_py<'py>(py: Python<'py>, value: ValueRef<'_>) -> PyResult<Bound<'py, PyAny>> {
    Ok(match value {
        ValueRef::Null => py.None().into_bound(py),
        ValueRef::Bool(b) => PyBool::new(py, b).to_owned().into_any(),
        ValueRef::Int(i) => i.into_pyobject(py)?.into_any(),
        ValueRef::UInt(u) => u.into_pyobject(py)?.into_any(),
        ValueRef::Float(f) => PyFloat::new(py, f).into_any(),
        ValueRef::String(s) => PyString::new(py, s).into_any(),
        ValueRef::Array(items) => {
            let list = PyList::empty(py);
            for item in items.iter() {
                list.append(value_to_py(py, item)?)?;
            }
            list.into_any()
        }
        ValueRef::Object(members) => object_to_dict(py, members)?.into_any(),
    })
}

/// Claim names seen in nearly every token: interned once, so building a
/// claims dict neither re-decodes nor re-hashes them.
const COMMON_NAMES: [&str; 12] = [
    "iss",
    "sub",
    "aud",
    "exp",
    "nbf",
    "iat",
    "jti",
    "scope",
    "client_id",
    "scp",
    "azp",
    "typ",
];

fn member_name<'py>(py: Python<'py>, name: &str) -> Bound<'py, PyString> {
    static INTERNED: PyOnceLock<Vec<Py<PyString>>> = PyOnceLock::new();
    let index = match name {
        "iss" => 0,
        "sub" => 1,
        "aud" => 2,
        "exp" => 3,
        "nbf" => 4,
        "iat" => 5,
        "jti" => 6,
        "scope" => 7,
        "client_id" => 8,
        "scp" => 9,
        "azp" => 10,
        "typ" => 11,
        _ => return PyString::new(py, name),
    };
    let interned = INTERNED.get_or_init(py, || {
        COMMON_NAMES
            .iter()
            .map(|n| PyString::intern(py, n).unbind())
            .collect()
    });
    match interned.get(index) {
        Some(s) => s.bind(py).clone(),
        None => PyString::new(py, name),
    }
}

/// An object's members as a dict, in order.
pub fn object_to_dict<'py>(
    py: Python<'py>,
    members: ObjectRef<'_>,
) -> PyResult<Bound<'py, PyDict>> {
    let dict = PyDict::new(py);
    for (k, v) in members.iter() {
        dict.set_item(member_name(py, k), value_to_py(py, v)?)?;
    }
    Ok(dict)
}

/// The UTF-8 bytes of a `str` or `bytes` token, borrowed (no copy).
/// Anything else is malformed; a `str` that cannot be UTF-8 encoded (lone
/// surrogates) is too_large if even its code-point count exceeds the cap,
/// else malformed.
pub fn token_bytes<'a>(obj: &'a Bound<'_, PyAny>, max_token_bytes: usize) -> Result<&'a [u8]> {
    if let Ok(s) = obj.cast::<PyString>() {
        match s.to_str() {
            Ok(text) => Ok(text.as_bytes()),
            Err(_) => {
                let chars = s.len().unwrap_or(usize::MAX);
                if chars > max_token_bytes {
                    Err(Error::new(
                        ErrorKind::TooLarge,
                        "token longer than max_token_bytes",
                    ))
                } else {
                    Err(malformed("token is not encodable as UTF-8"))
                }
            }
        }
    } else if let Ok(b) = obj.cast::<PyBytes>() {
        Ok(b.as_bytes())
    } else {
        Err(malformed("token must be str or bytes"))
    }
}
