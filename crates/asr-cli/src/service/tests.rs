use asr_protocol::ResponseError;

use super::*;

fn api_error(status: u16, code: &str, message: &str) -> ResponseError {
    let body = serde_json::json!({"code": code, "message": message, "request_id": "r"});
    asr_protocol::error::parse_error(
        http::StatusCode::from_u16(status).unwrap(),
        &http::HeaderMap::new(),
        body.to_string().as_bytes(),
    )
}

#[test]
fn refused_credentials_are_auth_and_other_refusals_are_rejections() {
    let cases = [
        (
            401,
            "InvalidApiKey",
            "Invalid API-key provided.",
            Kind::Auth,
        ),
        (
            400,
            "Arrearage",
            "Access denied, please make sure your account is in good standing.",
            Kind::Auth,
        ),
        (403, "AccessDenied", "Workspace not accessible.", Kind::Auth),
        (
            403,
            "AccessDenied",
            "current user api does not support synchronous calls.",
            Kind::Rejected,
        ),
        (
            403,
            "AccessDenied",
            "Invalid according to Policy: Policy expired.",
            Kind::Rejected,
        ),
        (
            400,
            "InvalidParameter",
            "input must contain file_urls",
            Kind::Rejected,
        ),
        (
            429,
            "Throttling.RateQuota",
            "Requests rate limit exceeded.",
            Kind::Network,
        ),
        (503, "ServiceUnavailable", "try later", Kind::Network),
        (
            400,
            "DataInspectionFailed",
            "Input or output data may contain inappropriate content.",
            Kind::Rejected,
        ),
        (
            429,
            "Throttling.AllocationQuota",
            "Allocated quota exceeded, please increase your quota limit.",
            Kind::Rejected,
        ),
        (403, "AccessDenied.Unpurchased", "not purchased", Kind::Auth),
        (403, "Model.AccessDenied", "no access", Kind::Auth),
        (401, "NOT AUTHORIZED", "workspace", Kind::Auth),
        (400, "Throttling.BurstRate", "burst", Kind::Network),
    ];
    for (status, code, message, kind) in cases {
        assert_eq!(
            response(&api_error(status, code, message)),
            kind,
            "{status} {code}"
        );
    }
}
