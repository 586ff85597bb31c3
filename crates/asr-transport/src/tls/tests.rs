use super::*;

#[test]
fn uses_ring_until_a_process_default_provider_is_installed() {
    // Only this test installs a provider, so the first build sees none.
    assert!(CryptoProvider::get_default().is_none());
    let before = client_config(&[]).unwrap();
    assert!(!before.crypto_provider().cipher_suites.is_empty());

    // An application that installs its own provider (here: ring restricted to one suite) gets
    // exactly that provider in the client.
    let mut custom = rustls::crypto::ring::default_provider();
    custom.cipher_suites.truncate(1);
    custom.install_default().unwrap();
    let after = client_config(&[]).unwrap();
    let installed = CryptoProvider::get_default().unwrap();
    assert!(Arc::ptr_eq(after.crypto_provider(), installed));
    assert_eq!(after.crypto_provider().cipher_suites.len(), 1);
}

#[test]
fn pem_blocks_are_decoded_and_garbage_is_named() {
    let der = [0x30u8, 0x03, 0x02, 0x01, 0x05];
    let pem = "-----BEGIN CERTIFICATE-----\nMAMCAQU=\n-----END CERTIFICATE-----\n";
    assert_eq!(
        pem_certificates(pem.as_bytes()).unwrap(),
        vec![der.to_vec()]
    );
    let two = format!("{pem}{pem}");
    assert_eq!(pem_certificates(two.as_bytes()).unwrap().len(), 2);
    for bad in [
        "no blocks here",
        "-----BEGIN CERTIFICATE-----\nMAMC",
        "-----BEGIN CERTIFICATE-----\n*\n-----END CERTIFICATE-----",
    ] {
        let err = pem_certificates(bad.as_bytes()).unwrap_err();
        assert!(
            matches!(
                err,
                Error::Config {
                    field: "root_certificates",
                    ..
                }
            ),
            "{err}"
        );
    }
}
