//! Retry classification as a table.

use std::time::Duration;

use http::{HeaderMap, StatusCode};

use asr_protocol::Retryability::{self, After, Backoff, No};
use asr_protocol::retry::{Operation, Outcome, classify, may_resend};

fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
    let mut map = HeaderMap::new();
    for (name, value) in pairs {
        map.insert(*name, value.parse().expect("header value"));
    }
    map
}

/// Status, error code, response headers, expected verdict.
type Row = (
    u16,
    Option<&'static str>,
    &'static [(&'static str, &'static str)],
    Retryability,
);

#[test]
fn classification_table() {
    let secs = Duration::from_secs;
    #[rustfmt::skip]
    let table: &[Row] = &[
        (429, Some("Throttling.RateQuota"), &[], Backoff),
        (429, Some("Throttling"), &[("retry-after", "7")], After(secs(7))),
        (429, Some("Throttling.BurstRate"), &[], Backoff),
        (429, Some("LimitRequests"), &[], Backoff),
        (429, Some("Throttling.AllocationQuota"), &[], No),
        (400, Some("Throttling.AllocationQuota"), &[], No),
        (429, None, &[], Backoff),
        (500, Some("InternalError"), &[], Backoff),
        (502, None, &[], Backoff),
        (503, Some("ServiceUnavailable"), &[("retry-after", "2")], After(secs(2))),
        (504, Some("GatewayTimeout"), &[], Backoff),
        (408, None, &[], Backoff),
        (401, Some("InvalidApiKey"), &[], No),
        (401, Some("invalid_api_key"), &[], No),
        (400, Some("Arrearage"), &[], No),
        (403, Some("Arrearage"), &[], No),
        (400, Some("InvalidParameter"), &[], No),
        (403, Some("AccessDenied"), &[], No),
        (404, Some("ModelNotFound"), &[], No),
        (409, None, &[], No),
        (413, Some("BadRequest.TooLarge"), &[], No),
        (400, Some("DataInspectionFailed"), &[], No),
        (403, Some("AccessDenied.Unpurchased"), &[], No),
        (429, Some("AllocationQuota.FreeTierOnly"), &[], No),
        // An unlisted rate-limit code is still a rate limit, whatever the status.
        (400, Some("Throttling.TokenRate"), &[], Backoff),
        // The server's own verdict wins over the status and code...
        (400, Some("InvalidParameter"), &[("x-should-retry", "true")], Backoff),
        (503, None, &[("x-should-retry", "false")], No),
        // ...except for the kinds whose fix is the user's: retrying them only fails slowly.
        (429, Some("Throttling.AllocationQuota"), &[("x-should-retry", "true")], No),
        (400, Some("Arrearage"), &[("x-should-retry", "true")], No),
        (401, Some("InvalidApiKey"), &[("x-should-retry", "true")], No),
        (400, Some("DataInspectionFailed"), &[("x-should-retry", "true")], No),
        (403, Some("AccessDenied"), &[("x-should-retry", "true")], No),
        (503, None, &[("x-should-retry", "maybe")], Backoff),
        // retry-after-ms wins, fractions are kept, HTTP-dates and garbage are ignored.
        (429, None, &[("retry-after-ms", "1500"), ("retry-after", "9")], After(Duration::from_millis(1500))),
        (429, None, &[("retry-after", "0.25")], After(Duration::from_millis(250))),
        (429, None, &[("retry-after", "Wed, 21 Oct 2015 07:28:00 GMT")], Backoff),
        (429, None, &[("retry-after", "-3")], Backoff),
        // A business error inside HTTP 200 (two-layer model) is classified by its code.
        (200, Some("Throttling.RateQuota"), &[], Backoff),
        (200, Some("InvalidParameter"), &[], No),
    ];
    for (status, code, pairs, expected) in table {
        let status = StatusCode::from_u16(*status).expect("status");
        let got = classify(status, *code, &headers(pairs));
        assert_eq!(got, *expected, "{status} {code:?} {pairs:?}");
    }
}

#[test]
fn submits_are_resent_only_when_no_task_can_exist() {
    let none = HeaderMap::new();
    let response = |status: u16, code: Option<&'static str>| Outcome::Response {
        status: StatusCode::from_u16(status).expect("status"),
        code,
        headers: &none,
    };
    assert_eq!(
        may_resend(Operation::Submit, Outcome::ConnectFailed),
        Backoff
    );
    assert_eq!(may_resend(Operation::Submit, Outcome::NoResponse), No);
    assert_eq!(
        may_resend(
            Operation::Submit,
            response(429, Some("Throttling.RateQuota"))
        ),
        Backoff
    );
    assert_eq!(may_resend(Operation::Submit, response(503, None)), Backoff);
    assert_eq!(
        may_resend(Operation::Submit, response(500, Some("InternalError"))),
        No
    );
    assert_eq!(may_resend(Operation::Submit, response(504, None)), No);
    assert_eq!(
        may_resend(
            Operation::Submit,
            response(429, Some("Throttling.AllocationQuota"))
        ),
        No
    );

    assert_eq!(
        may_resend(Operation::Idempotent, Outcome::NoResponse),
        Backoff
    );
    assert_eq!(
        may_resend(Operation::Idempotent, response(500, None)),
        Backoff
    );
    assert_eq!(
        may_resend(
            Operation::Idempotent,
            response(400, Some("InvalidParameter"))
        ),
        No
    );
    assert_eq!(
        may_resend(Operation::Upload, response(403, Some("AccessDenied"))),
        No
    );
}
