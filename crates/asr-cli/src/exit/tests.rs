use super::*;

#[test]
fn a_failure_keeps_its_kind_under_added_context() {
    let err = invalid_input("`--speakers`: must be 2 to 100").context("cannot submit a.wav");
    assert_eq!(classify(&err), Kind::InvalidInput);
    assert_eq!(classify(&err).code(), INVALID_INPUT);
}

#[test]
fn network_io_errors_are_network_and_other_errors_unexpected() {
    let err = anyhow::Error::new(std::io::Error::from(std::io::ErrorKind::TimedOut));
    assert_eq!(classify(&err), Kind::Network);
    let err = anyhow::Error::new(std::io::Error::from(std::io::ErrorKind::PermissionDenied));
    assert_eq!(classify(&err), Kind::Unexpected);
    assert_eq!(classify(&anyhow::anyhow!("boom")).code(), UNEXPECTED);
}

#[test]
fn the_report_is_a_headline_and_its_cause_chain() {
    let inner = Failure::new(Kind::Rejected, "the service refused the task")
        .with_source(std::io::Error::other("InvalidParameter: bad url"));
    let err = anyhow::Error::new(inner).context("cannot transcribe a.wav");
    assert_eq!(
        render(&err),
        "error: cannot transcribe a.wav\n  caused by: the service refused the task\n  caused by: \
         InvalidParameter: bad url"
    );
    assert_eq!(classify(&err), Kind::Rejected);
}

#[test]
fn every_code_is_distinct_and_documented_in_help() {
    let kinds = [
        Kind::Unexpected,
        Kind::Usage,
        Kind::InvalidInput,
        Kind::Auth,
        Kind::Rejected,
        Kind::Network,
        Kind::SomeFailed,
        Kind::Interrupted,
    ];
    let mut codes: Vec<u8> = kinds.iter().map(|k| k.code()).collect();
    codes.sort_unstable();
    codes.dedup();
    assert_eq!(codes, [1, 2, 3, 4, 5, 6, 7, 130]);
    for code in codes {
        assert!(
            HELP.lines()
                .any(|l| l.trim_start().starts_with(&format!("{code} "))),
            "{code} missing from the help text"
        );
    }
}
