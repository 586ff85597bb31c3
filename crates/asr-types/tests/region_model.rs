//! Regions, workspace ids and model families.

use asr_types::{FileInput, Model, ModelFamily, Region, WorkspaceId};

#[test]
fn region_ids_parse_and_print() {
    for region in Region::ALL {
        assert_eq!(region.id().parse::<Region>().unwrap(), region);
        assert_eq!(region.to_string(), region.id());
        let json = serde_json::to_value(region).unwrap();
        assert_eq!(serde_json::from_value::<Region>(json).unwrap(), region);
    }
    assert_eq!(
        " AP-SOUTHEAST-1 ".parse::<Region>().unwrap(),
        Region::ApSoutheast1
    );
}

#[test]
fn unknown_region_error_lists_the_valid_ids() {
    let err = "singapore".parse::<Region>().unwrap_err();
    assert_eq!(err.field, "region");
    let message = err.to_string();
    for region in Region::ALL {
        assert!(message.contains(region.id()), "{message}");
    }
    assert!(message.contains("`singapore`"), "{message}");
}

#[test]
fn shared_host_base_urls() {
    assert_eq!(
        Region::CnBeijing.native_base_url(),
        "https://dashscope.aliyuncs.com/api/v1"
    );
    assert_eq!(
        Region::ApSoutheast1.compatible_base_url(),
        "https://dashscope-intl.aliyuncs.com/compatible-mode/v1"
    );
    assert_eq!(
        Region::UsEast1.native_base_url(),
        "https://dashscope-us.aliyuncs.com/api/v1"
    );
    assert_eq!(
        Region::CnHongkong.native_base_url(),
        "https://cn-hongkong.dashscope.aliyuncs.com/api/v1"
    );
    assert!(!Region::EuCentral1.has_own_shared_host());
    assert!(Region::CnBeijing.has_own_shared_host());
    assert_eq!(Region::default(), Region::CnBeijing);
}

#[test]
fn workspace_host_base_urls() {
    let ws = WorkspaceId::new("llm-abc_123").unwrap();
    assert_eq!(
        Region::ApNortheast1.workspace_native_base_url(&ws),
        "https://llm-abc_123.ap-northeast-1.maas.aliyuncs.com/api/v1"
    );
    assert_eq!(
        Region::CnBeijing.workspace_compatible_base_url(&ws),
        "https://llm-abc_123.cn-beijing.maas.aliyuncs.com/compatible-mode/v1"
    );
    assert_eq!(
        Region::UsEast1.workspace_websocket_url(&ws),
        "wss://llm-abc_123.us-east-1.maas.aliyuncs.com/api-ws/v1/inference"
    );
}

#[test]
fn workspace_id_rules() {
    WorkspaceId::new("a").unwrap();
    WorkspaceId::new("0".repeat(64)).unwrap();
    for (bad, fragment) in [
        ("", "empty"),
        ("-abc", "starts with '-'"),
        ("_abc", "starts with '_'"),
        ("ab.c", "contains '.'"),
        ("evil.com/x", "contains '.'"),
        ("a b", "contains ' '"),
        ("工作区", "starts with"),
    ] {
        let err = WorkspaceId::new(bad).unwrap_err();
        assert_eq!(err.field, "workspace_id");
        let message = err.to_string();
        assert!(message.contains(fragment), "{bad:?}: {message}");
        assert!(message.contains("Model Studio console"), "{message}");
    }
    let err = WorkspaceId::new("a".repeat(65)).unwrap_err();
    assert!(err.to_string().contains("65 characters"), "{err}");
    assert!(serde_json::from_str::<WorkspaceId>("\"a.b\"").is_err());
    assert_eq!(
        serde_json::from_str::<WorkspaceId>("\"ws1\"")
            .unwrap()
            .as_str(),
        "ws1"
    );
}

