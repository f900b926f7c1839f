//! The search parameters of the catalogue page and `GET /api/videos?scope=public`, read
//! from a query string and checked once: any `q` is turned into plain words (never FTS
//! syntax), every other value out of range is a field error (422 / error summary). The
//! page cursor is opaque (hex) and validated: a cursor that was not made for this sort
//! or was changed is refused.

use chrono::{DateTime, NaiveDateTime};

use crate::domain::SignLanguage;
use crate::models::search::{Direction, Order, Position};
use crate::video::input::FieldErrors;

/// Videos per page.
pub const PAGE_SIZE: i64 = 20;
/// At most this many words of `q` are searched for …
pub const MAX_TERMS: usize = 12;
/// … each cut to this many characters.
pub const MAX_TERM_CHARS: usize = 64;
/// `q` as shown back (and in links) is cut to this many characters.
pub const MAX_Q_CHARS: usize = 200;
/// Counted exactly up to here; a larger count is estimated ("About 12,000 videos"), and
/// relevance ranks the newest this many matches exactly (the older ones follow, newest
/// first): see [`crate::models::search`].
pub const EXACT_COUNT: i64 = 1_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sort {
    Relevance,
    Newest,
    Rating,
}

impl Sort {
    pub const ALL: [Sort; 3] = [Sort::Relevance, Sort::Newest, Sort::Rating];

    pub fn as_str(self) -> &'static str {
        match self {
            Sort::Relevance => "relevance",
            Sort::Newest => "newest",
            Sort::Rating => "rating",
        }
    }

    fn order(self) -> Order {
        match self {
            Sort::Relevance => Order::Relevance,
            Sort::Newest => Order::Newest,
            Sort::Rating => Order::Rating,
        }
    }
}

/// Duration bands: under 1 minute, 1-5, 5-20, over 20.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Length {
    Under1,
    From1To5,
    From5To20,
    Over20,
}

impl Length {
    pub const ALL: [Length; 4] = [
        Length::Under1,
        Length::From1To5,
        Length::From5To20,
        Length::Over20,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Length::Under1 => "under-1",
            Length::From1To5 => "1-5",
            Length::From5To20 => "5-20",
            Length::Over20 => "over-20",
        }
    }

    /// `[min, max)` in seconds.
    pub fn bounds(self) -> (f64, f64) {
        match self {
            Length::Under1 => (0.0, 60.0),
            Length::From1To5 => (60.0, 300.0),
            Length::From5To20 => (300.0, 1200.0),
            Length::Over20 => (1200.0, f64::MAX),
        }
    }
}

/// Uploaded within the last day, week, month or year.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Within {
    Day,
    Week,
    Month,
    Year,
}

impl Within {
    pub const ALL: [Within; 4] = [Within::Day, Within::Week, Within::Month, Within::Year];

    pub fn as_str(self) -> &'static str {
        match self {
            Within::Day => "day",
            Within::Week => "week",
            Within::Month => "month",
            Within::Year => "year",
        }
    }

    pub fn days(self) -> i64 {
        match self {
            Within::Day => 1,
            Within::Week => 7,
            Within::Month => 31,
            Within::Year => 365,
        }
    }
}

/// A checked search.
#[derive(Debug, Clone, Default)]
pub struct Search {
    /// What was typed, trimmed and cut to [`MAX_Q_CHARS`].
    pub q: String,
    /// The words searched for: letters and digits only, lower case.
    pub terms: Vec<String>,
    pub sign_languages: Vec<SignLanguage>,
    /// `Some(None)`: any captions; `Some(Some(code))`: captions in that language.
    pub captions: Option<Option<String>>,
    pub signed: bool,
    pub transcript: bool,
    pub length: Option<Length>,
    pub within: Option<Within>,
    /// The sort asked for (`None`: the default, relevance with words, else newest).
    pub sort: Option<Sort>,
    pub from: Option<(Direction, Position)>,
    pub limit: Option<i64>,
}

