//! The node's secret key. It encrypts the secrets the database must keep
//! readable (TOTP secrets), so that a copy of the database or a backup of it
//! does not give them away without the key file too.
//!
//! A sealed value is `v1:` and the base64 of a random nonce followed by the
//! ChaCha20-Poly1305 ciphertext and tag; the row's id is authenticated with
//! it, so a value copied onto another row does not open.

use std::io::Write;
use std::path::{Path, PathBuf};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use ring::aead::{Aad, CHACHA20_POLY1305, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};
use ring::rand::{SecureRandom, SystemRandom};

use crate::StoreError;

const PREFIX: &str = "v1:";
const KEY_LEN: usize = 32;

/// Why the key file could not be used.
#[derive(Debug, thiserror::Error)]
pub enum SecretKeyError {
    #[error("reading the secret key file {0}: {1}")]
    Read(PathBuf, std::io::Error),
    #[error("creating the secret key file {0}: {1}")]
    Create(PathBuf, std::io::Error),
    #[error("the secret key file {0} does not hold a key (32 bytes in base64 on one line)")]
    Malformed(PathBuf),
    #[error("the system's random number generator or cipher failed")]
    Unusable,
    #[error("replacing the secret key file {0}: {1}")]
    Replace(PathBuf, std::io::Error),
    #[error(
        "{0} exists: an earlier rotation did not finish. Start the node: if it refuses its key, move {0} back \
         over the key file; if it starts, delete {0}. Then rotate again"
    )]
    Unfinished(PathBuf),
}

impl From<SecretKeyError> for StoreError {
    fn from(e: SecretKeyError) -> Self {
        StoreError::SecretKey(e.to_string())
    }
}

pub struct SecretKey {
    key: LessSafeKey,
}

impl std::fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretKey(..)")
    }
}

impl SecretKey {
    /// A new random key, held in memory only (tests, throw-away nodes).
    pub fn generate() -> Result<SecretKey, SecretKeyError> {
        Self::from_bytes(&random::<KEY_LEN>()?)
    }

    fn from_bytes(bytes: &[u8; KEY_LEN]) -> Result<SecretKey, SecretKeyError> {
        let key = UnboundKey::new(&CHACHA20_POLY1305, bytes).map_err(|_| SecretKeyError::Unusable)?;
        Ok(SecretKey { key: LessSafeKey::new(key) })
    }

    /// Reads the key in `path`, creating the file (readable by its owner only)
    /// with a new random key when there is none.
    pub fn load_or_create(path: &Path) -> Result<SecretKey, SecretKeyError> {
        match std::fs::OpenOptions::new().write(true).create_new(true).mode_owner_only().open(path) {
            Ok(mut file) => {
                let bytes = random::<KEY_LEN>()?;
                writeln!(file, "{}", STANDARD.encode(bytes))
                    .and_then(|()| file.sync_all())
                    .map_err(|e| SecretKeyError::Create(path.to_owned(), e))?;
                Self::from_bytes(&bytes)
            }
            // Another process (or an earlier run) created it: use it.
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Self::load(path),
            Err(e) => Err(SecretKeyError::Create(path.to_owned(), e)),
        }
    }

