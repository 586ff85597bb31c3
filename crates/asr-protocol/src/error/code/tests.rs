use super::*;

#[test]
fn every_listed_code_reads_back_as_itself() {
    let listed = [
        "InvalidParameter",
        "InvalidParameter.DataInspection",
        "invalid_parameter_error",
        "InternalError.Algo.InvalidParameter",
        "DataInspectionFailed",
        "Arrearage",
        "InvalidFile.DownloadFailed",
        "InvalidFile.AudioLengthError",
        "UnsupportedOperation",
        "BadRequest.ResourceNotExist",
        "BadRequest.TooLarge",
        "ClientDisconnect",
        "Throttling.AllocationQuota",
        "AllocationQuota.FreeTierOnly",
        "InvalidApiKey",
        "NOT AUTHORIZED",
        "AccessDenied",
        "AccessDenied.Unpurchased",
        "Model.AccessDenied",
        "Workspace.AccessDenied",
        "ModelNotFound",
        "Model.NotExist",
        "Throttling",
        "Throttling.RateQuota",
        "Throttling.BurstRate",
        "LimitRequests",
        "InternalError",
        "InternalError.Algo",
        "InternalError.Timeout",
        "SystemError",
        "ModelUnavailable",
        "ServiceUnavailable",
        "GatewayTimeout",
    ];
    for wire in listed {
        let code = ErrorCode::from_wire(wire);
        assert!(!matches!(code, ErrorCode::Other(_)), "{wire} is not listed");
        assert_eq!(code.as_str(), wire);
        assert_eq!(code.to_string(), wire);
    }
    // The OpenAI-compatible spellings read as the native codes.
    assert_eq!(
        ErrorCode::from_wire("invalid_api_key"),
        ErrorCode::InvalidApiKey
    );
    assert_eq!(
        ErrorCode::from_wire("limit_requests"),
        ErrorCode::LimitRequests
    );
    let other: ErrorCode = "Something.New".parse().unwrap();
    assert_eq!(other, ErrorCode::Other("Something.New".to_owned()));
    assert_eq!(other.as_str(), "Something.New");
}

#[test]
fn the_five_kinds_whose_fix_is_the_users_are_never_retried() {
    let cases = [
        ("Arrearage", ErrorCategory::Billing),
        ("DataInspectionFailed", ErrorCategory::ContentModeration),
        ("InvalidApiKey", ErrorCategory::Credentials),
        ("invalid_api_key", ErrorCategory::Credentials),
        ("AccessDenied", ErrorCategory::Permission),
        ("AccessDenied.Unpurchased", ErrorCategory::Permission),
        ("AccessDenied.SomethingNew", ErrorCategory::Permission),
        ("Model.AccessDenied", ErrorCategory::Permission),
        ("Throttling.AllocationQuota", ErrorCategory::QuotaExhausted),
        (
            "AllocationQuota.FreeTierOnly",
            ErrorCategory::QuotaExhausted,
        ),
        (
            "AllocationQuota.SomethingNew",
            ErrorCategory::QuotaExhausted,
        ),
    ];
    for (wire, category) in cases {
        let got = ErrorCode::from_wire(wire).category();
        assert_eq!(got, category, "{wire}");
        assert!(got.is_never_retried() && !got.is_retryable(), "{wire}");
        assert!(got.advice().is_some(), "{wire} has no advice");
    }
    let advice: Vec<&str> = cases
        .iter()
        .filter_map(|(w, _)| ErrorCode::from_wire(w).category().advice())
        .collect();
    // Each kind says something of its own.
    let mut distinct = advice.clone();
    distinct.sort_unstable();
    distinct.dedup();
    assert_eq!(distinct.len(), 5, "{advice:?}");
}

#[test]
fn rate_limits_and_server_failures_are_retryable_and_unknown_codes_defer_to_the_status() {
    for wire in [
        "Throttling",
        "Throttling.RateQuota",
        "Throttling.BurstRate",
        "Throttling.TokenRate",
        "LimitRequests",
        "limit_requests",
    ] {
        assert_eq!(
            ErrorCode::from_wire(wire).category(),
            ErrorCategory::RateLimited,
            "{wire}"
        );
    }
    for wire in [
        "InternalError",
        "InternalError.Whatever",
        "ServiceUnavailable",
        "GatewayTimeout",
    ] {
        assert!(
            ErrorCode::from_wire(wire).category().is_retryable(),
            "{wire}"
        );
    }
    let unknown = ErrorCode::from_wire("Nobody.KnowsThis").category();
    assert_eq!(unknown, ErrorCategory::Unknown);
    assert!(!unknown.is_never_retried() && unknown.advice().is_none());
    assert_eq!(
        ErrorCode::from_wire("InvalidFile.Whatever").category(),
        ErrorCategory::InvalidRequest
    );
}
