//! Proxies: plain HTTP in absolute form, HTTPS through a `CONNECT` tunnel, and the no-proxy
//! list.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use asr_emulator::Endpoint;
use asr_transport::{Config, Proxy, TaskStatus};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use crate::{fast, setup};

#[tokio::test]
async fn plain_http_goes_through_the_proxy() {
    // The emulator plays the proxy: hyper sends the absolute-form target, which it routes by
    // path. The API host itself does not exist.
    let (emu, _) = setup(fast()).await;
    let client = Config::new("sk-test")
        .with_base_url("http://dashscope.example.invalid/api/v1")
        .with_insecure_http(true)
        .with_proxy(Proxy::new(emu.base_url()))
        .build()
        .unwrap();
    let task = client.task(&"t".into()).await.unwrap();
    assert_eq!(task.output.task_status, TaskStatus::Unknown);
    assert_eq!(emu.count(Endpoint::GetTask), 1);
}

#[tokio::test]
async fn hosts_in_the_no_proxy_list_bypass_it() {
    let (emu, _) = setup(fast()).await;
    let closed = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let client = Config::new("sk-test")
        .with_base_url(emu.native_base())
        .with_proxy(
            Proxy::new(format!("http://127.0.0.1:{closed}")).with_no_proxy("localhost, 127.0.0.1"),
        )
        .build()
        .unwrap();
    client.task(&"t".into()).await.unwrap();
    assert_eq!(emu.count(Endpoint::GetTask), 1);
}

/// A `CONNECT`-only proxy: opens the tunnel and copies bytes both ways.
async fn connect_proxy() -> (String, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://127.0.0.1:{}", listener.local_addr().unwrap().port());
    let tunnels = Arc::new(AtomicUsize::new(0));
    let count = tunnels.clone();
    tokio::spawn(async move {
        while let Ok((mut client, _)) = listener.accept().await {
            let count = count.clone();
            tokio::spawn(async move {
                let mut head = Vec::new();
                let mut byte = [0u8; 1];
                while !head.ends_with(b"\r\n\r\n") {
                    if client.read(&mut byte).await.unwrap_or(0) == 0 {
                        return;
                    }
                    head.push(byte[0]);
                }
                let head = String::from_utf8_lossy(&head).into_owned();
                let Some(target) = head
                    .strip_prefix("CONNECT ")
                    .and_then(|r| r.split(' ').next())
                else {
                    let _ = client
                        .write_all(b"HTTP/1.1 405 Method Not Allowed\r\n\r\n")
                        .await;
                    return;
                };
                let Ok(mut upstream) = TcpStream::connect(target).await else {
                    let _ = client.write_all(b"HTTP/1.1 502 Bad Gateway\r\n\r\n").await;
                    return;
                };
                count.fetch_add(1, Ordering::SeqCst);
                if client
                    .write_all(b"HTTP/1.1 200 Connection established\r\n\r\n")
                    .await
                    .is_ok()
                {
                    let _ = tokio::io::copy_bidirectional(&mut client, &mut upstream).await;
                }
            });
        }
    });
    (url, tunnels)
}

#[tokio::test]
async fn https_goes_through_a_connect_tunnel() {
    let pki = crate::tls::pki();
    let (base, answered, server) = crate::tls::https_server(&pki).await;
    let (proxy, tunnels) = connect_proxy().await;
    let client = Config::new("sk-test")
        .with_base_url(base)
        .with_root_certificate(&pki.ca_pem)
        .with_proxy(Proxy::new(proxy))
        .build()
        .unwrap();
    let task = client.task(&"t".into()).await.unwrap();
    assert_eq!(task.output.task_status, TaskStatus::Unknown);
    assert_eq!(tunnels.load(Ordering::SeqCst), 1);
    assert_eq!(answered.load(Ordering::SeqCst), 1);
    server.abort();
}
