//! One mapping from [`ErrorKind`] to the classes of `tokenward.exceptions`.

use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::PyType;

use crate::error::{Error, ErrorKind};

static CLASSES: PyOnceLock<Vec<Py<PyType>>> = PyOnceLock::new();

/// The exception classes indexed by `ErrorKind::index()`, fetched once from
/// `tokenward.exceptions.ERRORS_BY_CODE`.
fn classes(py: Python<'_>) -> PyResult<&Vec<Py<PyType>>> {
    CLASSES.get_or_try_init(py, || {
        let table = py
            .import("tokenward.exceptions")?
            .getattr("ERRORS_BY_CODE")?;
        ErrorKind::ALL
            .iter()
            .map(|kind| Ok(table.get_item(kind.code())?.cast_into::<PyType>()?.unbind()))
            .collect()
    })
}

/// The exception instance `cls(message)` for `error`.
pub fn instance<'py>(py: Python<'py>, error: &Error) -> PyResult<Bound<'py, PyAny>> {
    let classes = classes(py)?;
    let class = classes
        .get(error.kind.index())
        .ok_or_else(|| pyo3::exceptions::PySystemError::new_err("unknown error kind"))?;
    class.bind(py).call1((error.message.as_ref(),))
}

/// The `PyErr` to raise for `error`.
pub fn to_py_err(py: Python<'_>, error: &Error) -> PyErr {
    match instance(py, error) {
        Ok(exc) => PyErr::from_value(exc),
        Err(e) => e,
    }
}
