//! Hot-word files: TSV lines `text<TAB>weight[<TAB>lang]` (blank lines and `#` comment lines
//! allowed) or a JSON array of `{"text", "weight", "lang"?}` objects. Every bad item is reported
//! at once, named by the line of the file it is on.

use std::collections::BTreeSet;
use std::fmt;
use std::path::Path;

use asr_types::vocabulary::check_items;
use asr_types::{Model, VocabularyItem};
use serde_json::Value;

use crate::exit;

/// The file formats, for `--help`.
pub const FORMAT_HELP: &str = "Hot-word file: one word per line as `text<TAB>weight[<TAB>lang]` (weight 1-5, \
     4 is typical; blank lines and lines starting with `#` are skipped), or a JSON array of \
     {\"text\", \"weight\", \"lang\"?} objects (a `.json` file, or one starting with `[`)";

/// The items of a hot-word file, each with the line it came from.
#[derive(Debug, Clone)]
pub struct HotWords {
    /// The file as the user named it.
    pub name: String,
    /// The items, in file order.
    pub items: Vec<VocabularyItem>,
    /// The line (from 1) of each item.
    lines: Vec<usize>,
}

/// One problem of a hot-word file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The line (from 1), or `None` for the file as a whole.
    pub line: Option<usize>,
    /// What is wrong and how to fix it.
    pub message: String,
}

impl Problem {
    fn at(line: usize, message: impl Into<String>) -> Self {
        Self {
            line: Some(line),
            message: message.into(),
        }
    }

    fn file(message: impl Into<String>) -> Self {
        Self {
            line: None,
            message: message.into(),
        }
    }
}

/// Every problem of a file, printed as `FILE:LINE: message` lines under a headline.
#[derive(Debug)]
pub struct Problems {
    name: String,
    problems: Vec<Problem>,
}

impl fmt::Display for Problems {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.problems.len();
        write!(
            f,
            "{}: {n} problem{} in the hot-word file (nothing was sent):",
            self.name,
            if n == 1 { "" } else { "s" }
        )?;
        for p in &self.problems {
            match p.line {
                Some(line) => write!(f, "\n  {}:{line}: {}", self.name, p.message)?,
                None => write!(f, "\n  {}: {}", self.name, p.message)?,
            }
        }
        Ok(())
    }
}

impl HotWords {
    /// Reads and checks `path`: its form, and with `target_model` also the `lang` codes that
    /// model takes.
    ///
    /// # Errors
    ///
    /// Invalid input (exit 3): the file cannot be read, or has problems (all of them listed,
    /// each with its line).
    pub fn read(path: &Path, target_model: Option<&Model>) -> anyhow::Result<Self> {
        let name = path.display().to_string();
        let bytes = std::fs::read(path).map_err(|e| {
            exit::Failure::new(
                exit::Kind::InvalidInput,
                format!("cannot read the hot-word file {name}"),
            )
            .with_source(e)
        })?;
        let Ok(text) = String::from_utf8(bytes) else {
            return Err(exit::invalid_input(format!(
                "{name}: not UTF-8 text; save the hot-word file as UTF-8"
            )));
        };
        let json = path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("json"));
        let words = parse(&name, &text, json).map_err(|problems| invalid(&name, problems))?;
        words.check(target_model)?;
        Ok(words)
    }

    /// Checks the items against the documented rules; `lang` against `target_model` when
    /// given, else only its form.
    ///
    /// # Errors
    ///
    /// Invalid input (exit 3) listing every problem with its line.
    pub fn check(&self, target_model: Option<&Model>) -> anyhow::Result<()> {
        let problems = self.problems(target_model);
        if problems.is_empty() {
            Ok(())
        } else {
            Err(invalid(&self.name, problems))
        }
    }

    fn problems(&self, target_model: Option<&Model>) -> Vec<Problem> {
        let issues = check_items(target_model, &self.items);
        let bad_text: BTreeSet<usize> = issues
            .iter()
            .filter(|i| i.error.field.ends_with(".text"))
            .filter_map(|i| i.index)
            .collect();
        issues
            .into_iter()
            .map(|issue| {
                // `input.vocabulary[3].weight` → `weight`: the user never saw the wire path.
                let field = issue.error.field.rsplit('.').next().unwrap_or_default();
                let Some((index, &line)) = issue
                    .index
                    .and_then(|i| self.lines.get(i).map(|line| (i, line)))
                else {
                    return Problem::file(issue.error.problem);
                };
                // A text whose first copy is fine can only be wrong for being a copy; say
                // where the first one is, not its index.
                if field == "text"
                    && let Some(first) = self.items[..index]
                        .iter()
                        .position(|other| other.text == self.items[index].text)
                    && !bad_text.contains(&first)
                {
                    return Problem::at(
                        line,
                        format!(
                            "text: `{}` is already on line {}; list each word once (keep the \
                             line with the weight you want)",
                            short(&self.items[index].text),
                            self.lines[first]
                        ),
                    );
                }
                Problem::at(line, format!("{field}: {}", issue.error.problem))
            })
            .collect()
    }
}

