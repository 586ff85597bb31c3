//! Optional HTTPS (rustls with the ring provider), for clients' TLS tests.

use std::io;
use std::sync::Arc;

use rustls::ServerConfig;
use rustls_pki_types::pem::PemObject as _;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use tokio::net::TcpStream;
use tokio_rustls::TlsAcceptor;
use tokio_rustls::server::TlsStream;

use crate::config::TlsConfig;

/// Accepts TLS connections with the configured certificate.
#[derive(Clone)]
pub(crate) struct Acceptor {
    inner: TlsAcceptor,
}

fn invalid(what: &str, e: impl std::fmt::Display) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, format!("TLS {what}: {e}"))
}

impl Acceptor {
    /// Loads the PEM certificate chain and key.
    pub(crate) fn new(cfg: &TlsConfig) -> io::Result<Self> {
        let certs: Vec<CertificateDer<'static>> =
            CertificateDer::pem_slice_iter(&cfg.cert_chain_pem)
                .collect::<Result<_, _>>()
                .map_err(|e| invalid("certificate chain (PEM)", e))?;
        if certs.is_empty() {
            return Err(invalid(
                "certificate chain (PEM)",
                "no CERTIFICATE block found",
            ));
        }
        let key = PrivateKeyDer::from_pem_slice(&cfg.key_pem)
            .map_err(|e| invalid("private key (PEM: PKCS#8, PKCS#1 or SEC1)", e))?;
        // Use ring explicitly: no process-wide provider needs to be installed by the caller.
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut config = ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| invalid("protocol versions", e))?
            .with_no_client_auth()
            .with_single_cert(certs, key)
            .map_err(|e| invalid("certificate/key pair", e))?;
        config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
        Ok(Acceptor {
            inner: TlsAcceptor::from(Arc::new(config)),
        })
    }

    /// Runs the handshake.
    pub(crate) async fn accept(&self, stream: TcpStream) -> io::Result<TlsStream<TcpStream>> {
        self.inner.accept(stream).await
    }
}
