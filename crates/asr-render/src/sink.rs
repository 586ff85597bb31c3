//! The renderer every document is fed into, one sentence at a time: it keeps only what the
//! asked formats need (cues, sentence lines, channel text) and drops each sentence's words
//! once its cues are made.

use crate::cues::{self, Cue, Splitter};
use crate::tokens::{self, SentenceBuf, Tokens};
use crate::{ChannelLayout, Error, Format, Options, Output, Track, write};

/// One sentence without its words (plain text and tsv).
#[derive(Clone, Debug)]
pub(crate) struct Line {
    /// Start, ms.
    pub begin: u64,
    /// End, ms.
    pub end: u64,
    /// Speaker, from 0.
    pub speaker: Option<u64>,
    /// The channel.
    pub channel: u32,
    /// The text, whitespace normalized.
    pub text: String,
}

/// One channel as far as it has been read.
#[derive(Debug, Default)]
struct Channel {
    id: Option<u32>,
    text: String,
    lines: Vec<Line>,
    cues: Vec<Cue>,
    /// Sentences read before the channel's id, kept until it comes when cues are labelled
    /// with it (merged layout).
    pending: Vec<(usize, SentenceBuf)>,
    sentences: usize,
}

/// What the formats need, worked out once.
#[derive(Clone, Copy, Debug)]
struct Needs {
    text: bool,
    lines: bool,
    cues: bool,
    /// The first time-based format asked, named when a sentence has no times.
    timed: Option<Format>,
}

/// Collects a document; see the module docs.
#[derive(Debug)]
pub struct Renderer {
    options: Options,
    formats: Vec<Format>,
    needs: Needs,
    /// The sentence being read; [`Renderer::sentence`] consumes it.
    pub(crate) buf: SentenceBuf,
    tokens: Tokens,
    splitter: Splitter,
    channels: Vec<Channel>,
    /// The first untimed sentence: channel position and sentence number from 1.
    untimed: Option<(usize, usize)>,
}

impl Renderer {
    /// A renderer for `formats` (each once, in the order given).
    pub(crate) fn new(formats: &[Format], options: &Options) -> Result<Self, Error> {
        options.cues.validate()?;
        let mut unique = Vec::new();
        for &f in formats {
            if !unique.contains(&f) {
                unique.push(f);
            }
        }
        let has = |f| unique.contains(&f);
        let needs = Needs {
            text: has(Format::Txt),
            lines: has(Format::Txt) || has(Format::Tsv),
            cues: has(Format::Srt) || has(Format::Vtt),
            timed: unique.iter().copied().find(|f| f.is_timed()),
        };
        Ok(Renderer {
            options: *options,
            formats: unique,
            needs,
            buf: SentenceBuf::default(),
            tokens: Tokens::default(),
            splitter: Splitter::default(),
            channels: Vec::new(),
            untimed: None,
        })
    }

    /// Whether the channel text is kept (plain text).
    pub(crate) fn wants_channel_text(&self) -> bool {
        self.needs.text
    }

    /// Whether words are read at all (subtitles).
    pub(crate) fn wants_words(&self) -> bool {
        self.needs.cues
    }

    /// Starts the next channel.
    pub(crate) fn begin_channel(&mut self) {
        self.channels.push(Channel::default());
    }

    fn current(&mut self) -> &mut Channel {
        if self.channels.is_empty() {
            self.begin_channel();
        }
        let last = self.channels.len() - 1;
        &mut self.channels[last]
    }

    /// The current channel's id.
    pub(crate) fn channel_id(&mut self, id: u32) {
        self.current().id = Some(id);
        let pending = std::mem::take(&mut self.current().pending);
        for (index, sentence) in pending {
            self.cues_of(&sentence, index);
        }
    }

    /// The current channel's text.
    pub(crate) fn channel_text(&mut self, text: &str) {
        if self.needs.text {
            let channel = self.current();
            channel.text.clear();
            tokens::push_normalized(&mut channel.text, text);
        }
    }

    /// Ends the current channel: sentences still waiting for its id get id 0.
    pub(crate) fn end_channel(&mut self) {
        if !self.current().pending.is_empty() {
            self.channel_id(0);
        }
    }

    /// Takes in the sentence in [`Renderer::buf`].
    pub(crate) fn sentence(&mut self) {
        let needs = self.needs;
        let position = self.channels.len().max(1) - 1;
        let channel = self.current();
        let index = channel.sentences;
        channel.sentences += 1;
        let channel_id = channel.id.unwrap_or(0);
        let timed = self.buf.begin.zip(self.buf.end);
        if needs.timed.is_some() && timed.is_none() && self.untimed.is_none() {
            self.untimed = Some((position, index + 1));
        }
        if needs.lines {
            let mut text = tokens::normalize(self.buf.text());
            if text.is_empty() && !self.buf.words.is_empty() {
                // No sentence text: the words as written, spaces included.
                let mut raw = String::new();
                for w in &self.buf.words {
                    raw.push_str(&self.buf.arena[w.text.clone()]);
                    raw.push_str(&self.buf.arena[w.punctuation.clone()]);
                }
                text = tokens::normalize(&raw);
            }
            let (begin, end) = timed.unwrap_or_default();
            let speaker = self.buf.speaker;
            self.current().lines.push(Line {
                begin,
                end,
                speaker,
                channel: channel_id,
                text,
            });
        }
        if needs.cues && self.untimed.is_none() {
            let merged = self.options.channels == ChannelLayout::Merged;
            if merged && self.current().id.is_none() {
                let sentence = self.buf.clone();
                self.current().pending.push((index, sentence));
            } else {
                let sentence = std::mem::take(&mut self.buf);
                self.cues_of(&sentence, index);
                self.buf = sentence;
            }
        }
    }

