use super::*;
use crate::testutil::TempDir;

fn names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

fn render(d: Delivery<'_>) -> Result<Vec<OutputFile>, SinkError> {
    let text = std::str::from_utf8(d.document)?;
    Ok(vec![
        OutputFile::new(format!("{}.txt", d.index), text.as_bytes().to_vec()),
        OutputFile::new(format!("{}.json", d.index), d.document.to_vec()),
    ])
}

fn deliver<R>(
    sink: &DirSink<R>,
    index: usize,
    doc: &'static [u8],
) -> Result<Delivered<Vec<String>>, SinkError>
where
    R: Fn(Delivery<'_>) -> Result<Vec<OutputFile>, SinkError> + Send + Sync + 'static,
{
    let input = Input::parse("https://example.com/a.wav");
    let task = TaskId::new("t");
    let document = Bytes::from_static(doc);
    sink.deliver(Delivery {
        index,
        input: &input,
        task_id: &task,
        file_url: "https://example.com/a.wav",
        document: &document,
    })
}

#[test]
fn outputs_replace_their_targets_whole_and_leave_no_temporary_file() {
    let dir = TempDir::new("atomic");
    fs::write(dir.join("0.txt"), "old contents").unwrap();
    let sink = DirSink::new(dir.path(), vec!["txt".into(), "json".into()], render);
    sink.prepare().unwrap();
    let delivered = deliver(&sink, 0, b"{\"new\":true}").unwrap();
    assert_eq!(delivered.output, ["0.txt", "0.json"]);
    let done = delivered.done.unwrap();
    assert_eq!(done.formats, ["txt", "json"]);
    sink.sync().unwrap();
    assert_eq!(fs::read(dir.join("0.txt")).unwrap(), b"{\"new\":true}");
    assert_eq!(names(dir.path()), ["0.json", "0.txt"]);
    assert!(sink.is_complete(0, &done));
}

#[test]
fn a_failed_render_writes_nothing() {
    let dir = TempDir::new("bad-doc");
    let sink = DirSink::new(dir.path(), vec!["txt".into()], render);
    assert!(deliver(&sink, 3, b"\xff\xfe not utf-8").is_err());
    assert!(names(dir.path()).is_empty());
}

#[test]
fn temporary_files_of_a_killed_run_are_removed_on_start() {
    let dir = TempDir::new("leftovers");
    fs::write(dir.join(".asr-tmp-Xy12ab"), "half a file").unwrap();
    fs::write(dir.join("keep.txt"), "mine").unwrap();
    fs::write(dir.join(".asr-journal.jsonl"), "{}").unwrap();
    let sink = DirSink::new(dir.path(), vec!["txt".into()], render);
    sink.prepare().unwrap();
    assert_eq!(names(dir.path()), [".asr-journal.jsonl", "keep.txt"]);
}

#[test]
fn completeness_needs_every_format_asked_and_every_file_on_disk() {
    let dir = TempDir::new("complete");
    let done = DoneRecord::new(
        vec!["a.txt".into(), "a.ch0.srt".into(), "a.ch1.srt".into()],
        vec!["txt".into(), "srt".into()],
    );
    let sink = |formats: &[&str]| {
        DirSink::new(
            dir.path(),
            formats.iter().map(|f| (*f).to_owned()).collect(),
            render,
        )
    };
    assert!(
        !sink(&["txt", "srt"]).is_complete(0, &done),
        "files missing"
    );
    for f in ["a.txt", "a.ch0.srt", "a.ch1.srt"] {
        fs::write(dir.join(f), "x").unwrap();
    }
    assert!(sink(&["txt", "srt"]).is_complete(0, &done));
    assert!(sink(&["srt"]).is_complete(0, &done));
    assert!(
        !sink(&["vtt"]).is_complete(0, &done),
        "a format not written before is not complete"
    );
    fs::remove_file(dir.join("a.ch1.srt")).unwrap();
    assert!(
        !sink(&["txt"]).is_complete(0, &done),
        "a deleted output is redone"
    );
}

#[test]
fn write_atomic_makes_missing_targets_and_never_leaves_a_temporary_file_on_failure() {
    let dir = TempDir::new("write");
    write_atomic(dir.path(), "x.txt", b"1", true).unwrap();
    write_atomic(dir.path(), "x.txt", b"22", false).unwrap();
    assert_eq!(fs::read(dir.join("x.txt")).unwrap(), b"22");
    // A target that is a directory cannot be replaced: the error leaves no temporary file.
    fs::create_dir(dir.join("taken")).unwrap();
    fs::write(dir.join("taken/inside"), "x").unwrap();
    assert!(write_atomic(dir.path(), "taken", b"3", false).is_err());
    assert_eq!(names(dir.path()), ["taken", "x.txt"]);
}

#[test]
fn the_memory_sink_parses_documents_and_refuses_garbage() {
    let sink = MemorySink;
    let input = Input::parse("https://example.com/a.wav");
    let task = TaskId::new("t");
    let good = Bytes::from_static(
        br#"{"file_url":"https://example.com/a.wav","properties":{},"transcripts":[{"channel_id":0,"text":"hello","sentences":[]}]}"#,
    );
    let d = sink
        .deliver(Delivery {
            index: 0,
            input: &input,
            task_id: &task,
            file_url: "https://example.com/a.wav",
            document: &good,
        })
        .unwrap();
    assert!(d.done.is_none(), "nothing persists");
    assert_eq!(d.output.text(), "hello");
    assert_eq!(d.output.raw, good);
    let bad = Bytes::from_static(b"<html>");
    assert!(
        sink.deliver(Delivery {
            index: 0,
            input: &input,
            task_id: &task,
            file_url: "",
            document: &bad,
        })
        .is_err()
    );
}