    /// Writes a new random key to `path` in place of the one there, atomically
    /// (written beside it, synced, renamed over it), and keeps the old file
    /// as `path.old` until [`KeyFileSwap::keep`] or [`KeyFileSwap::undo`].
    pub fn replace_file(path: &Path) -> Result<(SecretKey, KeyFileSwap), SecretKeyError> {
        let swap = KeyFileSwap { path: path.to_owned(), old: sibling(path, "old") };
        if swap.old.exists() {
            return Err(SecretKeyError::Unfinished(swap.old));
        }
        let replace = |e| SecretKeyError::Replace(path.to_owned(), e);
        std::fs::copy(path, &swap.old).map_err(replace)?;
        // Left by a run that stopped before its rename: never in use.
        let new = sibling(path, "new");
        match std::fs::remove_file(&new) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(replace(e)),
            _ => {}
        }
        let bytes = random::<KEY_LEN>()?;
        let written = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode_owner_only()
            .open(&new)
            .and_then(|mut file| writeln!(file, "{}", STANDARD.encode(bytes)).and_then(|()| file.sync_all()))
            .and_then(|()| std::fs::rename(&new, path))
            .and_then(|()| sync_dir(path));
        if let Err(e) = written {
            // The old key is still the file's: no copy of it may linger.
            let _ = std::fs::remove_file(&new);
            let _ = std::fs::remove_file(&swap.old);
            return Err(replace(e));
        }
        Ok((Self::from_bytes(&bytes)?, swap))
    }

    /// Reads the key in `path`, which must exist.
    pub fn load(path: &Path) -> Result<SecretKey, SecretKeyError> {
        let text = std::fs::read_to_string(path).map_err(|e| SecretKeyError::Read(path.to_owned(), e))?;
        let bytes = STANDARD.decode(text.trim()).map_err(|_| SecretKeyError::Malformed(path.to_owned()))?;
        let bytes: [u8; KEY_LEN] = bytes.try_into().map_err(|_| SecretKeyError::Malformed(path.to_owned()))?;
        Self::from_bytes(&bytes)
    }

    /// Whether a stored value is sealed (rather than a plaintext left by an
    /// earlier version).
    pub fn is_sealed(stored: &str) -> bool {
        stored.starts_with(PREFIX)
    }

    /// Seals `plaintext` for the row `row`.
    pub fn seal(&self, row: &str, plaintext: &str) -> Result<String, SecretKeyError> {
        let nonce = random::<NONCE_LEN>()?;
        let mut sealed = plaintext.as_bytes().to_vec();
        self.key
            .seal_in_place_append_tag(Nonce::assume_unique_for_key(nonce), Aad::from(row), &mut sealed)
            .map_err(|_| SecretKeyError::Unusable)?;
        Ok(format!("{PREFIX}{}", STANDARD.encode([&nonce[..], &sealed].concat())))
    }

    /// Opens what [`seal`](Self::seal) made for the row `row`.
    pub fn open(&self, row: &str, stored: &str) -> Result<String, StoreError> {
        let corrupt = || StoreError::Corrupt(format!("sealed secret of {row}"));
        let bytes = stored.strip_prefix(PREFIX).and_then(|b| STANDARD.decode(b).ok()).ok_or_else(corrupt)?;
        if bytes.len() < NONCE_LEN {
            return Err(corrupt());
        }
        let (nonce, sealed) = bytes.split_at(NONCE_LEN);
        let nonce = Nonce::try_assume_unique_for_key(nonce).map_err(|_| corrupt())?;
        let mut sealed = sealed.to_vec();
        let plain = self.key.open_in_place(nonce, Aad::from(row), &mut sealed).map_err(|_| {
            StoreError::SecretKey(format!(
                "the sealed secret of {row} does not open with this node's key: is this the secret key file \
                 the database was sealed with?"
            ))
        })?;
        String::from_utf8(plain.to_vec()).map_err(|_| corrupt())
    }
}

/// A key file replaced by [`SecretKey::replace_file`], its old key kept
/// beside it until the secrets it sealed are sealed under the new one.
#[derive(Debug)]
#[must_use = "the old key stays beside the new one until kept or undone"]
pub struct KeyFileSwap {
    path: PathBuf,
    old: PathBuf,
}

impl KeyFileSwap {
    /// The new key is in use: deletes the old one.
    pub fn keep(self) -> Result<(), SecretKeyError> {
        std::fs::remove_file(&self.old)
            .and_then(|()| sync_dir(&self.path))
            .map_err(|e| SecretKeyError::Replace(self.old.clone(), e))
    }

    /// The new key is not in use: puts the old one back.
    pub fn undo(self) -> Result<(), SecretKeyError> {
        std::fs::rename(&self.old, &self.path)
            .and_then(|()| sync_dir(&self.path))
            .map_err(|e| SecretKeyError::Replace(self.path.clone(), e))
    }
}

/// `path.EXT`: `secret.key.old` beside `secret.key`.
fn sibling(path: &Path, ext: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(".");
    name.push(ext);
    PathBuf::from(name)
}

/// Makes a rename in `file`'s directory durable.
fn sync_dir(file: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    if let Some(dir) = file.parent() {
        let dir = if dir.as_os_str().is_empty() { Path::new(".") } else { dir };
        std::fs::File::open(dir)?.sync_all()?;
    }
    #[cfg(not(unix))]
    let _ = file;
    Ok(())
}

fn random<const N: usize>() -> Result<[u8; N], SecretKeyError> {
    let mut bytes = [0; N];
    SystemRandom::new().fill(&mut bytes).map_err(|_| SecretKeyError::Unusable)?;
    Ok(bytes)
}

/// Files only their owner may read.
trait OwnerOnly {
    fn mode_owner_only(&mut self) -> &mut Self;
}

impl OwnerOnly for std::fs::OpenOptions {
    #[cfg(unix)]
    fn mode_owner_only(&mut self) -> &mut Self {
        std::os::unix::fs::OpenOptionsExt::mode(self, 0o600)
    }

    #[cfg(not(unix))]
    fn mode_owner_only(&mut self) -> &mut Self {
        self
    }
}