    fn cues_of(&mut self, sentence: &SentenceBuf, index: usize) {
        if self.untimed.is_some() {
            return;
        }
        self.tokens.build(sentence);
        let channel_id = self.current().id.unwrap_or(0);
        let label = write::label_width(&self.options, channel_id, sentence.speaker);
        let Renderer {
            tokens,
            splitter,
            channels,
            options,
            ..
        } = self;
        if let Some(channel) = channels.last_mut() {
            splitter.split(
                tokens,
                &options.cues,
                label,
                (channel_id, sentence.speaker, index),
                &mut channel.cues,
            );
        }
    }

    fn check_times(&self) -> Result<(), Error> {
        match (self.untimed, self.needs.timed) {
            (Some((position, sentence)), Some(format)) => Err(Error::Untimed {
                format,
                channel: self.channels.get(position).and_then(|c| c.id).unwrap_or(0),
                sentence,
            }),
            _ => Ok(()),
        }
    }

    /// The cues, per channel or merged as the options say, in order.
    pub(crate) fn tracks(mut self) -> Result<Vec<Track>, Error> {
        self.check_times()?;
        Ok(self.take_tracks())
    }

    fn take_tracks(&mut self) -> Vec<Track> {
        let mut tracks: Vec<Track> = match self.options.channels {
            ChannelLayout::Merged => vec![Track {
                channel_id: None,
                cues: self
                    .channels
                    .iter_mut()
                    .flat_map(|c| std::mem::take(&mut c.cues))
                    .collect(),
            }],
            _ => self
                .channels
                .iter_mut()
                .map(|c| Track {
                    channel_id: Some(c.id.unwrap_or(0)),
                    cues: std::mem::take(&mut c.cues),
                })
                .collect(),
        };
        for track in &mut tracks {
            cues::order(&mut track.cues);
        }
        tracks
    }

    /// Every asked format; `json` is the document's JSON.
    pub(crate) fn finish(mut self, json: Option<Vec<u8>>) -> Result<Vec<Output>, Error> {
        self.check_times()?;
        let several = self.channels.len() > 1;
        let merged = self.options.channels == ChannelLayout::Merged;
        let tracks = if self.needs.cues {
            self.take_tracks()
        } else {
            Vec::new()
        };
        let diarized = self
            .channels
            .iter()
            .any(|c| c.lines.iter().any(|l| l.speaker.is_some()));
        let mut json = json;
        let mut out = Vec::new();
        let per_channel = |format| {
            // An empty document still gives each asked format one (empty) output.
            let count = if merged {
                1
            } else {
                self.channels.len().max(1)
            };
            (0..count).map(move |i| (format, i))
        };
        for &format in &self.formats {
            match format {
                Format::Json => {
                    if let Some(bytes) = json.take() {
                        out.push(Output::new(format, None, bytes));
                    }
                }
                Format::Txt => {
                    let text = write::txt(&self.txt_channels(), diarized, &self.options);
                    out.push(Output::new(format, None, text.into_bytes()));
                }
                Format::Srt | Format::Vtt => {
                    for (format, i) in per_channel(format) {
                        let (channel, cues) = tracks
                            .get(i)
                            .map_or((None, &[][..]), |t| (t.channel_id, &t.cues[..]));
                        let text = if format == Format::Srt {
                            write::srt(cues, &self.options)
                        } else {
                            write::vtt(cues, &self.options)
                        };
                        let channel = channel.filter(|_| several && !merged);
                        out.push(Output::new(format, channel, text.into_bytes()));
                    }
                }
                Format::Tsv => {
                    for (format, i) in per_channel(format) {
                        let (channel, text) = if merged {
                            let mut lines: Vec<&Line> =
                                self.channels.iter().flat_map(|c| &c.lines).collect();
                            lines.sort_by_key(|l| l.begin);
                            (None, write::tsv(lines, &self.options))
                        } else {
                            let c = self.channels.get(i);
                            (
                                c.map(|c| c.id.unwrap_or(0)).filter(|_| several),
                                write::tsv(c.into_iter().flat_map(|c| &c.lines), &self.options),
                            )
                        };
                        out.push(Output::new(format, channel, text.into_bytes()));
                    }
                }
            }
        }
        Ok(out)
    }

    fn txt_channels(&self) -> Vec<write::TxtChannel<'_>> {
        self.channels
            .iter()
            .map(|c| write::TxtChannel {
                id: c.id.unwrap_or(0),
                text: &c.text,
                lines: &c.lines,
            })
            .collect()
    }
}
