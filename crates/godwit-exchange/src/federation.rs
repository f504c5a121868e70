//! Federation between Godwit nodes: the node's Ed25519 identity, signed
//! requests, and the signed bundles of changes a node serves to a peer
//! (docs/federation.md). Pure: the caller brings the time, the bytes and the
//! keys it trusts.

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use godwit_domain::Timestamp;
use godwit_domain::item::Item;
use godwit_domain::member::MemberCode;
use ring::rand::{SecureRandom, SystemRandom};
use ring::signature::{ED25519, Ed25519KeyPair, KeyPair, UnparsedPublicKey};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// The media type of a bundle on the wire.
pub const BUNDLE_MEDIA_TYPE: &str = "application/vnd.godwit.bundle+json";
/// Request headers: the requesting node's public key, the time it signed,
/// and its signature; on a bundle, the serving node's signature of the body.
pub const NODE_HEADER: &str = "godwit-node";
pub const DATE_HEADER: &str = "godwit-date";
pub const SIGNATURE_HEADER: &str = "godwit-signature";
/// How far a signed request's time may be from the server's clock.
pub const REQUEST_WINDOW_MILLIS: i64 = 5 * 60 * 1000;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum FederationError {
    #[error("not a node key: {0}")]
    BadKey(&'static str),
    #[error("the signature does not verify")]
    BadSignature,
    #[error("the request was signed at {signed}, more than five minutes from {now}")]
    Stale { signed: String, now: String },
    #[error("no source of randomness")]
    NoRandomness,
    #[error("the sealed page does not open with this node's key")]
    Undecryptable,
}

/// A node's signing key (Ed25519), kept as its 32-byte seed.
pub struct NodeKey {
    seed: [u8; 32],
    pair: Ed25519KeyPair,
}

impl std::fmt::Debug for NodeKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "NodeKey({})", fingerprint(&self.public()))
    }
}

impl NodeKey {
    pub fn generate() -> Result<NodeKey, FederationError> {
        let mut seed = [0u8; 32];
        SystemRandom::new().fill(&mut seed).map_err(|_| FederationError::NoRandomness)?;
        NodeKey::from_seed(seed)
    }

    pub fn from_seed(seed: [u8; 32]) -> Result<NodeKey, FederationError> {
        let pair = Ed25519KeyPair::from_seed_unchecked(&seed).map_err(|_| FederationError::BadKey("seed"))?;
        Ok(NodeKey { seed, pair })
    }

    /// The seed, base64: what the node keeps (sealed) to be itself again.
    pub fn seed_base64(&self) -> String {
        BASE64.encode(self.seed)
    }

    pub fn from_seed_base64(text: &str) -> Result<NodeKey, FederationError> {
        let bytes = BASE64.decode(text.trim()).map_err(|_| FederationError::BadKey("seed is not base64"))?;
        NodeKey::from_seed(bytes.try_into().map_err(|_| FederationError::BadKey("seed is not 32 bytes"))?)
    }

    pub fn public(&self) -> PublicKey {
        let mut key = [0u8; 32];
        key.copy_from_slice(self.pair.public_key().as_ref());
        PublicKey(key)
    }

    pub fn sign(&self, message: &[u8]) -> String {
        BASE64.encode(self.pair.sign(message).as_ref())
    }

    /// The headers of a request to a peer, signed over what
    /// [`request_message`] covers.
    pub fn sign_request(&self, method: &str, path_and_query: &str, body: &[u8], now: Timestamp) -> SignedRequest {
        let date = now.to_rfc3339();
        let signature = self.sign(&request_message(method, path_and_query, &date, body));
        SignedRequest { node: self.public().to_base64(), date, signature }
    }
}

/// A node's public signing key: how its peers know it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PublicKey(pub [u8; 32]);

impl PublicKey {
    pub fn to_base64(self) -> String {
        BASE64.encode(self.0)
    }

    pub fn from_base64(text: &str) -> Result<PublicKey, FederationError> {
        let bytes = BASE64.decode(text.trim()).map_err(|_| FederationError::BadKey("public key is not base64"))?;
        Ok(PublicKey(bytes.try_into().map_err(|_| FederationError::BadKey("public key is not 32 bytes"))?))
    }

    pub fn verify(&self, message: &[u8], signature: &str) -> Result<(), FederationError> {
        let signature = BASE64.decode(signature.trim()).map_err(|_| FederationError::BadSignature)?;
        UnparsedPublicKey::new(&ED25519, self.0).verify(message, &signature).map_err(|_| FederationError::BadSignature)
    }

    pub fn fingerprint(&self) -> String {
        fingerprint(self)
    }
}

