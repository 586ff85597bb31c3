//! An outside send gate: every task-API attempt, submit and upload-policy call asks it first,
//! and a refusal sends nothing.

use std::sync::{Arc, Mutex};

use asr_transport::layers::{GateFuture, GateKind, SendGate};
use asr_transport::{Error, Model, TranscriptionRequest};

use crate::{TempDir, client_config, fast, logged, write_wav};

/// Records what it was asked for; refuses submits when told to.
#[derive(Debug, Default)]
struct Recorder {
    asked: Mutex<Vec<GateKind>>,
    refuse_submits: bool,
}

impl SendGate for Recorder {
    fn acquire(&self, kind: &GateKind) -> GateFuture<'_> {
        self.asked.lock().unwrap().push(kind.clone());
        let refuse = self.refuse_submits && matches!(kind, GateKind::Submit { .. });
        Box::pin(async move {
            if refuse {
                Err("lease lost".into())
            } else {
                Ok(())
            }
        })
    }
}

#[tokio::test]
async fn submits_queries_and_policy_calls_pass_the_gate() {
    let emu = asr_emulator::Emulator::start(fast()).await.unwrap();
    let gate = Arc::new(Recorder::default());
    let client = client_config(&emu)
        .with_send_gate(gate.clone())
        .build()
        .unwrap();
    let dir = TempDir::new("gate");
    let wav = dir.path().join("a.wav");
    write_wav(&wav, 500);
    let upload = client.upload(&wav, &Model::FUN_ASR).await.unwrap();
    let task = client
        .submit(TranscriptionRequest::new(Model::FUN_ASR, [upload.oss_url]))
        .await
        .unwrap()
        .output
        .task_id;
    client.task(&task).await.unwrap();
    let asked = gate.asked.lock().unwrap().clone();
    assert_eq!(
        asked,
        [
            GateKind::UploadPolicy {
                model: Model::FUN_ASR
            },
            GateKind::Submit {
                model: Model::FUN_ASR
            },
            GateKind::TaskApi,
        ]
    );
}

#[tokio::test]
async fn a_refused_submit_is_never_sent_and_is_not_ambiguous() {
    let emu = asr_emulator::Emulator::start(fast()).await.unwrap();
    let gate = Arc::new(Recorder {
        refuse_submits: true,
        ..Recorder::default()
    });
    let client = client_config(&emu).with_send_gate(gate).build().unwrap();
    let err = client
        .submit(TranscriptionRequest::new(
            Model::FUN_ASR,
            ["https://example.com/a.wav"],
        ))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Gate { .. }), "{err:?}");
    assert!(logged(&emu, "submit").is_empty());
}
