//! The Standard Webhooks signature (standardwebhooks.com): HMAC-SHA256 over
//! `{id}.{timestamp}.{body}` with the channel's `whsec_` secret, sent as `v1,<base64>`. The
//! receiver recomputes it with the same secret, so it knows the message came from this
//! newshound and was not changed; the timestamp in it lets the receiver refuse old replays.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::config::Secret;

/// The prefix of a Standard Webhooks secret; the base64 key follows it.
const SECRET_PREFIX: &str = "whsec_";

/// The version tag of the one signature scheme the specification defines (symmetric HMAC).
const VERSION: &str = "v1";

/// Why a message could not be signed or checked. The texts never contain the secret.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    /// The secret after `whsec_` is not base64, so there is no key to sign with.
    #[error("webhook secret is not base64 after its whsec_ prefix")]
    SecretNotBase64,
    /// The secret decodes to nothing.
    #[error("webhook secret is empty")]
    EmptySecret,
}

/// The `webhook-signature` header value for the message `id` sent at `timestamp` (unix
/// seconds) with `body`, exactly as the receiver will recompute it.
pub fn sign(
    secret: &Secret,
    id: &str,
    timestamp: i64,
    body: &[u8],
) -> Result<String, SignatureError> {
    let tag = keyed_mac(secret, id, timestamp, body)?
        .finalize()
        .into_bytes();
    Ok(format!("{VERSION},{}", STANDARD.encode(tag)))
}

/// Whether any `v1` signature of a `webhook-signature` header (space-separated, as the
/// specification allows several while a secret is rotated) is the one `secret` gives for this
/// message; compared in constant time. For tests and receivers written in Rust.
pub fn verify(
    secret: &Secret,
    id: &str,
    timestamp: i64,
    body: &[u8],
    header: &str,
) -> Result<bool, SignatureError> {
    let mac = keyed_mac(secret, id, timestamp, body)?;
    let matches = header
        .split_whitespace()
        .filter_map(|candidate| candidate.strip_prefix(VERSION)?.strip_prefix(','))
        .filter_map(|encoded| STANDARD.decode(encoded).ok())
        .any(|tag| mac.clone().verify_slice(&tag).is_ok());
    Ok(matches)
}

/// The HMAC keyed with the secret's decoded key, fed with the signed content.
fn keyed_mac(
    secret: &Secret,
    id: &str,
    timestamp: i64,
    body: &[u8],
) -> Result<Hmac<Sha256>, SignatureError> {
    let key = signing_key(secret)?;
    let mut mac = Hmac::<Sha256>::new_from_slice(&key)
        .expect("HMAC takes keys of any length (RFC 2104 hashes longer ones)");
    mac.update(format!("{id}.{timestamp}.").as_bytes());
    mac.update(body);
    Ok(mac)
}

/// The key bytes of a `whsec_<base64>` secret (the prefix is optional, as in the reference
/// libraries).
fn signing_key(secret: &Secret) -> Result<Vec<u8>, SignatureError> {
    let written = secret.expose().trim();
    let encoded = written.strip_prefix(SECRET_PREFIX).unwrap_or(written);
    let key = STANDARD
        .decode(encoded)
        .map_err(|_| SignatureError::SecretNotBase64)?;
    if key.is_empty() {
        return Err(SignatureError::EmptySecret);
    }
    Ok(key)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec_secret() -> Secret {
        Secret::new("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw".to_owned())
    }

    const SPEC_ID: &str = "msg_p5jXN8AQM9LWM0D4loKWxJek";
    const SPEC_TIMESTAMP: i64 = 1_614_265_330;
    const SPEC_BODY: &[u8] = br#"{"test": 2432232314}"#;
    const SPEC_SIGNATURE: &str = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";

    /// The specification's published example: a receiver using any reference library accepts
    /// what newshound signs.
    #[test]
    fn signature_matches_the_published_example() {
        let signature = sign(&spec_secret(), SPEC_ID, SPEC_TIMESTAMP, SPEC_BODY).unwrap();
        assert_eq!(signature, SPEC_SIGNATURE);
    }

    /// The `whsec_` prefix is optional, as the reference libraries take the bare key too.
    #[test]
    fn secret_without_prefix_signs_the_same() {
        let bare = Secret::new("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw".to_owned());
        let signature = sign(&bare, SPEC_ID, SPEC_TIMESTAMP, SPEC_BODY).unwrap();
        assert_eq!(signature, SPEC_SIGNATURE);
    }

    /// verify finds the right signature among several (secret rotation) and refuses a changed
    /// body, another timestamp or another secret.
    #[test]
    fn verify_accepts_only_the_matching_signature() {
        let secret = spec_secret();
        let rotated = format!("v1,bm90IHRoaXMgb25l {SPEC_SIGNATURE}");
        let check = |secret: &Secret, timestamp, body: &[u8], header: &str| {
            verify(secret, SPEC_ID, timestamp, body, header).unwrap()
        };
        assert!(check(&secret, SPEC_TIMESTAMP, SPEC_BODY, SPEC_SIGNATURE));
        assert!(check(&secret, SPEC_TIMESTAMP, SPEC_BODY, &rotated));
        assert!(!check(
            &secret,
            SPEC_TIMESTAMP,
            b"{\"test\": 1}",
            SPEC_SIGNATURE
        ));
        assert!(!check(
            &secret,
            SPEC_TIMESTAMP + 1,
            SPEC_BODY,
            SPEC_SIGNATURE
        ));
        let other = Secret::new("whsec_c2VjcmV0LW9mLWFub3RoZXItc2VuZGVy".to_owned());
        assert!(!check(&other, SPEC_TIMESTAMP, SPEC_BODY, SPEC_SIGNATURE));
        assert!(!check(&secret, SPEC_TIMESTAMP, SPEC_BODY, "v2,whatever"));
    }

    /// A secret that is not base64 is an error that does not repeat the secret.
    #[test]
    fn malformed_secret_is_an_error_without_the_secret() {
        let secret = Secret::new("whsec_not base64 at all!".to_owned());
        let err = sign(&secret, SPEC_ID, SPEC_TIMESTAMP, SPEC_BODY).unwrap_err();
        assert_eq!(err, SignatureError::SecretNotBase64);
        assert!(!err.to_string().contains("not base64 at all"));
        let empty = Secret::new("whsec_".to_owned());
        assert_eq!(
            sign(&empty, SPEC_ID, SPEC_TIMESTAMP, SPEC_BODY).unwrap_err(),
            SignatureError::EmptySecret
        );
    }
}
