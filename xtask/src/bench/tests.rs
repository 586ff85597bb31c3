use super::*;

#[test]
fn generated_document_has_the_promised_size_and_parses() {
    let doc = doc::funasr_document(1);
    let value: Value = serde_json::from_slice(&doc).expect("valid JSON");
    let sentences = value["transcripts"][0]["sentences"]
        .as_array()
        .expect("sentences");
    let words: usize = sentences
        .iter()
        .map(|s| s["words"].as_array().map_or(0, Vec::len))
        .sum();
    // ~3 words a second: 12 hours is ~130k words, one hour ~10.8k.
    assert!(
        (10_000..11_500).contains(&words),
        "{words} words in an hour"
    );
    let last_end = sentences
        .last()
        .and_then(|s| s["end_time"].as_u64())
        .expect("end");
    assert!(last_end <= 3_600_000 && last_end > 3_590_000, "{last_end}");
    assert_eq!(doc, doc::funasr_document(1), "deterministic");
    // The typed parser the CLI uses accepts it.
    let parsed =
        asr_protocol::endpoints::fetch_result::parse(http::Response::new(bytes::Bytes::from(doc)));
    assert!(parsed.is_ok(), "{parsed:?}");
}

#[test]
fn chunked_bodies_are_joined() {
    assert_eq!(
        dechunk("5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n"),
        "hello world"
    );
    assert_eq!(dechunk("zz\r\n"), "");
}

#[test]
fn table_marks_misses_and_names_the_machine() {
    let rows = vec![
        row("a", "1 s".into(), "≤ 2 s", check(true)),
        row("b", "3 s".into(), "≤ 2 s", check(false)),
        row("c", "8 MiB".into(), "—", Verdict::Info),
    ];
    let args = Args {
        files: 1,
        per_task: 1,
        processing_secs: 0.0,
        upload_mib: 0,
        render_hours: 1,
        runs: 1,
        out: None,
    };
    let table = render(&rows, &args);
    assert!(table.starts_with("Machine: "), "{table}");
    assert!(table.contains("| a | 1 s | ≤ 2 s | yes |"), "{table}");
    assert!(table.contains("| b | 3 s | ≤ 2 s | **no** |"), "{table}");
    assert!(table.contains("| c | 8 MiB | — | — |"), "{table}");
}

#[test]
fn own_usage_is_read() {
    let usage = self_usage().expect("getrusage");
    assert!(usage.max_rss_kib > 0);
    assert!(usage.user + usage.sys > 0.0);
}

#[test]
fn peak_rss_is_read_from_the_status_file() {
    let status = "Name:\txtask\nVmPeak:\t  20000 kB\nVmHWM:\t    8192 kB\nVmRSS:\t 4096 kB\n";
    assert_eq!(vm_hwm_kib(status), Some(8192));
    assert_eq!(vm_hwm_kib("Name: x\n"), None);
}

#[test]
fn the_median_run_is_reported() {
    assert_eq!(median_by(vec![3.0, 1.0, 2.0], |x| *x), 2.0);
    assert_eq!(median_by(vec![4.0, 1.0], |x| *x), 4.0);
    assert_eq!(median_by(vec![5.0], |x| *x), 5.0);
}
