use std::fs;

use super::*;
use crate::input::OptionsId;
use crate::journal::{Event, Record};
use crate::testutil::TempDir;

fn key(s: &str) -> InputKey {
    InputKey::from_parts(s, Some(OptionsId(1)))
}

fn submitted(s: &str, task: &str) -> Record {
    Record::input(
        key(s),
        1_700_000_000,
        Event::Submitted {
            task_id: task.into(),
        },
    )
}

fn block_on<T>(f: impl std::future::Future<Output = T>) -> T {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(f)
}

fn task_of(replay: &Replay, s: &str) -> Option<String> {
    replay
        .state(&key(s))
        .and_then(|st| st.task_id.as_ref())
        .map(|t| t.as_str().to_owned())
}

#[test]
fn a_new_journal_starts_with_a_header_and_reads_back_what_was_appended() {
    let dir = TempDir::new("new");
    let path = dir.join("sub/dir/.asr-journal.jsonl");
    let store = JsonlStore::open(&path).unwrap();
    block_on(store.append(&[submitted("a", "t1"), submitted("b", "t2")])).unwrap();
    drop(store);
    let text = fs::read_to_string(&path).unwrap();
    assert!(text.starts_with("{\"asr_journal\":1,"), "{text}");
    assert_eq!(
        text.lines().count(),
        3,
        "one write, one line per record: {text}"
    );
    let store = JsonlStore::open(&path).unwrap();
    let replay = block_on(store.load()).unwrap();
    assert!(replay.has_header);
    assert_eq!(task_of(&replay, "a").as_deref(), Some("t1"));
    assert_eq!(task_of(&replay, "b").as_deref(), Some("t2"));
}

/// One run per journal: a second open is refused at once while the first holds it, and works
/// once it is gone.
#[test]
fn a_second_run_on_the_same_journal_is_refused() {
    let dir = TempDir::new("lock");
    let path = dir.join(crate::journal::FILE_NAME);
    let first = JsonlStore::open(&path).unwrap();
    let before = fs::read(&path).unwrap();
    let err = JsonlStore::open(&path).unwrap_err();
    assert!(matches!(err, StoreError::Locked { .. }), "{err}");
    assert!(
        err.to_string().contains("another run is using the journal"),
        "{err}"
    );
    assert_eq!(
        fs::read(&path).unwrap(),
        before,
        "the refused run wrote nothing"
    );
    drop(first);
    JsonlStore::open(&path).unwrap();
}

/// A file that is someone else's is refused and left byte for byte as it was, whatever its
/// last line looks like (a missing final newline used to be "repaired" by truncation).
#[test]
fn a_file_that_is_not_a_journal_is_refused_untouched() {
    let dir = TempDir::new("foreign");
    for (name, content) in [
        ("notes.txt", &b"shopping list\nmilk"[..]),
        ("one-line.txt", b"no newline at all"),
        ("data.json", b"{\"name\":\"mine\"}\n{\"name\":\"too\"}"),
        ("binary.bin", b"\x7fELF\x02\x01\x01\x00"),
    ] {
        let path = dir.join(name);
        fs::write(&path, content).unwrap();
        let err = JsonlStore::open(&path).unwrap_err();
        assert!(
            matches!(err, StoreError::NotAJournal { .. }),
            "{name}: {err}"
        );
        assert!(err.to_string().contains("left untouched"), "{err}");
        assert_eq!(fs::read(&path).unwrap(), content, "{name} was changed");
    }
}

#[cfg(unix)]
#[test]
fn paths_that_are_not_regular_files_are_refused_before_reading() {
    let dir = TempDir::new("special");
    let err = JsonlStore::open(dir.path()).unwrap_err();
    assert!(
        matches!(
            err,
            StoreError::NotAFile {
                what: "a directory",
                ..
            }
        ),
        "{err}"
    );
    // Reading /dev/zero would never end.
    let err = JsonlStore::open("/dev/zero").unwrap_err();
    assert!(
        matches!(
            err,
            StoreError::NotAFile {
                what: "a device",
                ..
            }
        ),
        "{err}"
    );
}

