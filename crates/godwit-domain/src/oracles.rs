//! Where tests find the independent implementations from PyPI they compare
//! against (the STIX validator, taxii2-client, medallion, an MRZ checker…),
//! which `scripts/test` installs into `target/venv`.

use std::path::PathBuf;

/// The Python that has the oracles: `GODWIT_ORACLE_PYTHON` if set, else the
/// workspace's `target/venv`, which must exist.
pub fn python() -> PathBuf {
    if let Some(p) = std::env::var_os("GODWIT_ORACLE_PYTHON") {
        return p.into();
    }
    let venv = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/venv/bin/python");
    assert!(venv.exists(), "no {}: run scripts/test, which installs the PyPI oracles", venv.display());
    venv
}