pub const MSG_CAPTIONS: &str = "Choose any, or a language code such as en, fr or pt-BR";
pub const MSG_YES_NO: &str = "Choose yes or no";
pub const MSG_LENGTH: &str = "Choose a length from the list";
pub const MSG_WITHIN: &str = "Choose a time from the list";
pub const MSG_SORT: &str = "Choose relevance, newest or rating";
pub const MSG_CURSOR: &str = "This page link is not valid. Start again from the first page";
pub const MSG_LIMIT: &str = "Choose a whole number from 1 to 100";

impl Search {
    /// Read a query string's pairs; unknown names are ignored, `limit` only when
    /// `allow_limit`.
    pub fn parse(pairs: &[(String, String)], allow_limit: bool) -> Result<Search, FieldErrors> {
        let mut s = Search::default();
        let mut errors = FieldErrors::new();
        let mut fail = |name: &str, message: &str| {
            errors
                .entry(name.to_owned())
                .or_insert_with(|| message.to_owned());
        };
        let mut after = None;
        let mut before = None;
        for (name, value) in pairs {
            let value = value.trim();
            match name.as_str() {
                "q" if s.q.is_empty() => {
                    s.q = value.chars().take(MAX_Q_CHARS).collect::<String>();
                    s.terms = terms(value);
                }
                "sign_language" => {
                    for part in value.split(',').map(str::trim).filter(|p| !p.is_empty()) {
                        match SignLanguage::parse(part) {
                            Ok(lang) if !s.sign_languages.contains(&lang) => {
                                s.sign_languages.push(lang)
                            }
                            Ok(_) => {}
                            Err(m) => fail("sign_language", &m),
                        }
                    }
                }
                "captions" => match value {
                    "" => {}
                    "any" => s.captions = Some(None),
                    code if is_language_code(code) => s.captions = Some(Some(code.to_owned())),
                    _ => fail("captions", MSG_CAPTIONS),
                },
                "signed" | "transcript" => match yes_no(value) {
                    Some(yes) if name == "signed" => s.signed = yes,
                    Some(yes) => s.transcript = yes,
                    None => fail(name, MSG_YES_NO),
                },
                "length" => match value {
                    "" => {}
                    v => match Length::ALL.into_iter().find(|l| l.as_str() == v) {
                        Some(l) => s.length = Some(l),
                        None => fail("length", MSG_LENGTH),
                    },
                },
                "within" => match value {
                    "" => {}
                    v => match Within::ALL.into_iter().find(|w| w.as_str() == v) {
                        Some(w) => s.within = Some(w),
                        None => fail("within", MSG_WITHIN),
                    },
                },
                "sort" => match value {
                    "" => {}
                    v => match Sort::ALL.into_iter().find(|o| o.as_str() == v) {
                        Some(o) => s.sort = Some(o),
                        None => fail("sort", MSG_SORT),
                    },
                },
                "after" if !value.is_empty() => after = Some(value.to_owned()),
                "before" if !value.is_empty() => before = Some(value.to_owned()),
                "limit" if allow_limit => match value.parse::<i64>() {
                    Ok(n) if (1..=100).contains(&n) => s.limit = Some(n),
                    _ => fail("limit", MSG_LIMIT),
                },
                _ => {}
            }
        }
        let sort = s.effective_sort();
        match (after, before) {
            (Some(_), Some(_)) => fail("after", MSG_CURSOR),
            (Some(raw), None) => match decode_cursor(&raw, sort) {
                Some(at) => s.from = Some((Direction::After, at)),
                None => fail("after", MSG_CURSOR),
            },
            (None, Some(raw)) => match decode_cursor(&raw, sort) {
                Some(at) => s.from = Some((Direction::Before, at)),
                None => fail("before", MSG_CURSOR),
            },
            (None, None) => {}
        }
        if errors.is_empty() {
            Ok(s)
        } else {
            Err(errors)
        }
    }