/// Eight groups of four hex digits of the key's SHA-256: short enough to
/// read out on a telephone call when two administrators register each other.
pub fn fingerprint(key: &PublicKey) -> String {
    let digest = ring::digest::digest(&ring::digest::SHA256, &key.0);
    digest.as_ref()[..16].chunks(2).map(|pair| format!("{:02x}{:02x}", pair[0], pair[1])).collect::<Vec<_>>().join(" ")
}

/// What a request's signature covers: method, path and query, the signing
/// time and the SHA-256 of the body, one per line.
pub fn request_message(method: &str, path_and_query: &str, date: &str, body: &[u8]) -> Vec<u8> {
    let digest = ring::digest::digest(&ring::digest::SHA256, body);
    let hex: String = digest.as_ref().iter().map(|b| format!("{b:02x}")).collect();
    format!("{method}\n{path_and_query}\n{date}\n{hex}").into_bytes()
}

/// The three headers of a signed request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedRequest {
    pub node: String,
    pub date: String,
    pub signature: String,
}

impl SignedRequest {
    /// Checks the signature with the key it names and the time against `now`;
    /// the caller then checks that the key is a registered peer's.
    pub fn verify(
        &self,
        method: &str,
        path_and_query: &str,
        body: &[u8],
        now: Timestamp,
    ) -> Result<PublicKey, FederationError> {
        let key = PublicKey::from_base64(&self.node)?;
        key.verify(&request_message(method, path_and_query, &self.date, body), &self.signature)?;
        let signed = Timestamp::parse_rfc3339(&self.date).ok_or(FederationError::BadSignature)?;
        if (signed.0 - now.0).abs() > REQUEST_WINDOW_MILLIS {
            return Err(FederationError::Stale { signed: self.date.clone(), now: now.to_rfc3339() });
        }
        Ok(key)
    }
}

/// One change to an item released to the peer, oldest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "change", rename_all = "snake_case")]
pub enum Change {
    /// The item as it is now (a published or superseded version), whole.
    Item { item: Box<Item> },
    /// The peer held the item and may no longer: withdrawn by its
    /// originator, or no longer released to the peer's member.
    Revoke { item_id: Uuid, reason: String },
}

/// A page of changes from one node to a peer's member, signed by the
/// serving node over the exact bytes of its JSON.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Bundle {
    pub from_member: MemberCode,
    pub to_member: MemberCode,
    /// The requester's nonce, echoed so that an old bundle cannot answer a new request.
    pub nonce: String,
    /// The serving node's outbox position the page starts after, and where the next starts.
    pub after: i64,
    pub cursor: i64,
    /// More changes wait after `cursor`.
    pub more: bool,
    pub at: Timestamp,
    pub changes: Vec<Change>,
}

/// A fresh nonce for a request: 16 random bytes, hex.
pub fn nonce() -> Result<String, FederationError> {
    let mut bytes = [0u8; 16];
    SystemRandom::new().fill(&mut bytes).map_err(|_| FederationError::NoRandomness)?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

/// A node's encryption key (X25519): relayed pages are sealed to it, so
/// that the hub between two members forwards what it cannot read.
pub struct EncryptionKey(x25519_dalek::StaticSecret);

impl EncryptionKey {
    pub fn generate() -> Result<EncryptionKey, FederationError> {
        Ok(EncryptionKey(x25519_dalek::StaticSecret::from(random_32()?)))
    }

    pub fn to_base64(&self) -> String {
        BASE64.encode(self.0.to_bytes())
    }

    pub fn from_base64(text: &str) -> Result<EncryptionKey, FederationError> {
        Ok(EncryptionKey(x25519_dalek::StaticSecret::from(decode_32(text, "encryption key")?)))
    }

    pub fn public(&self) -> PublicKey {
        PublicKey(x25519_dalek::PublicKey::from(&self.0).to_bytes())
    }

    /// Opens what [`seal_to`] sealed to this key with `header` bound to it.
    pub fn open(&self, header: &[u8], sealed: &Sealed) -> Result<Vec<u8>, FederationError> {
        let ephemeral = x25519_dalek::PublicKey::from(decode_32(&sealed.ephemeral, "ephemeral key")?);
        let shared = self.0.diffie_hellman(&ephemeral);
        let key = aead_key(shared.as_bytes(), ephemeral.as_bytes(), &self.public().0)?;
        let mut buffer = BASE64.decode(&sealed.ciphertext).map_err(|_| FederationError::Undecryptable)?;
        let plain = key
            .open_in_place(
                ring::aead::Nonce::assume_unique_for_key([0; 12]),
                ring::aead::Aad::from(header),
                &mut buffer,
            )
            .map_err(|_| FederationError::Undecryptable)?;
        Ok(plain.to_vec())
    }
}

/// Ciphertext sealed to one recipient: the sender's one-time X25519 key and
/// the ChaCha20-Poly1305 ciphertext, base64.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sealed {
    pub ephemeral: String,
    pub ciphertext: String,
}

