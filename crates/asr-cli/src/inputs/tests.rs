use super::*;
use crate::testutil::TempDir;

fn names(items: &[Item]) -> Vec<String> {
    items
        .iter()
        .map(|i| {
            Path::new(&i.display)
                .file_name()
                .map_or(i.display.clone(), |n| n.to_string_lossy().into_owned())
        })
        .collect()
}

#[test]
fn urls_files_directories_and_lists_expand_in_order() {
    let dir = TempDir::new("inputs");
    let d = dir.path();
    fs::create_dir_all(d.join("rec/sub")).unwrap();
    fs::create_dir_all(d.join("rec/.hidden")).unwrap();
    for f in [
        "rec/b.wav",
        "rec/a.MP3",
        "rec/sub/c.flac",
        "rec/notes.txt",
        "rec/.hidden/x.wav",
    ] {
        fs::write(d.join(f), b"RIFF").unwrap();
    }
    fs::write(d.join("one.wav"), b"RIFF").unwrap();
    fs::write(
        d.join("list.txt"),
        "# a comment\n\none.wav\nhttps://example.com/u.mp3\n",
    )
    .unwrap();
    let raw = vec![
        "https://example.com/first.wav".to_owned(),
        d.join("rec").display().to_string(),
        format!("@{}", d.join("list.txt").display()),
        d.join("one.wav").display().to_string(),
    ];
    let items = expand(&raw).unwrap();
    assert_eq!(
        names(&items),
        ["first.wav", "a.MP3", "b.wav", "c.flac", "one.wav", "u.mp3"],
        "duplicates (one.wav twice) are dropped, hidden and unsupported files skipped"
    );
    assert!(items.iter().all(|i| i.problem.is_none()), "{items:?}");
    assert!(matches!(items[0].source, Source::Url(_)));
    assert!(Path::new(&items[1].key).is_absolute());
}

#[test]
fn each_bad_input_carries_a_clear_problem() {
    let dir = TempDir::new("inputs-bad");
    let d = dir.path();
    fs::write(d.join("notes.txt"), b"hello").unwrap();
    fs::write(d.join("empty.wav"), b"").unwrap();
    fs::create_dir_all(d.join("nothing")).unwrap();
    let big = fs::File::create(d.join("big.wav")).unwrap();
    big.set_len(MAX_FILE_BYTES + 1).unwrap();
    let raw: Vec<String> = [
        "missing.wav",
        "notes.txt",
        "empty.wav",
        "nothing",
        "big.wav",
    ]
    .iter()
    .map(|n| d.join(n).display().to_string())
    .chain(["ftp://host/a.wav".to_owned()])
    .collect();
    let items = expand(&raw).unwrap();
    let problems: Vec<&str> = items
        .iter()
        .map(|i| i.problem.as_deref().unwrap())
        .collect();
    assert!(problems[0].contains("no such file"), "{}", problems[0]);
    assert!(
        problems[1].contains("unsupported file type (`.txt`)"),
        "{}",
        problems[1]
    );
    assert!(problems[2].contains("empty"), "{}", problems[2]);
    assert!(
        problems[3].contains("no audio or video files"),
        "{}",
        problems[3]
    );
    assert!(problems[4].contains("over the 2 GB"), "{}", problems[4]);
    assert!(
        problems[5].contains("unsupported URL scheme `ftp`"),
        "{}",
        problems[5]
    );
}

#[test]
fn an_unreadable_list_stops_the_batch() {
    let err = expand(&["@/no/such/list.txt".to_owned()]).unwrap_err();
    assert_eq!(exit::classify(&err), exit::Kind::InvalidInput);
    assert!(
        err.to_string().contains("cannot read the input list"),
        "{err}"
    );
}
