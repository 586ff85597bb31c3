//! Temporary uploads: policy, the multipart receiver, and `oss://` resolution.

use std::time::Duration;

use asr_emulator::EmulatorConfig;
use http::Method;
use serde_json::{Value, json};

use crate::client::{Http, fast, start};

/// A 16 kHz mono 16-bit WAV of `ms` milliseconds of silence.
pub fn wav(ms: u32) -> Vec<u8> {
    let data_len = 32 * ms;
    let mut h = Vec::new();
    h.extend_from_slice(b"RIFF");
    h.extend_from_slice(&(36 + data_len).to_le_bytes());
    h.extend_from_slice(b"WAVEfmt ");
    h.extend_from_slice(&16u32.to_le_bytes());
    h.extend_from_slice(&1u16.to_le_bytes());
    h.extend_from_slice(&1u16.to_le_bytes());
    h.extend_from_slice(&16_000u32.to_le_bytes());
    h.extend_from_slice(&32_000u32.to_le_bytes());
    h.extend_from_slice(&2u16.to_le_bytes());
    h.extend_from_slice(&16u16.to_le_bytes());
    h.extend_from_slice(b"data");
    h.extend_from_slice(&data_len.to_le_bytes());
    h.resize(h.len() + data_len as usize, 0);
    h
}

/// A multipart body with `fields` in order and the file last (unless `file_first`).
pub fn multipart(
    fields: &[(&str, String)],
    file_name: &str,
    file: &[u8],
    file_first: bool,
) -> Vec<u8> {
    let mut out = Vec::new();
    let text = |out: &mut Vec<u8>, k: &str, v: &str| {
        out.extend_from_slice(
            format!("--XyZ\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n")
                .as_bytes(),
        );
    };
    let file_part = |out: &mut Vec<u8>| {
        out.extend_from_slice(
            format!("--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{file_name}\"\r\nContent-Type: audio/wav\r\n\r\n").as_bytes(),
        );
        out.extend_from_slice(file);
        out.extend_from_slice(b"\r\n");
    };
    if file_first {
        file_part(&mut out);
    }
    for (k, v) in fields {
        text(&mut out, k, v);
    }
    if !file_first {
        file_part(&mut out);
    }
    out.extend_from_slice(b"--XyZ--\r\n");
    out
}

pub fn sdk_fields(data: &Value, key: &str) -> Vec<(&'static str, String)> {
    let s = |k: &str| data[k].as_str().unwrap_or_default().to_owned();
    vec![
        ("OSSAccessKeyId", s("oss_access_key_id")),
        ("Signature", s("signature")),
        ("policy", s("policy")),
        ("key", key.to_owned()),
        ("x-oss-object-acl", s("x_oss_object_acl")),
        ("x-oss-forbid-overwrite", s("x_oss_forbid_overwrite")),
        ("success_action_status", "200".to_owned()),
        ("x-oss-content-type", "audio/wav".to_owned()),
    ]
}

pub async fn policy(http: &Http, emu: &asr_emulator::EmulatorHandle) -> Value {
    let r = http
        .get(&format!(
            "{}/uploads?action=getPolicy&model=fun-asr",
            emu.native_base()
        ))
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    let v = r.json();
    assert!(v["output"].is_null());
    v["data"].clone()
}

pub async fn upload(
    http: &Http,
    data: &Value,
    fields: &[(&str, String)],
    name: &str,
    file: &[u8],
    file_first: bool,
) -> crate::client::Resp {
    let host = data["upload_host"].as_str().expect("upload_host");
    // No Authorization: the upload host never needs it.
    http.send(
        Method::POST,
        host,
        &[
            ("content-type", "multipart/form-data; boundary=XyZ"),
            ("accept", "application/json"),
        ],
        multipart(fields, name, file, file_first),
    )
    .await
}

