//! The live view of `asr recognize --stream`: settled sentences as lines, and on a terminal
//! the unsettled text on the line below them, rewritten in place as it changes.
//!
//! The interim line is cut to the terminal's width (its tail, the newest words), because a
//! wrapped line cannot be rewritten with a carriage return.

use std::io::{self, Write};

/// Erase the current line and return to its start.
const CLEAR_LINE: &str = "\r\x1b[2K";

/// Where the view goes.
enum Sink {
    Stdout,
    Stderr,
    /// Tests collect the bytes.
    #[cfg(test)]
    Buffer(Vec<u8>),
    Off,
}

/// The live view.
pub struct Live {
    sink: Sink,
    /// Whether the sink is a terminal (interim text shown and rewritten).
    tty: bool,
    /// Whether an interim line is on screen now.
    shown: bool,
    /// Columns of the terminal.
    width: usize,
}

impl Live {
    /// The transcript itself on stdout: sentence lines, plus interim text on a terminal.
    pub fn stdout(tty: bool) -> Self {
        Self::new(Sink::Stdout, tty)
    }

    /// A view on stderr (a terminal) while the output goes to files or in another format.
    pub fn stderr() -> Self {
        Self::new(Sink::Stderr, true)
    }

    /// No view.
    pub fn off() -> Self {
        Self::new(Sink::Off, false)
    }

    #[cfg(test)]
    pub fn buffer(tty: bool, width: usize) -> Self {
        let mut live = Self::new(Sink::Buffer(Vec::new()), tty);
        live.width = width;
        live
    }

    #[cfg(test)]
    pub fn bytes(&self) -> &[u8] {
        match &self.sink {
            Sink::Buffer(b) => b,
            _ => &[],
        }
    }

    fn new(sink: Sink, tty: bool) -> Self {
        let width = std::env::var("COLUMNS")
            .ok()
            .and_then(|c| c.trim().parse::<usize>().ok())
            .filter(|c| *c >= 10)
            .unwrap_or(80);
        Self {
            sink,
            tty,
            shown: false,
            width,
        }
    }

    /// The unsettled text changed.
    pub fn interim(&mut self, text: &str) -> anyhow::Result<()> {
        if !self.tty {
            return Ok(());
        }
        let text = text.trim();
        let mut out = String::from(CLEAR_LINE);
        if !text.is_empty() {
            out.push_str(&tail(text, self.width.saturating_sub(1)));
        }
        self.shown = !text.is_empty();
        self.write(&out)
    }

    /// A sentence settled: it replaces the interim line and stays.
    pub fn sentence(&mut self, text: &str) -> anyhow::Result<()> {
        let mut out = String::new();
        if self.shown {
            out.push_str(CLEAR_LINE);
            self.shown = false;
        }
        out.push_str(text.trim());
        out.push('\n');
        self.write(&out)
    }

    /// The stream ended: no interim text is left behind.
    pub fn finish(&mut self) -> anyhow::Result<()> {
        if self.shown {
            self.shown = false;
            return self.write(CLEAR_LINE);
        }
        Ok(())
    }

    fn write(&mut self, text: &str) -> anyhow::Result<()> {
        let result = match &mut self.sink {
            Sink::Stdout => write_flush(&mut io::stdout().lock(), text),
            Sink::Stderr => write_flush(&mut io::stderr().lock(), text),
            #[cfg(test)]
            Sink::Buffer(b) => write_flush(b, text),
            Sink::Off => Ok(()),
        };
        match result {
            // A closed pipe (`asr … | head`) is the reader's choice: stop showing, keep going.
            Err(e) if e.kind() == io::ErrorKind::BrokenPipe => {
                self.sink = Sink::Off;
                Ok(())
            }
            other => Ok(other?),
        }
    }
}

fn write_flush(w: &mut impl Write, text: &str) -> io::Result<()> {
    w.write_all(text.as_bytes())?;
    w.flush()
}

/// The end of `text` that fits `columns`, counting wide (non-ASCII) characters as two, with
/// `…` in front when cut.
pub fn tail(text: &str, columns: usize) -> String {
    let width = |c: char| if c.is_ascii() { 1 } else { 2 };
    if text.chars().map(width).sum::<usize>() <= columns {
        return text.to_owned();
    }
    let mut used = 1; // the ellipsis
    let mut kept = Vec::new();
    for c in text.chars().rev() {
        if used + width(c) > columns {
            break;
        }
        used += width(c);
        kept.push(c);
    }
    let mut out = String::from('…');
    out.extend(kept.into_iter().rev());
    out
}
