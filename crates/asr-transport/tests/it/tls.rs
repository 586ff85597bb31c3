//! HTTPS: an emulator serving a certificate from a test CA (rcgen) is reachable with that root
//! added and refused without it.
//!
//! A few lines of tokio-rustls (`https_server`) also serve HTTPS for the proxy tunnel test,
//! which needs a server whose connections it can count.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use asr_transport::{Config, Error, TaskStatus};
use rcgen::{BasicConstraints, CertificateParams, IsCa, Issuer, KeyPair};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

pub(crate) struct TestPki {
    pub(crate) ca_pem: String,
    leaf_pem: String,
    leaf_der: CertificateDer<'static>,
    leaf_key_der: Vec<u8>,
    leaf_key_pem: String,
}

pub(crate) fn pki() -> TestPki {
    let ca_key = KeyPair::generate().unwrap();
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let ca_cert = ca_params.self_signed(&ca_key).unwrap();
    let issuer = Issuer::new(ca_params, ca_key);
    let leaf_key = KeyPair::generate().unwrap();
    let leaf_params =
        CertificateParams::new(vec!["127.0.0.1".to_owned(), "localhost".to_owned()]).unwrap();
    let leaf = leaf_params.signed_by(&leaf_key, &issuer).unwrap();
    TestPki {
        ca_pem: ca_cert.pem(),
        leaf_pem: leaf.pem(),
        leaf_der: leaf.der().clone(),
        leaf_key_der: leaf_key.serialize_der(),
        leaf_key_pem: leaf_key.serialize_pem(),
    }
}

/// Serves HTTPS on 127.0.0.1 until dropped; returns the base URL and a counter of requests
/// that completed the handshake and were answered.
pub(crate) async fn https_server(
    pki: &TestPki,
) -> (String, Arc<AtomicUsize>, tokio::task::JoinHandle<()>) {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(
            vec![pki.leaf_der.clone()],
            PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(pki.leaf_key_der.clone())),
        )
        .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!(
        "https://127.0.0.1:{}/api/v1",
        listener.local_addr().unwrap().port()
    );
    let answered = Arc::new(AtomicUsize::new(0));
    let count = answered.clone();
    let server = tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            let count = count.clone();
            tokio::spawn(async move {
                let Ok(mut tls) = acceptor.accept(tcp).await else {
                    return;
                };
                let mut head = Vec::new();
                let mut buf = [0u8; 1024];
                while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                    match tls.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => head.extend_from_slice(&buf[..n]),
                    }
                }
                let body =
                    r#"{"request_id":"r-1","output":{"task_id":"t","task_status":"UNKNOWN"}}"#;
                let response = format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                    body.len()
                );
                if tls.write_all(response.as_bytes()).await.is_ok() {
                    count.fetch_add(1, Ordering::SeqCst);
                }
                let _ = tls.shutdown().await;
            });
        }
    });
    (base, answered, server)
}

async fn https_emulator(pki: &TestPki) -> asr_emulator::EmulatorHandle {
    let config = crate::fast().with_tls(pki.leaf_pem.clone(), pki.leaf_key_pem.clone());
    let emu = asr_emulator::Emulator::start(config).await.unwrap();
    assert!(emu.base_url().starts_with("https://"), "{}", emu.base_url());
    emu
}

#[tokio::test]
async fn emulator_is_reachable_with_the_test_root() {
    let pki = pki();
    let emu = https_emulator(&pki).await;
    let client = Config::new("sk-test")
        .with_base_url(emu.native_base())
        .with_root_certificate(&pki.ca_pem)
        .build()
        .unwrap();
    let task = client.task(&"t".into()).await.unwrap();
    assert_eq!(task.output.task_status, TaskStatus::Unknown);
    assert_eq!(emu.count(asr_emulator::Endpoint::GetTask), 1);
}

#[tokio::test]
async fn emulator_is_refused_without_the_test_root() {
    let pki = pki();
    let emu = https_emulator(&pki).await;
    let client = Config::new("sk-test")
        .with_base_url(emu.native_base())
        .build()
        .unwrap();
    let err = client.task(&"t".into()).await.unwrap_err();
    assert!(matches!(err, Error::Tls { .. }), "{err:?}");
    assert!(!err.is_retryable());
    // The handshake failed, so no request reached the HTTP layer.
    assert_eq!(emu.count(asr_emulator::Endpoint::GetTask), 0);
}