    /// The order used: the one asked for, else relevance when there are words to rank
    /// by, else newest. Relevance without words is newest.
    pub fn effective_sort(&self) -> Sort {
        match self.sort {
            Some(Sort::Relevance) | None if !self.terms.is_empty() => Sort::Relevance,
            Some(Sort::Rating) => Sort::Rating,
            _ => Sort::Newest,
        }
    }

    pub fn order(&self) -> Order {
        self.effective_sort().order()
    }

    /// Any filter besides the words?
    pub fn is_filtered(&self) -> bool {
        !self.sign_languages.is_empty()
            || self.captions.is_some()
            || self.signed
            || self.transcript
            || self.length.is_some()
            || self.within.is_some()
    }

    /// The query string pairs of this search, without a cursor: for links to its pages
    /// and to the same search less one filter.
    pub fn pairs(&self) -> Vec<(&'static str, String)> {
        let mut out = Vec::new();
        if !self.q.is_empty() {
            out.push(("q", self.q.clone()));
        }
        for lang in &self.sign_languages {
            out.push(("sign_language", lang.code().to_owned()));
        }
        match &self.captions {
            Some(Some(code)) => out.push(("captions", code.clone())),
            Some(None) => out.push(("captions", "any".to_owned())),
            None => {}
        }
        if self.signed {
            out.push(("signed", "1".to_owned()));
        }
        if self.transcript {
            out.push(("transcript", "1".to_owned()));
        }
        if let Some(l) = self.length {
            out.push(("length", l.as_str().to_owned()));
        }
        if let Some(w) = self.within {
            out.push(("within", w.as_str().to_owned()));
        }
        if let Some(sort) = self.sort {
            out.push(("sort", sort.as_str().to_owned()));
        }
        out
    }

    /// `pairs()` as a query string, with `extra` pairs appended.
    pub fn query_string(&self, extra: &[(&'static str, String)]) -> String {
        let mut pairs = self.pairs();
        pairs.extend(extra.iter().cloned());
        serde_urlencoded::to_string(&pairs).unwrap_or_default()
    }

    /// The cursor of `at` for this search's order.
    pub fn cursor(&self, at: &Position) -> String {
        encode_cursor(at, self.effective_sort())
    }
}

fn yes_no(value: &str) -> Option<bool> {
    match value.to_ascii_lowercase().as_str() {
        "" | "0" | "false" | "no" | "off" => Some(false),
        "1" | "true" | "yes" | "on" => Some(true),
        _ => None,
    }
}

/// A BCP 47-like tag: 2-3 letters, then `-` and 1-8 letters or digits, at most 35 long.
pub fn is_language_code(code: &str) -> bool {
    let mut parts = code.split('-');
    let first_ok = parts
        .next()
        .is_some_and(|p| (2..=3).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_alphabetic()));
    first_ok
        && code.len() <= 35
        && parts.all(|p| (1..=8).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_alphanumeric()))
}

/// The words of `q`: runs of letters and digits, lower case, at most [`MAX_TERMS`] of
/// them (repeats dropped), each cut to [`MAX_TERM_CHARS`]; a bare `or` is dropped (it
/// is an operator for PostgreSQL's `websearch_to_tsquery`). Everything else (quotes,
/// `*`, `-`, parentheses, `NEAR(`, emoji, NUL) only separates words.
pub fn terms(q: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for word in q.split(|c: char| !c.is_alphanumeric()) {
        if out.len() >= MAX_TERMS {
            break;
        }
        if word.is_empty() || word.eq_ignore_ascii_case("or") {
            continue;
        }
        let word: String = word
            .chars()
            .take(MAX_TERM_CHARS)
            .collect::<String>()
            .to_lowercase();
        if !out.contains(&word) {
            out.push(word);
        }
    }
    out
}

const CURSOR_VERSION: &str = "c1";

