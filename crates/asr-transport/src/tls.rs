//! The rustls client configuration.
//!
//! Roots: the platform verifier by default (OS trust store with its distrust decisions and
//! corporate CAs); with the `webpki-roots` feature, the static Mozilla list, for minimal
//! containers without a CA bundle. Extra roots from the config are added in both cases.
//! Crypto: the process-default `CryptoProvider` if the application installed one, else ring.

use std::sync::Arc;

use rustls::ClientConfig;
use rustls::crypto::CryptoProvider;
use rustls::pki_types::CertificateDer;

use crate::error::Error;

pub(crate) fn client_config(extra_roots: &[Vec<u8>]) -> Result<ClientConfig, Error> {
    let provider = CryptoProvider::get_default()
        .cloned()
        .unwrap_or_else(|| Arc::new(rustls::crypto::ring::default_provider()));
    let builder = ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(Error::tls_setup)?;
    let roots = extra_roots
        .iter()
        .map(|der| CertificateDer::from(der.clone()));
    let config = build(builder, roots, provider)?;
    Ok(config)
}

#[cfg(feature = "webpki-roots")]
fn build(
    builder: rustls::ConfigBuilder<ClientConfig, rustls::WantsVerifier>,
    roots: impl Iterator<Item = CertificateDer<'static>>,
    _provider: Arc<CryptoProvider>,
) -> Result<ClientConfig, Error> {
    let mut store = rustls::RootCertStore::empty();
    store.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    for root in roots {
        store.add(root).map_err(|e| {
            Error::config(
                "root_certificates",
                format!("invalid certificate: {e}; pass a DER or PEM CA certificate"),
            )
        })?;
    }
    Ok(builder.with_root_certificates(store).with_no_client_auth())
}

#[cfg(not(feature = "webpki-roots"))]
fn build(
    builder: rustls::ConfigBuilder<ClientConfig, rustls::WantsVerifier>,
    roots: impl Iterator<Item = CertificateDer<'static>>,
    provider: Arc<CryptoProvider>,
) -> Result<ClientConfig, Error> {
    #[cfg(not(target_os = "android"))]
    let verifier = rustls_platform_verifier::Verifier::new_with_extra_roots(roots, provider)
        .map_err(Error::tls_setup)?;
    #[cfg(target_os = "android")]
    let verifier = {
        // The Android verifier cannot take extra roots; the system store is all there is.
        drop(roots);
        rustls_platform_verifier::Verifier::new(provider).map_err(Error::tls_setup)?
    };
    Ok(builder
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(verifier))
        .with_no_client_auth())
}

/// Parses every `CERTIFICATE` block of a PEM document into DER.
pub(crate) fn pem_certificates(pem: &[u8]) -> Result<Vec<Vec<u8>>, Error> {
    let text = std::str::from_utf8(pem).map_err(|_| {
        Error::config(
            "root_certificates",
            "PEM data is not UTF-8; pass a PEM file or DER bytes".to_owned(),
        )
    })?;
    let mut out = Vec::new();
    let mut rest = text;
    const BEGIN: &str = "-----BEGIN CERTIFICATE-----";
    const END: &str = "-----END CERTIFICATE-----";
    while let Some(start) = rest.find(BEGIN) {
        let after = &rest[start + BEGIN.len()..];
        let Some(end) = after.find(END) else {
            return Err(Error::config(
                "root_certificates",
                "PEM certificate block has no END line; pass a complete PEM file".to_owned(),
            ));
        };
        let b64: String = after[..end]
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect();
        out.push(base64_decode(&b64).ok_or_else(|| {
            Error::config(
                "root_certificates",
                "PEM certificate is not valid base64".to_owned(),
            )
        })?);
        rest = &after[end + END.len()..];
    }
    if out.is_empty() {
        return Err(Error::config(
            "root_certificates",
            "no `-----BEGIN CERTIFICATE-----` block found; pass a PEM CA certificate".to_owned(),
        ));
    }
    Ok(out)
}

// A few lines instead of a dependency: PEM bodies are plain standard base64.
fn base64_decode(s: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(s.len() * 3 / 4);
    let mut acc = 0u32;
    let mut bits = 0;
    for c in s.bytes() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            b'=' => break,
            _ => return None,
        };
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests;