/// Seals `plaintext` to `recipient`'s encryption key, binding `header` (the
/// routing data a relay reads) to it: a one-time X25519 key, HKDF-SHA-256
/// over the shared secret and both public keys, ChaCha20-Poly1305. The key
/// is used once, so the nonce can be zero.
pub fn seal_to(recipient: &PublicKey, header: &[u8], plaintext: &[u8]) -> Result<Sealed, FederationError> {
    let ephemeral = x25519_dalek::StaticSecret::from(random_32()?);
    let ephemeral_public = x25519_dalek::PublicKey::from(&ephemeral);
    let shared = ephemeral.diffie_hellman(&x25519_dalek::PublicKey::from(recipient.0));
    let key = aead_key(shared.as_bytes(), ephemeral_public.as_bytes(), &recipient.0)?;
    let mut buffer = plaintext.to_vec();
    key.seal_in_place_append_tag(
        ring::aead::Nonce::assume_unique_for_key([0; 12]),
        ring::aead::Aad::from(header),
        &mut buffer,
    )
    .map_err(|_| FederationError::Undecryptable)?;
    Ok(Sealed { ephemeral: BASE64.encode(ephemeral_public.as_bytes()), ciphertext: BASE64.encode(buffer) })
}

fn aead_key(
    shared: &[u8; 32],
    ephemeral: &[u8; 32],
    recipient: &[u8; 32],
) -> Result<ring::aead::LessSafeKey, FederationError> {
    let salt = ring::hkdf::Salt::new(ring::hkdf::HKDF_SHA256, &[ephemeral.as_slice(), recipient.as_slice()].concat());
    let info = [b"godwit relay v1".as_slice()];
    let prk = salt.extract(shared);
    let okm = prk.expand(&info, &ring::aead::CHACHA20_POLY1305).map_err(|_| FederationError::Undecryptable)?;
    Ok(ring::aead::LessSafeKey::new(ring::aead::UnboundKey::from(okm)))
}

fn random_32() -> Result<[u8; 32], FederationError> {
    let mut bytes = [0u8; 32];
    SystemRandom::new().fill(&mut bytes).map_err(|_| FederationError::NoRandomness)?;
    Ok(bytes)
}

fn decode_32(text: &str, what: &'static str) -> Result<[u8; 32], FederationError> {
    BASE64.decode(text.trim()).ok().and_then(|b| b.try_into().ok()).ok_or(FederationError::BadKey(what))
}

/// A page of changes from one member's node to another member's, relayed by
/// a hub: the routing header in clear, the bundle sealed to the recipient,
/// all signed by the originating node.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RelayEnvelope {
    pub from_member: MemberCode,
    pub to_member: MemberCode,
    /// The originating node's outbox positions the sealed page spans.
    pub after: i64,
    pub cursor: i64,
    pub more: bool,
    pub sealed: Sealed,
    /// Ed25519 over [`RelayEnvelope::signed_bytes`].
    pub signature: String,
}

impl RelayEnvelope {
    /// The routing header, which is also the associated data of the sealing.
    pub fn header(from: &MemberCode, to: &MemberCode, after: i64, cursor: i64, more: bool) -> Vec<u8> {
        format!("godwit relay\n{from}\n{to}\n{after}\n{cursor}\n{more}").into_bytes()
    }

    /// What the originating node signs: the header and the sealed bytes.
    pub fn signed_bytes(&self) -> Vec<u8> {
        let mut bytes = RelayEnvelope::header(&self.from_member, &self.to_member, self.after, self.cursor, self.more);
        for part in [&self.sealed.ephemeral, &self.sealed.ciphertext] {
            bytes.push(b'\n');
            bytes.extend_from_slice(part.as_bytes());
        }
        bytes
    }

    /// Seals `bundle` (its JSON bytes) to `recipient` and signs it as `key`.
    pub fn seal(
        bundle: &Bundle,
        body: &[u8],
        recipient: &PublicKey,
        key: &NodeKey,
    ) -> Result<RelayEnvelope, FederationError> {
        let header =
            RelayEnvelope::header(&bundle.from_member, &bundle.to_member, bundle.after, bundle.cursor, bundle.more);
        let mut envelope = RelayEnvelope {
            from_member: bundle.from_member.clone(),
            to_member: bundle.to_member.clone(),
            after: bundle.after,
            cursor: bundle.cursor,
            more: bundle.more,
            sealed: seal_to(recipient, &header, body)?,
            signature: String::new(),
        };
        envelope.signature = key.sign(&envelope.signed_bytes());
        Ok(envelope)
    }