fn invalid(name: &str, problems: Vec<Problem>) -> anyhow::Error {
    exit::Failure::new(
        exit::Kind::InvalidInput,
        Problems {
            name: name.to_owned(),
            problems,
        }
        .to_string(),
    )
    .into()
}

/// Parses a file's text: JSON when `json` is set or the text starts with `[`, else TSV.
/// Only the form of each line or element is checked here.
///
/// # Errors
///
/// Every problem found, in line order.
pub fn parse(name: &str, text: &str, json: bool) -> Result<HotWords, Vec<Problem>> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let (items, lines) = if json || text.trim_start().starts_with('[') {
        parse_json(text)?
    } else {
        parse_tsv(text)?
    };
    if items.is_empty() {
        return Err(vec![Problem::file(
            "no hot words; add lines `text<TAB>weight`, e.g. `Kubernetes<TAB>4`",
        )]);
    }
    Ok(HotWords {
        name: name.to_owned(),
        items,
        lines,
    })
}

type Parsed = (Vec<VocabularyItem>, Vec<usize>);

fn parse_tsv(text: &str) -> Result<Parsed, Vec<Problem>> {
    let mut items = Vec::new();
    let mut lines = Vec::new();
    let mut problems = Vec::new();
    for (index, raw) in text.lines().enumerate() {
        let line = index + 1;
        let trimmed = raw.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        match tsv_item(raw) {
            Ok(item) => {
                items.push(item);
                lines.push(line);
            }
            Err(message) => problems.push(Problem::at(line, message)),
        }
    }
    if problems.is_empty() {
        Ok((items, lines))
    } else {
        Err(problems)
    }
}

fn tsv_item(raw: &str) -> Result<VocabularyItem, String> {
    // Spaces around a field are invisible in most editors; only tabs separate fields.
    let fields: Vec<&str> = raw.split('\t').map(str::trim).collect();
    let (text, weight, lang) = match fields.as_slice() {
        [_] => {
            return Err(
                "expected `text<TAB>weight[<TAB>lang]` but found no tab; separate the weight \
                 with a tab, not spaces (e.g. `Kubernetes<TAB>4`)"
                    .to_owned(),
            );
        }
        [text, weight] => (*text, *weight, None),
        [text, weight, lang] => (*text, *weight, Some(*lang).filter(|l| !l.is_empty())),
        more => {
            return Err(format!(
                "{} tab-separated fields, expected `text<TAB>weight[<TAB>lang]`; a hot word \
                 cannot contain a tab",
                more.len()
            ));
        }
    };
    let weight: u32 = weight.parse().map_err(|_| {
        format!(
            "weight: `{}` is not a whole number; use 1 to 5 (4 is typical)",
            short(weight)
        )
    })?;
    let mut item = VocabularyItem::new(text, weight);
    item.lang = lang.map(str::to_owned);
    Ok(item)
}

