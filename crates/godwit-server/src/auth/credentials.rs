//! Password hashing (argon2id), TOTP codes (RFC 6238) and random tokens.

use argon2::password_hash::{PasswordHash, SaltString};
use argon2::{Argon2, PasswordHasher, PasswordVerifier};
use base64::Engine;
use rand::RngCore;
use sha2::{Digest, Sha256};
use totp_rs::{Algorithm, Secret, TOTP};

#[derive(Debug, thiserror::Error)]
pub enum CredentialError {
    #[error("could not hash the password: {0}")]
    Hash(String),
    #[error("the stored TOTP secret is not usable: {0}")]
    TotpSecret(String),
}

/// Hashes a password with argon2id and a random salt (PHC string format).
pub fn hash_password(password: &str) -> Result<String, CredentialError> {
    let mut salt_bytes = [0u8; 16];
    rand::rng().fill_bytes(&mut salt_bytes);
    let salt = SaltString::encode_b64(&salt_bytes).map_err(|e| CredentialError::Hash(e.to_string()))?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|hash| hash.to_string())
        .map_err(|e| CredentialError::Hash(e.to_string()))
}

/// Checks a password against a stored PHC hash; a malformed hash never matches.
pub fn verify_password(password: &str, stored_hash: &str) -> bool {
    PasswordHash::new(stored_hash)
        .is_ok_and(|hash| Argon2::default().verify_password(password.as_bytes(), &hash).is_ok())
}

/// A hash to verify against when the username does not exist, so that a wrong
/// username costs as much time as a wrong password.
pub fn decoy_hash() -> &'static str {
    static DECOY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DECOY.get_or_init(|| hash_password("decoy password for unknown users").unwrap_or_default())
}

/// A new random TOTP secret, base32 encoded (160 bits, as RFC 4226 recommends).
pub fn new_totp_secret() -> String {
    Secret::generate_secret().to_encoded().to_string()
}

fn totp(secret_base32: &str, account: &str) -> Result<TOTP, CredentialError> {
    let bytes = Secret::Encoded(secret_base32.to_owned())
        .to_bytes()
        .map_err(|e| CredentialError::TotpSecret(format!("{e:?}")))?;
    TOTP::new(Algorithm::SHA1, 6, 1, 30, bytes, Some("Godwit".to_owned()), account.to_owned())
        .map_err(|e| CredentialError::TotpSecret(e.to_string()))
}

/// The code an authenticator shows at `unix_seconds`.
pub fn totp_code(secret_base32: &str, unix_seconds: u64) -> Result<String, CredentialError> {
    Ok(totp(secret_base32, "user")?.generate(unix_seconds))
}

/// Checks a code, accepting the previous and next 30-second step for clock drift.
pub fn verify_totp(secret_base32: &str, code: &str, unix_seconds: u64) -> bool {
    totp(secret_base32, "user").is_ok_and(|t| t.check(code.trim(), unix_seconds))
}

/// The `otpauth://` URL an authenticator app scans.
pub fn totp_url(secret_base32: &str, account: &str) -> Result<String, CredentialError> {
    Ok(totp(secret_base32, account)?.get_url())
}

/// A random token of 32 bytes, URL-safe base64.
pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// SHA-256 hex of a token: what the database keeps instead of the token.
pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_verify_only_against_their_hash() {
        let hash = hash_password("Correct-Horse-42").unwrap_or_default();
        assert!(hash.starts_with("$argon2id$"));
        assert!(verify_password("Correct-Horse-42", &hash));
        assert!(!verify_password("correct-horse-42", &hash));
        assert!(!verify_password("Correct-Horse-42", "not a hash"));
    }

    #[test]
    fn totp_codes_match_within_one_step() {
        let secret = new_totp_secret();
        let now = 1_800_000_000;
        let code = totp_code(&secret, now).unwrap_or_default();
        assert_eq!(code.len(), 6);
        assert!(verify_totp(&secret, &code, now));
        assert!(verify_totp(&secret, &code, now + 30));
        assert!(!verify_totp(&secret, &code, now + 120));
        assert!(!verify_totp("not base32!", &code, now));
    }
}