#[test]
fn every_documented_model_has_the_expected_family() {
    use ModelFamily::*;
    let expected = [
        ("fun-asr", FunAsr),
        ("fun-asr-2025-11-07", FunAsr),
        ("fun-asr-2025-08-25", FunAsr),
        ("fun-asr-mtl", FunAsr),
        ("fun-asr-mtl-2025-08-25", FunAsr),
        ("paraformer-v2", Paraformer),
        ("paraformer-8k-v2", Paraformer),
        ("paraformer-v1", Paraformer),
        ("paraformer-8k-v1", Paraformer),
        ("paraformer-mtl-v1", Paraformer),
        ("qwen-audio-3.0-asr-flash-filetrans", QwenAudioFiletrans),
        ("qwen-audio-3.1-asr-flash-filetrans", QwenAudioFiletrans),
        ("qwen3-asr-flash-filetrans", Qwen3AsrFiletrans),
        ("qwen3-asr-flash-filetrans-2025-11-17", Qwen3AsrFiletrans),
        ("fun-asr-flash-2026-06-15", Flash),
        ("qwen-audio-3.0-asr-flash", Flash),
        ("qwen-audio-3.1-asr-flash", Flash),
        ("fun-asr-realtime", Realtime),
        ("qwen3-asr-flash", Qwen3AsrFlash),
        ("qwen3-asr-flash-2026-02-10", Qwen3AsrFlash),
        ("qwen3-asr-flash-2025-09-08", Qwen3AsrFlash),
        ("qwen3-asr-flash-us", Qwen3AsrFlash),
        ("qwen3-asr-flash-2025-09-08-us", Qwen3AsrFlash),
        ("qwen3-omni-flash", Omni),
        ("qwen3.5-omni-plus", Omni),
        ("qwen3.5-omni-flash", Omni),
        ("qwen-omni-turbo", Omni),
    ];
    assert_eq!(Model::DOCUMENTED.len(), expected.len());
    for (model, (id, family)) in Model::DOCUMENTED.iter().zip(expected) {
        assert_eq!(model.as_str(), id);
        assert_eq!(model.family(), family, "{id}");
        assert!(model.is_documented());
    }
    // Future snapshots follow their family; strangers are `Other`.
    assert_eq!(Model::new("fun-asr-2026-03-01").family(), FunAsr);
    assert_eq!(Model::new("paraformer-realtime-v2").family(), Realtime);
    assert_eq!(Model::new("sensevoice-v1").family(), Other);
    assert!(!Model::new("sensevoice-v1").is_documented());
}

#[test]
fn async_families_and_their_input_shapes() {
    assert_eq!(
        Model::FUN_ASR.family().file_input(),
        Some(FileInput::FileUrls)
    );
    assert_eq!(
        Model::PARAFORMER_V2.family().file_input(),
        Some(FileInput::FileUrls)
    );
    assert_eq!(
        Model::QWEN_AUDIO_3_1_ASR_FLASH_FILETRANS
            .family()
            .file_input(),
        Some(FileInput::FileUrls)
    );
    assert_eq!(
        Model::QWEN3_ASR_FLASH_FILETRANS.family().file_input(),
        Some(FileInput::FileUrl)
    );
    for sync in [
        Model::QWEN3_ASR_FLASH,
        Model::FUN_ASR_FLASH_2026_06_15,
        Model::QWEN_OMNI_TURBO,
    ] {
        assert!(!sync.family().is_async(), "{sync}");
        assert!(sync.family().synchronous_call_hint().is_some(), "{sync}");
    }
    assert!(ModelFamily::Other.synchronous_call_hint().is_none());
}

#[test]
fn model_serde_and_display() {
    let m: Model = serde_json::from_str("\"fun-asr\"").unwrap();
    assert_eq!(m, Model::FUN_ASR);
    assert_eq!(
        serde_json::to_string(&Model::from("x-1")).unwrap(),
        "\"x-1\""
    );
    assert_eq!(Model::PARAFORMER_8K_V2.to_string(), "paraformer-8k-v2");
}

#[test]
fn language_hint_rules_per_model() {
    let fun = Model::FUN_ASR.language_hints().unwrap();
    assert!(fun.only_first_used && fun.codes.contains(&"sk"));
    assert_eq!(
        Model::FUN_ASR_2025_08_25.language_hints().unwrap().codes,
        ["zh", "en"]
    );
    assert_eq!(
        Model::QWEN_AUDIO_3_0_ASR_FLASH_FILETRANS
            .language_hints()
            .unwrap()
            .max,
        Some(4)
    );
    assert!(
        Model::PARAFORMER_V2
            .language_hints()
            .unwrap()
            .codes
            .contains(&"yue")
    );
    assert!(Model::PARAFORMER_V1.rejects_language_hints());
    assert!(!Model::PARAFORMER_V2.rejects_language_hints());
}