/// A small checksum (FNV-1a), so a hand-edited cursor is refused rather than misread.
fn check(text: &str) -> u32 {
    text.bytes().fold(0x811c_9dc5_u32, |h, b| {
        (h ^ u32::from(b)).wrapping_mul(0x0100_0193)
    })
}

fn encode_cursor(at: &Position, sort: Sort) -> String {
    let nanos = at.created_at.and_utc().timestamp_nanos_opt().unwrap_or(0);
    let body = format!(
        "{CURSOR_VERSION}.{}.{}.{}.{:x}.{}.{}",
        sort.as_str(),
        at.segment,
        nanos,
        at.rank.to_bits(),
        at.rating,
        at.id
    );
    let text = format!("{body}.{:08x}", check(&body));
    text.bytes().map(|b| format!("{b:02x}")).collect()
}

fn decode_cursor(raw: &str, sort: Sort) -> Option<Position> {
    if raw.len() > 400 || !raw.len().is_multiple_of(2) {
        return None;
    }
    let bytes: Option<Vec<u8>> = (0..raw.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(raw.get(i..i + 2)?, 16).ok())
        .collect();
    let text = String::from_utf8(bytes?).ok()?;
    let (body, sum) = text.rsplit_once('.')?;
    if u32::from_str_radix(sum, 16).ok()? != check(body) {
        return None;
    }
    let parts: Vec<&str> = body.split('.').collect();
    let [version, s, segment, nanos, rank, rating, id] = parts.as_slice() else {
        return None;
    };
    if *version != CURSOR_VERSION || *s != sort.as_str() {
        return None;
    }
    let segment: u8 = segment.parse().ok().filter(|s| *s <= 1)?;
    let created_at: NaiveDateTime = DateTime::from_timestamp_nanos(nanos.parse().ok()?).naive_utc();
    let rank = f64::from_bits(u64::from_str_radix(rank, 16).ok()?);
    if !rank.is_finite() {
        return None;
    }
    Some(Position {
        segment,
        created_at,
        rank,
        rating: rating.parse().ok()?,
        id: id.parse().ok().filter(|id: &i32| *id > 0)?,
    })
}

/// A crude English stem, so "cooking", "cooked" and "cooks" mark "cook".
fn stem(word: &str) -> &str {
    for suffix in ["ing", "ed", "es", "s"] {
        if let Some(rest) = word.strip_suffix(suffix)
            && rest.chars().count() >= 3
        {
            return rest;
        }
    }
    word
}

/// Whether `word` is one of `terms` (ignoring case and simple endings).
pub fn matches(word: &str, terms: &[String]) -> bool {
    let lower = word.to_lowercase();
    terms.iter().any(|t| *t == lower || stem(t) == stem(&lower))
}

/// `text` cut into runs, each marked when it is a word that matches `terms`. The runs
/// are plain text: the template escapes each one and wraps the marked ones in
/// `<mark>`, so nothing in `text` can become markup.
pub fn highlight(text: &str, terms: &[String]) -> Vec<(String, bool)> {
    let mut out: Vec<(String, bool)> = Vec::new();
    if terms.is_empty() {
        return vec![(text.to_owned(), false)];
    }
    let mut run = String::new();
    let mut in_word = false;
    let flush = |run: &mut String, word: bool, out: &mut Vec<(String, bool)>| {
        if run.is_empty() {
            return;
        }
        let marked = word && matches(run, terms);
        match out.last_mut() {
            Some((last, false)) if !marked => last.push_str(run),
            _ => out.push((std::mem::take(run), marked)),
        }
        run.clear();
    };
    for c in text.chars() {
        let word = c.is_alphanumeric();
        if word != in_word {
            flush(&mut run, in_word, &mut out);
            in_word = word;
        }
        run.push(c);
    }
    flush(&mut run, in_word, &mut out);
    out
}

