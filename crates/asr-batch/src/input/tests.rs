use super::*;

#[test]
fn inputs_are_urls_or_paths() {
    assert_eq!(
        Input::parse("HTTPS://x/a.wav"),
        Input::Url("HTTPS://x/a.wav".into())
    );
    assert_eq!(
        Input::parse("oss://bucket/k"),
        Input::Url("oss://bucket/k".into())
    );
    assert_eq!(
        Input::parse("file:///tmp/a.wav"),
        Input::Path("/tmp/a.wav".into())
    );
    assert_eq!(Input::parse("a.wav"), Input::Path("a.wav".into()));
}

#[test]
fn a_file_is_one_input_however_its_path_is_written() {
    let dir = std::env::temp_dir().join(format!("asr-batch-input-{}", std::process::id()));
    std::fs::create_dir_all(dir.join("sub")).unwrap();
    let file = dir.join("a.wav");
    std::fs::write(&file, b"x").unwrap();
    let plain = Input::Path(file.clone()).source();
    let dotted = Input::Path(dir.join("sub/../a.wav")).source();
    assert_eq!(plain, dotted);
    assert!(Path::new(&plain).is_absolute());
    // A missing file is still named absolutely.
    assert!(Path::new(&Input::Path("missing.wav".into()).source()).is_absolute());
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn the_options_fingerprint_is_stable_and_round_trips() {
    // Pinned: a change of the fingerprint would make every journal's inputs new ones, and a
    // rerun would pay for them again.
    assert_eq!(OptionsId::of(b"").to_string(), "cbf29ce484222325");
    assert_eq!(OptionsId::of(b"fun-asr").to_string().len(), 16);
    let id = OptionsId::of(b"x");
    assert_eq!(OptionsId::parse(&id.to_string()), Some(id));
}
