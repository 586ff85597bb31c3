//! HTTPS with a test certificate.

use std::sync::Arc;

use asr_emulator::{Emulator, EmulatorConfig};
use bytes::Bytes;
use http_body_util::{BodyExt as _, Empty};
use hyper_util::rt::TokioIo;
use rustls::RootCertStore;
use rustls_pki_types::{CertificateDer, ServerName};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;

use crate::client::KEY;

fn connector(roots: RootCertStore) -> TlsConnector {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let cfg = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("versions")
        .with_root_certificates(roots)
        .with_no_client_auth();
    TlsConnector::from(Arc::new(cfg))
}

#[tokio::test]
async fn https_with_a_trusted_root_only() {
    let ck =
        rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_owned(), "localhost".to_owned()])
            .expect("cert");
    let cert_pem = ck.cert.pem();
    let key_pem = ck.signing_key.serialize_pem();
    let emu = Emulator::start(EmulatorConfig::new().with_tls(cert_pem.clone(), key_pem))
        .await
        .expect("starts");
    assert!(
        emu.base_url().starts_with("https://127.0.0.1:"),
        "{}",
        emu.base_url()
    );

    let mut roots = RootCertStore::empty();
    roots
        .add(CertificateDer::from(ck.cert.der().to_vec()))
        .expect("root");
    let name = ServerName::try_from("127.0.0.1").expect("name");
    let tcp = TcpStream::connect(emu.local_addr()).await.expect("tcp");
    let tls = connector(roots)
        .connect(name.clone(), tcp)
        .await
        .expect("handshake with the root");
    let (mut send, conn) = hyper::client::conn::http1::handshake(TokioIo::new(tls))
        .await
        .expect("http");
    tokio::spawn(conn);
    let req = http::Request::get(format!("{}/tasks/x", emu.native_base()))
        .header("authorization", format!("Bearer {KEY}"))
        .body(Empty::<Bytes>::new())
        .expect("request");
    let resp = send.send_request(req).await.expect("response");
    assert_eq!(resp.status(), 200);
    let body = resp.into_body().collect().await.expect("body").to_bytes();
    let v: serde_json::Value = serde_json::from_slice(&body).expect("json");
    assert_eq!(v["output"]["task_status"], "UNKNOWN");

    // Without the root the handshake fails.
    let tcp = TcpStream::connect(emu.local_addr()).await.expect("tcp");
    assert!(
        connector(RootCertStore::empty())
            .connect(name, tcp)
            .await
            .is_err()
    );
}

#[tokio::test]
async fn bad_pem_is_an_error_not_a_panic() {
    let err = Emulator::start(EmulatorConfig::new().with_tls("nope", "nope"))
        .await
        .expect_err("refused");
    assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
    assert!(err.to_string().contains("certificate"), "{err}");
}