/// Whether any word of `text` matches `terms`.
pub fn mentions(text: &str, terms: &[String]) -> bool {
    text.split(|c: char| !c.is_alphanumeric())
        .any(|w| !w.is_empty() && matches(w, terms))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
            .collect()
    }

    #[test]
    fn words_are_letters_and_digits_only() {
        assert_eq!(
            terms("NEAR(\"cook* AND -eggs) OR 🍳"),
            ["near", "cook", "and", "eggs"]
        );
        assert_eq!(terms("a\0b"), ["a", "b"]);
        assert!(terms("\"*()-:^").is_empty());
        assert_eq!(terms(&"word ".repeat(3000)), ["word"]);
        assert_eq!(terms(&"x".repeat(10_000))[0].len(), MAX_TERM_CHARS);
        let many: String = (0..100).map(|i| format!("w{i} ")).collect();
        assert_eq!(terms(&many).len(), MAX_TERMS);
    }

    #[test]
    fn cursors_round_trip_and_refuse_changes() {
        let at = Position {
            segment: 1,
            created_at: DateTime::from_timestamp_nanos(1_764_000_000_123_456_000).naive_utc(),
            rank: -1.25e-6,
            rating: 3,
            id: 42,
        };
        let raw = encode_cursor(&at, Sort::Relevance);
        assert_eq!(decode_cursor(&raw, Sort::Relevance), Some(at));
        assert_eq!(
            decode_cursor(&raw, Sort::Newest),
            None,
            "made for another sort"
        );
        let mut changed = raw.clone().into_bytes();
        changed[20] = if changed[20] == b'0' { b'1' } else { b'0' };
        assert_eq!(
            decode_cursor(&String::from_utf8(changed).unwrap(), Sort::Relevance),
            None
        );
        for garbage in ["", "zz", "abc", "00", &"ab".repeat(300)] {
            assert_eq!(decode_cursor(garbage, Sort::Newest), None, "{garbage}");
        }
    }

    #[test]
    fn bad_values_are_field_errors() {
        let e = Search::parse(
            &pairs(&[
                ("sign_language", "XYZ"),
                ("captions", "english!"),
                ("signed", "maybe"),
                ("length", "long"),
                ("within", "decade"),
                ("sort", "best"),
                ("after", "nonsense"),
                ("limit", "0"),
            ]),
            true,
        )
        .unwrap_err();
        for field in [
            "sign_language",
            "captions",
            "signed",
            "length",
            "within",
            "sort",
            "after",
            "limit",
        ] {
            assert!(e.contains_key(field), "{field}: {e:?}");
        }
        let s = Search::parse(
            &pairs(&[
                ("sign_language", "bsl,ASL"),
                ("sign_language", "BSL"),
                ("captions", "en-GB"),
                ("limit", "5"),
            ]),
            false,
        )
        .unwrap();
        assert_eq!(s.sign_languages.len(), 2);
        assert_eq!(s.captions, Some(Some("en-GB".to_owned())));
        assert_eq!(s.limit, None, "the page takes no limit");
    }

    #[test]
    fn the_default_sort_is_relevance_only_with_words() {
        let s = Search::parse(&pairs(&[("q", "cook")]), false).unwrap();
        assert_eq!(s.effective_sort(), Sort::Relevance);
        let s = Search::parse(&pairs(&[("q", "***"), ("sort", "relevance")]), false).unwrap();
        assert_eq!(s.effective_sort(), Sort::Newest);
    }

    #[test]
    fn highlighting_marks_whole_words_and_keeps_the_rest() {
        let t = terms("cooking");
        let runs = highlight("We cook <b>eggs</b>; cooked!", &t);
        let joined: String = runs.iter().map(|(r, _)| r.as_str()).collect();
        assert_eq!(joined, "We cook <b>eggs</b>; cooked!");
        let marked: Vec<&str> = runs
            .iter()
            .filter(|(_, m)| *m)
            .map(|(r, _)| r.as_str())
            .collect();
        assert_eq!(marked, ["cook", "cooked"]);
        assert!(!mentions("a catalogue", &terms("cat")));
    }
}