/// Opening a FIFO for reading would block until a writer came. (Made with a system call, not
/// by spawning `mkfifo`: a child process forked meanwhile would hold other tests' journal
/// locks until it execs.)
#[cfg(target_os = "linux")]
#[test]
fn a_fifo_is_refused_without_blocking() {
    let dir = TempDir::new("fifo");
    let fifo = dir.join("fifo");
    rustix::fs::mkfifoat(
        rustix::fs::CWD,
        &fifo,
        rustix::fs::Mode::RUSR | rustix::fs::Mode::WUSR,
    )
    .unwrap();
    let err = JsonlStore::open(&fifo).unwrap_err();
    assert!(
        matches!(err, StoreError::NotAFile { what: "a FIFO", .. }),
        "{err}"
    );
    assert!(err.to_string().contains("not a file"), "{err}");
}

/// Cut a journal at every byte, as a kill mid-write could: opening keeps exactly the complete
/// lines, cuts the torn tail off, and the next record lands on a line of its own.
#[test]
fn a_journal_cut_at_any_byte_opens_and_appends_cleanly() {
    let dir = TempDir::new("cut");
    let full_path = dir.join("full.jsonl");
    let store = JsonlStore::open(&full_path).unwrap();
    block_on(store.append(&[
        submitted("a", "ta"),
        submitted("b", "tb"),
        submitted("c", "tc"),
    ]))
    .unwrap();
    drop(store);
    let full = fs::read(&full_path).unwrap();
    let line_ends: Vec<usize> = full
        .iter()
        .enumerate()
        .filter(|(_, b)| **b == b'\n')
        .map(|(i, _)| i + 1)
        .collect();
    let path = dir.join("cut.jsonl");
    for cut in 0..=full.len() {
        fs::write(&path, &full[..cut]).unwrap();
        let kept = line_ends
            .iter()
            .rev()
            .find(|&&end| end <= cut)
            .copied()
            .unwrap_or(0);
        let store = JsonlStore::open(&path).unwrap_or_else(|e| panic!("cut at {cut}: {e}"));
        let on_disk = fs::read(&path).unwrap();
        if kept == 0 {
            // Nothing complete: a fresh header replaces the cut-off start of one.
            assert_eq!(
                on_disk.iter().filter(|b| **b == b'\n').count(),
                1,
                "cut at {cut}"
            );
        } else {
            assert_eq!(
                on_disk,
                full[..kept],
                "cut at {cut}: the torn tail is removed"
            );
        }
        block_on(store.append(&[submitted("z", "tz")])).unwrap();
        drop(store);
        let store = JsonlStore::open(&path).unwrap();
        let replay = block_on(store.load()).unwrap();
        assert_eq!(task_of(&replay, "z").as_deref(), Some("tz"), "cut at {cut}");
        let complete = line_ends.iter().filter(|&&end| end <= cut).count();
        assert_eq!(
            task_of(&replay, "a").is_some(),
            complete >= 2,
            "cut at {cut}"
        );
    }
}

#[test]
fn a_damaged_line_in_the_middle_is_reported_and_nothing_is_cut() {
    let dir = TempDir::new("damaged");
    let path = dir.join("j.jsonl");
    let store = JsonlStore::open(&path).unwrap();
    block_on(store.append(&[submitted("a", "ta")])).unwrap();
    drop(store);
    let mut text = fs::read(&path).unwrap();
    text.extend_from_slice(
        b"garbage\n{\"input\":\"b\",\"at\":1,\"event\":\"submitted\",\"task_id\":\"t",
    );
    fs::write(&path, &text).unwrap();
    let err = JsonlStore::open(&path).unwrap_err();
    assert!(err.to_string().contains("line 3"), "{err}");
    assert_eq!(fs::read(&path).unwrap(), text);
}

#[test]
fn an_empty_existing_file_becomes_a_journal() {
    let dir = TempDir::new("empty");
    let path = dir.join("j.jsonl");
    fs::write(&path, b"").unwrap();
    drop(JsonlStore::open(&path).unwrap());
    assert!(
        fs::read_to_string(&path)
            .unwrap()
            .starts_with("{\"asr_journal\"")
    );
}

#[test]
fn the_memory_store_replays_what_it_was_given() {
    let store = MemoryStore::new();
    block_on(store.append(&[submitted("a", "t")])).unwrap();
    let replay = block_on(store.load()).unwrap();
    assert_eq!(task_of(&replay, "a").as_deref(), Some("t"));
    assert_eq!(
        block_on(store.claim(&[key("a"), key("b")])).unwrap(),
        [0, 1]
    );
    assert!(store.location().is_none());
}