    /// Checks the originator's signature and opens the page with the
    /// recipient's key: the bundle's JSON bytes.
    pub fn open(&self, originator: &PublicKey, key: &EncryptionKey) -> Result<Vec<u8>, FederationError> {
        originator.verify(&self.signed_bytes(), &self.signature)?;
        let header = RelayEnvelope::header(&self.from_member, &self.to_member, self.after, self.cursor, self.more);
        key.open(&header, &self.sealed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(millis: i64) -> Timestamp {
        Timestamp(millis)
    }

    #[test]
    fn a_signed_request_verifies_only_unchanged_and_in_time() {
        let key = NodeKey::generate().expect("key");
        let now = at(1_790_000_000_000);
        let signed = key.sign_request("GET", "/federation/v1/items?after=0", b"", now);
        assert_eq!(signed.verify("GET", "/federation/v1/items?after=0", b"", now), Ok(key.public()));
        assert_eq!(
            signed.verify("GET", "/federation/v1/items?after=7", b"", now),
            Err(FederationError::BadSignature),
            "another query"
        );
        assert_eq!(
            signed.verify("POST", "/federation/v1/items?after=0", b"x", now),
            Err(FederationError::BadSignature)
        );
        assert!(matches!(
            signed.verify("GET", "/federation/v1/items?after=0", b"", at(now.0 + REQUEST_WINDOW_MILLIS + 1)),
            Err(FederationError::Stale { .. })
        ));
        let other = NodeKey::generate().expect("key");
        let forged = SignedRequest { node: other.public().to_base64(), ..signed };
        assert_eq!(forged.verify("GET", "/federation/v1/items?after=0", b"", now), Err(FederationError::BadSignature));
    }

    #[test]
    fn a_relayed_page_opens_only_for_its_recipient_and_only_unchanged() {
        let origin = NodeKey::generate().expect("key");
        let recipient = EncryptionKey::generate().expect("key");
        let bundle = Bundle {
            from_member: MemberCode("FJI".into()),
            to_member: MemberCode("TON".into()),
            nonce: "relay".into(),
            after: 4,
            cursor: 9,
            more: false,
            at: at(1_790_000_000_000),
            changes: vec![Change::Revoke { item_id: Uuid::nil(), reason: "withdrawn".into() }],
        };
        let body = serde_json::to_vec(&bundle).expect("json");
        let envelope = RelayEnvelope::seal(&bundle, &body, &recipient.public(), &origin).expect("sealed");
        assert!(!envelope.sealed.ciphertext.contains("withdrawn"));
        assert_eq!(envelope.open(&origin.public(), &recipient), Ok(body.clone()));
        let again = EncryptionKey::from_base64(&recipient.to_base64()).expect("key");
        assert_eq!(envelope.open(&origin.public(), &again), Ok(body));

        let stranger = EncryptionKey::generate().expect("key");
        assert_eq!(envelope.open(&origin.public(), &stranger), Err(FederationError::Undecryptable));
        let rerouted = RelayEnvelope { to_member: MemberCode("NZL".into()), ..envelope.clone() };
        assert_eq!(rerouted.open(&origin.public(), &recipient), Err(FederationError::BadSignature));
        let forger = NodeKey::generate().expect("key");
        let mut resigned = RelayEnvelope { after: 0, ..envelope.clone() };
        resigned.signature = forger.sign(&resigned.signed_bytes());
        assert_eq!(resigned.open(&origin.public(), &recipient), Err(FederationError::BadSignature));
        // Signed again by the originator, a changed header still fails: it is bound to the ciphertext.
        resigned.signature = origin.sign(&resigned.signed_bytes());
        assert_eq!(resigned.open(&origin.public(), &recipient), Err(FederationError::Undecryptable));
    }

    #[test]
    fn a_node_key_is_the_same_key_again_from_its_seed() {
        let key = NodeKey::generate().expect("key");
        let again = NodeKey::from_seed_base64(&key.seed_base64()).expect("seed");
        assert_eq!(again.public(), key.public());
        let signature = key.sign(b"bundle");
        again.public().verify(b"bundle", &signature).expect("verifies");
        assert_eq!(key.public().verify(b"bundlf", &signature), Err(FederationError::BadSignature));
        assert_eq!(PublicKey::from_base64(&key.public().to_base64()), Ok(key.public()));
        assert_eq!(key.public().fingerprint().len(), 8 * 4 + 7);
        assert!(NodeKey::from_seed_base64("c2hvcnQ=").is_err());
    }
}