fn parse_json(text: &str) -> Result<Parsed, Vec<Problem>> {
    let value: Value = serde_json::from_str(text).map_err(|e| {
        vec![Problem::at(
            e.line().max(1),
            format!("not valid JSON: {e}; a JSON hot-word file is an array of {{\"text\", \"weight\", \"lang\"?}} objects"),
        )]
    })?;
    let Value::Array(elements) = value else {
        return Err(vec![Problem::file(
            "a JSON hot-word file is an array of {\"text\", \"weight\", \"lang\"?} objects, \
             e.g. [{\"text\": \"Kubernetes\", \"weight\": 4}]",
        )]);
    };
    let starts = element_lines(text);
    let mut items = Vec::new();
    let mut lines = Vec::new();
    let mut problems = Vec::new();
    for (index, element) in elements.iter().enumerate() {
        // The scanner agrees with serde_json on valid JSON; the fallback only guards the
        // indexing.
        let line = starts.get(index).copied().unwrap_or(1);
        match json_item(element) {
            Ok(item) => {
                items.push(item);
                lines.push(line);
            }
            Err(message) => problems.push(Problem::at(line, message)),
        }
    }
    if problems.is_empty() {
        Ok((items, lines))
    } else {
        Err(problems)
    }
}

fn json_item(element: &Value) -> Result<VocabularyItem, String> {
    let Value::Object(fields) = element else {
        return Err(format!(
            "an item is an object {{\"text\": …, \"weight\": …}}, found {}",
            short(&element.to_string())
        ));
    };
    if let Some(key) = fields
        .keys()
        .find(|k| !matches!(k.as_str(), "text" | "weight" | "lang"))
    {
        return Err(format!(
            "unknown key `{}`; an item has `text`, `weight` and optionally `lang`",
            short(key)
        ));
    }
    let text = match fields.get("text") {
        Some(Value::String(s)) => s.clone(),
        Some(other) => return Err(format!("text: must be a string, found {other}")),
        None => return Err("text: missing; add the word or phrase".to_owned()),
    };
    let weight = match fields.get("weight") {
        Some(Value::Number(n)) => {
            n.as_u64()
                .and_then(|w| u32::try_from(w).ok())
                .ok_or_else(|| {
                    format!("weight: {n} is not a whole number; use 1 to 5 (4 is typical)")
                })?
        }
        Some(other) => {
            return Err(format!(
                "weight: must be a number from 1 to 5 (4 is typical), found {}",
                short(&other.to_string())
            ));
        }
        None => return Err("weight: missing; add a weight from 1 to 5 (4 is typical)".to_owned()),
    };
    let mut item = VocabularyItem::new(text, weight);
    item.lang = match fields.get("lang") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s.clone()),
        Some(other) => {
            return Err(format!(
                "lang: must be a language code such as \"zh\", found {}",
                short(&other.to_string())
            ));
        }
    };
    Ok(item)
}

/// The line (from 1) on which each element of the top-level JSON array starts.
///
/// serde_json keeps no positions for values, so this walks the text itself: it tracks string
/// literals and nesting depth, and notes where a value starts at depth 1.
fn element_lines(text: &str) -> Vec<usize> {
    let mut starts = Vec::new();
    let mut line = 1;
    let mut depth = 0usize;
    let mut in_string = false;
    let mut escaped = false;
    let mut expect_value = false;
    for b in text.bytes() {
        if b == b'\n' {
            line += 1;
        }
        if in_string {
            if escaped {
                escaped = false;
            } else if b == b'\\' {
                escaped = true;
            } else if b == b'"' {
                in_string = false;
            }
            continue;
        }
        if b.is_ascii_whitespace() {
            continue;
        }
        if depth == 1 && expect_value && b != b']' {
            starts.push(line);
            expect_value = false;
        }
        match b {
            b'"' => in_string = true,
            b'[' | b'{' => {
                depth += 1;
                if depth == 1 {
                    expect_value = true;
                }
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            b',' if depth == 1 => expect_value = true,
            _ => {}
        }
    }
    starts
}

/// At most 40 characters of a user's value, for a message.
fn short(s: &str) -> String {
    let mut out: String = s.chars().take(40).collect();
    if s.chars().count() > 40 {
        out.push('…');
    }
    out
}