#[tokio::test]
async fn policy_upload_and_oss_submit() {
    let (emu, http) = start(fast()).await;
    let data = policy(&http, &emu).await;
    assert_eq!(
        data["upload_host"],
        format!("{}/oss-upload", emu.base_url())
    );
    assert_eq!(data["expire_in_seconds"], 300);
    assert_eq!(data["max_file_size_mb"], 100);
    assert_eq!(data["x_oss_object_acl"], "private");
    assert_eq!(data["x_oss_forbid_overwrite"], "true");
    let dir = data["upload_dir"].as_str().expect("dir");
    assert!(dir.starts_with("dashscope-instant/"), "{dir}");
    let key = format!("{dir}/three_seconds.wav");
    let r = upload(
        &http,
        &data,
        &sdk_fields(&data, &key),
        "three_seconds.wav",
        &wav(3000),
        false,
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert!(r.body.is_empty());

    // Same key again: overwrite is forbidden.
    let r = upload(
        &http,
        &data,
        &sdk_fields(&data, &key),
        "three_seconds.wav",
        &wav(3000),
        false,
    )
    .await;
    assert_eq!(r.status, 409);

    let oss = format!("oss://{key}");
    let body = json!({"model": "fun-asr", "input": {"file_urls": [oss]}});
    let url = format!("{}/services/audio/asr/transcription", emu.native_base());
    let r = http
        .post_json(&url, &body, &[("x-dashscope-async", "enable")])
        .await;
    assert_eq!(r.status, 400, "oss:// needs the resolve header");
    let r = http
        .post_json(
            &url,
            &body,
            &[
                ("x-dashscope-async", "enable"),
                ("x-dashscope-ossresourceresolve", "enable"),
            ],
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    let id = r.json()["output"]["task_id"]
        .as_str()
        .expect("id")
        .to_owned();
    let done = http.wait(&emu, &id).await;
    assert_eq!(done["output"]["results"][0]["subtask_status"], "SUCCEEDED");
    let doc = http
        .plain_get(
            done["output"]["results"][0]["transcription_url"]
                .as_str()
                .expect("url"),
        )
        .await
        .json();
    // Duration and format come from the uploaded WAV header.
    assert_eq!(doc["properties"]["original_duration_in_milliseconds"], 3000);
    assert_eq!(doc["properties"]["audio_format"], "pcm_s16le");
    assert_eq!(doc["file_url"], oss);

    // An oss:// URL never uploaded fails its file, not the submit.
    let body =
        json!({"model": "fun-asr", "input": {"file_urls": [format!("oss://{dir}/missing.wav")]}});
    let r = http
        .post_json(
            &url,
            &body,
            &[
                ("x-dashscope-async", "enable"),
                ("x-dashscope-ossresourceresolve", "enable"),
            ],
        )
        .await;
    let id = r.json()["output"]["task_id"]
        .as_str()
        .expect("id")
        .to_owned();
    let done = http.wait(&emu, &id).await;
    assert_eq!(
        done["output"]["results"][0]["code"],
        "InvalidFile.DownloadFailed"
    );
}

#[tokio::test]
async fn expired_policy_is_refused() {
    let (emu, http) = start(fast().with_upload_policy_ttl(Duration::ZERO)).await;
    let data = policy(&http, &emu).await;
    let key = format!("{}/a.wav", data["upload_dir"].as_str().expect("dir"));
    let r = upload(
        &http,
        &data,
        &sdk_fields(&data, &key),
        "a.wav",
        &wav(100),
        false,
    )
    .await;
    assert_eq!(r.status, 403);
    assert!(
        r.text().contains("<Code>AccessDenied</Code>"),
        "{}",
        r.text()
    );
    assert!(
        r.text()
            .contains("Invalid according to Policy: Policy expired.")
    );
}

#[tokio::test]
async fn upload_form_is_checked() {
    let (emu, http) = start(EmulatorConfig::new().with_max_file_size_mb(1)).await;
    let data = policy(&http, &emu).await;
    let dir = data["upload_dir"].as_str().expect("dir").to_owned();
    let fields = sdk_fields(&data, &format!("{dir}/a.wav"));

    // `file` not last.
    let r = upload(&http, &data, &fields, "a.wav", &wav(100), true).await;
    assert_eq!(r.status, 400, "{}", r.text());
    assert!(r.text().contains("InvalidArgument"));

    // Over max_file_size_mb.
    let big = vec![1u8; 1024 * 1024 + 1];
    let r = upload(&http, &data, &fields, "a.wav", &big, false).await;
    assert_eq!(r.status, 400);
    assert!(r.text().contains("EntityTooLarge"), "{}", r.text());

    // Forged signature.
    let mut forged = fields.clone();
    forged[1].1 = "Zm9yZ2Vk".to_owned();
    let r = upload(&http, &data, &forged, "a.wav", &wav(100), false).await;
    assert_eq!(r.status, 403);
    assert!(r.text().contains("SignatureDoesNotMatch"));

    // A key outside the policy's directory.
    let outside = sdk_fields(&data, "elsewhere/a.wav");
    let r = upload(&http, &data, &outside, "a.wav", &wav(100), false).await;
    assert_eq!(r.status, 403);

    // Missing a required field.
    let r = upload(&http, &data, &fields[1..], "a.wav", &wav(100), false).await;
    assert_eq!(r.status, 400);

    // Not multipart at all.
    let host = data["upload_host"].as_str().expect("host");
    let r = http
        .send(
            Method::POST,
            host,
            &[("content-type", "application/json")],
            b"{}".to_vec(),
        )
        .await;
    assert_eq!(r.status, 400);

    // Without success_action_status the answer is 204.
    let mut no_status = fields.clone();
    no_status.retain(|(k, _)| *k != "success_action_status");
    let r = upload(&http, &data, &no_status, "a.wav", &wav(100), false).await;
    assert_eq!(r.status, 204, "{}", r.text());
}

#[tokio::test]
async fn policy_request_is_validated() {
    let (emu, http) = start(fast()).await;
    let r = http
        .get(&format!("{}/uploads?action=getPolicy", emu.native_base()))
        .await;
    assert_eq!(r.status, 400);
    let r = http
        .get(&format!(
            "{}/uploads?action=other&model=fun-asr",
            emu.native_base()
        ))
        .await;
    assert_eq!(r.status, 400);
}

#[tokio::test]
async fn large_uploads_stream_through() {
    // 40 MB: exercises the streaming receiver across many frames.
    let (emu, http) = start(fast()).await;
    let data = policy(&http, &emu).await;
    let key = format!("{}/big.wav", data["upload_dir"].as_str().expect("dir"));
    let mut file = wav(1000);
    file.resize(40 * 1024 * 1024, 3);
    let r = upload(
        &http,
        &data,
        &sdk_fields(&data, &key),
        "big.wav",
        &file,
        false,
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text());
    let log = emu.requests();
    let upload_entry = log["requests"]
        .as_array()
        .and_then(|a| a.iter().find(|e| e["endpoint"] == "upload"))
        .expect("logged");
    assert!(
        upload_entry["body_size"]
            .as_u64()
            .is_some_and(|n| n > 40 * 1024 * 1024)
    );
}
