//! The README's library example is `examples/saved_to_srt.rs` (compiled with the crate's
//! tests), word for word, so the README never shows code that does not build.

/// The example's lines between its `README:` markers, dedented.
fn example_snippet() -> String {
    let source = include_str!("../../examples/saved_to_srt.rs");
    let body: Vec<&str> = source
        .lines()
        .skip_while(|l| !l.contains("// README: begin"))
        .skip(1)
        .take_while(|l| !l.contains("// README: end"))
        .collect();
    assert!(!body.is_empty(), "the example lost its README markers");
    body.iter()
        .map(|l| l.strip_prefix("    ").unwrap_or(l))
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn readme_shows_the_compiled_srt_example() {
    let readme = include_str!("../../../../README.md");
    let snippet = example_snippet();
    assert!(
        readme.contains(&snippet),
        "README.md must show examples/saved_to_srt.rs (between its markers) verbatim:\n{snippet}"
    );
}
