use asr_transport::{Model, VocabularyDiff};
use asr_types::VocabularyItem;

use super::items::{HotWords, Problem, parse};
use super::*;

fn parse_ok(text: &str, json: bool) -> HotWords {
    parse("words", text, json).unwrap_or_else(|p| panic!("{p:?}"))
}

fn lines_of(problems: &[Problem]) -> Vec<Option<usize>> {
    problems.iter().map(|p| p.line).collect()
}

/// The error text of checking `text` (TSV) against fun-asr.
fn check_err(text: &str) -> String {
    let words = parse_ok(text, false);
    let err = words.check(Some(&Model::FUN_ASR)).unwrap_err();
    assert_eq!(crate::exit::classify(&err), Kind::InvalidInput);
    err.to_string()
}

#[test]
fn tsv_skips_comments_and_blank_lines_and_reads_optional_lang() {
    let words = parse_ok(
        "# team words\n\nKubernetes\t4\r\n  # indented comment\n通义千问\t5\tzh\nDashScope \t 3 \t\n",
        false,
    );
    assert_eq!(
        words.items,
        vec![
            VocabularyItem::new("Kubernetes", 4),
            VocabularyItem::new("通义千问", 5).with_lang("zh"),
            VocabularyItem::new("DashScope", 3),
        ]
    );
    assert!(words.check(Some(&Model::FUN_ASR)).is_ok());
}

#[test]
fn tsv_form_errors_name_every_bad_line() {
    let problems = parse(
        "words.tsv",
        "Kubernetes 4\nok\t4\nQwen\tfour\na\t4\tzh\textra\n",
        false,
    )
    .unwrap_err();
    assert_eq!(lines_of(&problems), vec![Some(1), Some(3), Some(4)]);
    assert!(problems[0].message.contains("no tab"), "{problems:?}");
    assert!(problems[1].message.contains("`four`"), "{problems:?}");
    assert!(
        problems[2].message.contains("4 tab-separated"),
        "{problems:?}"
    );
}

#[test]
fn rule_errors_name_the_line_and_field() {
    let text = check_err(
        "# header\nKubernetes\t9\n\nfine\t4\none two three four five six seven eight\t4\n\
         通义千问\t4\tcn\nKubernetes\t3\n",
    );
    assert!(text.starts_with("words: 4 problems"), "{text}");
    for expected in [
        "words:2: weight: the weight must be 1 to 5, got 9",
        "words:5: text: ",
        "words:6: lang: `cn`",
        "words:7: text: `Kubernetes` is already on line 2",
    ] {
        assert!(text.contains(expected), "missing {expected:?} in\n{text}");
    }
}

#[test]
fn an_empty_file_is_rejected() {
    let problems = parse("words", "# only a comment\n\n", false).unwrap_err();
    assert_eq!(lines_of(&problems), vec![None]);
    assert!(problems[0].message.contains("no hot words"));
}

#[test]
fn json_items_are_read_and_their_lines_found() {
    let text = r#"[
  {"text": "Kubernetes", "weight": 4},
  {"text": "a \"quoted\" [word], too", "weight": 3,
   "lang": "en"},
  {"text": "通义千问", "weight": 5, "lang": null}
]"#;
    let words = parse_ok(text, true);
    assert_eq!(words.items.len(), 3);
    assert_eq!(words.items[1].lang.as_deref(), Some("en"));
    assert_eq!(words.items[2].lang, None);
    // Starting with `[` is enough to be read as JSON.
    assert_eq!(parse_ok(text, false).items, words.items);
}

#[test]
fn json_errors_name_the_line_of_each_bad_item() {
    let text = r#"[
  {"text": "fine", "weight": 4},
  {"text": "Qwen", "wieght": 4},
  "Kubernetes",
  {"text": "DashScope", "weight": 4.5},

  {"weight": 4}
]"#;
    let problems = parse("w.json", text, true).unwrap_err();
    assert_eq!(
        lines_of(&problems),
        vec![Some(3), Some(4), Some(5), Some(7)]
    );
    assert!(problems[0].message.contains("unknown key `wieght`"));
    assert!(problems[1].message.contains("an item is an object"));
    assert!(problems[2].message.contains("4.5"));
    assert!(problems[3].message.contains("text: missing"));
}

#[test]
fn json_rule_errors_use_the_item_lines() {
    let words = parse_ok(
        "[\n{\"text\": \"a\", \"weight\": 4},\n\n{\"text\": \"b\", \"weight\": 0}\n]",
        true,
    );
    let err = words.check(Some(&Model::FUN_ASR)).unwrap_err().to_string();
    assert!(err.contains("words:4: weight:"), "{err}");
}

#[test]
fn broken_json_and_non_arrays_are_explained() {
    let problems = parse("w.json", "[\n{\"text\": \"a\",\n", true).unwrap_err();
    assert_eq!(problems.len(), 1);
    assert!(
        problems[0].message.contains("not valid JSON"),
        "{problems:?}"
    );
    assert!(problems[0].line.is_some());
    let problems = parse("w.json", "{\"text\": \"a\", \"weight\": 4}", true).unwrap_err();
    assert_eq!(lines_of(&problems), vec![None]);
    assert!(problems[0].message.contains("array"));
}

#[test]
fn derived_prefixes_follow_the_file_name() {
    assert_eq!(
        derived_prefix(Path::new("conf/Team-Words_2025.tsv")).unwrap(),
        "teamwords2"
    );
    let err = derived_prefix(Path::new("热词.tsv")).unwrap_err();
    assert_eq!(crate::exit::classify(&err), Kind::InvalidInput);
    assert!(err.to_string().contains("--vocabulary-prefix"), "{err}");
}

#[test]
fn prefix_and_id_arguments_are_checked_locally() {
    let err = prefix_arg("--prefix", "Team Words").unwrap_err();
    assert_eq!(crate::exit::classify(&err), Kind::InvalidInput);
    assert!(err.to_string().starts_with("`--prefix`:"), "{err}");
    assert_eq!(prefix_arg("--prefix", " team ").unwrap(), "team");
    assert!(id_arg("vocab-team-0123").is_ok());
    assert!(id_arg("vocab team").is_err());
    assert!(id_arg("  ").is_err());
}

#[test]
fn diff_lines_show_each_kind_of_change() {
    let diff = asr_transport::diff_items(
        &[
            VocabularyItem::new("Docker", 3),
            VocabularyItem::new("Alibaba", 3),
            VocabularyItem::new("Qwen", 4).with_lang("en"),
        ],
        &[
            VocabularyItem::new("Kubernetes", 4).with_lang("en"),
            VocabularyItem::new("Alibaba", 5),
            VocabularyItem::new("Qwen", 4).with_lang("zh"),
        ],
    );
    assert_eq!(counts(&diff), "1 added, 1 removed, 2 reweighted");
    assert_eq!(
        diff_lines(&diff),
        "+ Kubernetes\t4\ten\n- Docker\t3\n~ Alibaba\tweight 3 -> 5\n~ Qwen\tlang en -> zh\n"
    );
    assert_eq!(counts(&VocabularyDiff::default()), "no changes");
}
