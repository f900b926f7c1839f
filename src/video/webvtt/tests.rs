//! One test per parsing rule of the W3C algorithm, the transcript and the serializer.

use super::*;

const GOOD: &str = "\u{feff}WEBVTT - Greeting in ASL\r
Kind: captions\r
\r
NOTE written by a person, checked by a Deaf reviewer\r
\r
STYLE\r
::cue { color: yellow }\r
\r
intro\r
00:00.000 --> 00:02.500 line:90%\r
<v Alex>Hello &amp; welcome!</v>\r
\r
00:00:02.500 --> 00:00:05.000\r
[door bell rings]\r
<i>Someone</i> is at the door.\r
\r
00:00:05.000 --> 00:00:06.000\r
&lt;3\r
";

fn parsed(text: &str) -> (WebVtt, Vec<Warning>) {
    parse_with_warnings(text.as_bytes()).unwrap()
}

fn error_of(text: &str) -> VttError {
    parse(text.as_bytes()).unwrap_err()
}

#[test]
fn parses_a_good_file_and_keeps_its_blocks() {
    let (vtt, warnings) = parsed(GOOD);
    assert!(warnings.is_empty(), "{warnings:?}");
    assert_eq!(vtt.header, " - Greeting in ASL\nKind: captions");
    assert_eq!(vtt.cues.len(), 3);
    assert_eq!(vtt.cues[0].identifier.as_deref(), Some("intro"));
    assert_eq!((vtt.cues[0].start, vtt.cues[0].end), (0.0, 2.5));
    assert_eq!(vtt.cues[0].settings, "line:90%");
    assert_eq!(vtt.cues[0].line, 10);
    assert_eq!(vtt.cues[0].text, "<v Alex>Hello &amp; welcome!</v>");
    assert_eq!(vtt.cues[1].settings, "");
    let kinds: Vec<_> = vtt.blocks.iter().map(|b| (b.kind, b.line)).collect();
    assert_eq!(kinds, [(BlockKind::Note, 4), (BlockKind::Style, 6)]);
    assert_eq!(vtt.blocks[1].text, "::cue { color: yellow }");
    let transcript = vtt.transcript();
    assert_eq!(transcript[0].speaker.as_deref(), Some("Alex"));
    assert_eq!(transcript[0].text, "Hello & welcome!");
    assert_eq!(
        transcript[1].text,
        "[door bell rings] Someone is at the door."
    );
    assert_eq!(transcript[1].start, "00:00:02.500");
    assert_eq!(transcript[2].text, "<3");
}

#[test]
fn signature_rules() {
    for bad in [
        "",
        "WEBVT",
        "webvtt\n\n00:00.000 --> 00:01.000\nx",
        "WEBVTTX\n",
        "\u{feff}\u{feff}WEBVTT\n",
    ] {
        let e = error_of(bad);
        assert_eq!(e.line, 1, "{bad:?}");
        assert!(e.message.contains("WEBVTT"), "{bad:?}: {e}");
    }
    // A signature with nothing after it is fine, but has no cues.
    let e = error_of("WEBVTT");
    assert!(e.message.contains("no cues"), "{e}");
    for good in ["WEBVTT\t title", "WEBVTT -->", "WEBVTT\r\n"] {
        let text = format!("{good}\n\n00:00.000 --> 00:01.000\nx");
        assert_eq!(parsed(&text).0.cues.len(), 1, "{good:?}");
    }
}

#[test]
fn line_ends_bom_and_nul() {
    let (vtt, _) =
        parsed("WEBVTT\r\rcr\r00:00.000 --> 00:01.000\rone\n\r\n2\n00:01.000 --> 00:02.000\na\0b");
    assert_eq!(vtt.cues.len(), 2);
    assert_eq!(vtt.cues[0].identifier.as_deref(), Some("cr"));
    assert_eq!(vtt.cues[1].text, "a\u{fffd}b");
    // Invalid UTF-8 becomes U+FFFD, as browsers decode it.
    let (vtt, _) = parse_with_warnings(b"WEBVTT\n\n00:00.000 --> 00:01.000\n\xff!").unwrap();
    assert_eq!(vtt.cues[0].text, "\u{fffd}!");
}

#[test]
fn a_cue_right_after_the_header_line_is_read_with_a_warning() {
    let (vtt, warnings) = parsed("WEBVTT\n00:00.000 --> 00:01.000\nhi\n");
    assert_eq!(vtt.cues.len(), 1);
    assert_eq!(warnings[0].line, 2);
    let (vtt, warnings) = parsed("WEBVTT\nKind: captions\n00:00.000 --> 00:01.000\nhi\n");
    assert_eq!(vtt.header, "\nKind: captions");
    assert_eq!(vtt.cues.len(), 1);
    assert_eq!(warnings.len(), 1);
}

#[test]
fn timestamps_follow_the_collect_rules() {
    assert_eq!(parse_timestamp("01:02:03.004"), Some(3723.004));
    assert_eq!(parse_timestamp("02:03.004"), Some(123.004));
    assert_eq!(parse_timestamp("100:00:00.000"), Some(360_000.0));
    // A first number of one, three or more digits, or above 59, is hours.
    assert_eq!(parse_timestamp("1:02:03.004"), Some(3723.004));
    assert_eq!(parse_timestamp("60:00.000"), None);
    assert_eq!(parse_timestamp("2:03.004"), None);
    assert_eq!(parse_timestamp("02:03.04"), None);
    assert_eq!(parse_timestamp("02:03.0040"), None);
    assert_eq!(parse_timestamp("00:60.000"), None);
    assert_eq!(parse_timestamp("00:00:00,000"), None);
    assert_eq!(parse_timestamp("99999999999999999999:00:00.000"), None);
    assert_eq!(format_timestamp(3723.004), "01:02:03.004");
}

#[test]
fn a_bad_timing_line_skips_its_cue_with_a_warning() {
    let text = "WEBVTT\n\n00:00.000 --> 00:01.000\nHello\n\n00:01,000 --> 00:02.000\nOops\n\n00:02.000 --> 00:03.000\nok\n";
    let (vtt, warnings) = parsed(text);
    assert_eq!(vtt.cues.len(), 2);
    assert_eq!(warnings.len(), 1);
    assert_eq!(warnings[0].line, 6);
    assert!(
        warnings[0].message.contains("start time"),
        "{}",
        warnings[0]
    );
    let (_, warnings) = parsed("WEBVTT\n\n00:00.000 -> 00:01.000\nx\n\n00:01.000 --> 00:02.000\ny");
    assert_eq!(
        warnings[0].to_string(),
        "Line 3: a block without a timing line was skipped"
    );
    let (_, warnings) =
        parsed("WEBVTT\n\n00:00.000 --> 00:61.000\nx\n\n00:01.000 --> 00:02.000\ny");
    assert!(warnings[0].message.contains("end time"), "{}", warnings[0]);
}

#[test]
fn whitespace_around_timings_and_settings() {
    let (vtt, _) = parsed("WEBVTT\n\n \t\u{c}00:00.000\t-->  00:01.000   align:start\t line:0 \nx");
    assert_eq!(vtt.cues[0].settings, "align:start line:0");
    // Vertical tab is not WebVTT whitespace.
    assert!(parse(b"WEBVTT\n\n\x0b00:00.000 --> 00:01.000\nx").is_err());
}

#[test]
fn end_before_start_and_out_of_order_cues_are_kept_as_browsers_keep_them() {
    let (vtt, warnings) =
        parsed("WEBVTT\n\n00:05.000 --> 00:04.000\na\n\n00:01.000 --> 00:02.000\nb\n");
    assert_eq!(vtt.cues.len(), 2);
    assert!(warnings.is_empty());
}

#[test]
fn an_arrow_line_inside_a_cue_starts_the_next_block() {
    let (vtt, warnings) =
        parsed("WEBVTT\n\n00:00.000 --> 00:01.000\nhi\n00:01.000 --> 00:02.000\nthere\n");
    assert_eq!(vtt.cues.len(), 2);
    assert_eq!(vtt.cues[1].line, 5);
    assert!(warnings.is_empty());
}

#[test]
fn style_and_region_only_before_the_first_cue() {
    let text = "WEBVTT\n\nREGION\nid:r1 width:40%\n\nSTYLE \n::cue { color: red }\n\n00:00.000 --> 00:01.000 region:r1\nhi\n\nSTYLE\n::cue {}\n";
    let (vtt, warnings) = parsed(text);
    assert_eq!(vtt.blocks.len(), 2);
    assert_eq!(vtt.blocks[0].kind, BlockKind::Region);
    assert_eq!(vtt.blocks[0].text, "id:r1 width:40%");
    assert_eq!(vtt.blocks[1].kind, BlockKind::Style);
    assert_eq!(warnings.len(), 1);
    assert_eq!(warnings[0].line, 12);
    assert!(warnings[0].message.contains("STYLE"));
    // "STYLE" then a timing line is a cue whose identifier is STYLE.
    let (vtt, _) = parsed("WEBVTT\n\nSTYLE\n00:00.000 --> 00:01.000\nx");
    assert_eq!(vtt.cues[0].identifier.as_deref(), Some("STYLE"));
}

#[test]
fn issue_case_style_rules_separated_by_a_blank_line() {
    let text = "WEBVTT\n\nSTYLE\n::cue {\n  color: yellow;\n}\n\n::cue(b) {\n  color: white;\n}\n\n00:00:00.000 --> 00:00:02.000\n<b>One</b>\n\n00:00:02.000 --> 00:00:04.000\nTwo\n";
    let (vtt, warnings) = parsed(text);
    assert_eq!(vtt.cues.len(), 2);
    assert_eq!(vtt.blocks.len(), 1);
    assert_eq!(warnings.len(), 1);
    assert_eq!(warnings[0].line, 8);
}

#[test]
fn issue_case_stray_arrow_lines() {
    let text = "WEBVTT\n\n-->\n00:00:00.000 --> 00:00:01.000\none\n\n00:00:01.000 --> 00:00:02.000\ntwo\n-->\n\n00:00:02.000 --> 00:00:03.000\nthree\n\n00:00:03.000 --> 00:00:04.000\nfour\n\n-->\n\n00:00:04.000 --> 00:00:05.000\nfive\n\n00:00:05.000 --> 00:00:06.000\nsix\n";
    let (vtt, warnings) = parsed(text);
    assert_eq!(vtt.cues.len(), 6);
    assert_eq!(vtt.cues[0].text, "one");
    assert_eq!(vtt.cues[1].text, "two");
    // The three "-->" lines, each a broken timing line.
    assert_eq!(warnings.len(), 3, "{warnings:?}");
    assert_eq!(warnings[0].line, 3);
    assert!(
        warnings[0]
            .message
            .contains("\"-->\" is not a valid cue timing line"),
        "{}",
        warnings[0]
    );
}

#[test]
fn notes_are_kept_and_an_arrow_ends_them() {
    let (vtt, _) = parsed("WEBVTT\n\nNOTE\nhello\n00:00.000 --> 00:01.000\nx\n\nNOTE after\n");
    // "NOTE\nhello" then a timing line on line 3 of the block: the note ends there.
    assert_eq!(vtt.cues.len(), 1);
    assert_eq!(vtt.blocks.len(), 2);
    assert_eq!(vtt.blocks[0].text, "NOTE\nhello");
    assert_eq!(vtt.blocks[1].before_cue, 1);
}

#[test]
fn refused_only_when_no_cue_is_left() {
    let e = error_of("WEBVTT\n\nNOTE only a note\n");
    assert!(e.message.contains("no cues"), "{e}");
    let e = error_of("WEBVTT\n\n00:00,000 --> 00:01.000\nhi\n");
    assert_eq!(e.line, 3, "{e}");
    assert!(e.message.contains("start time"), "{e}");
    let e = error_of("WEBVTT\n\n00:00.000 -> 00:01.000\nBroken\n");
    assert!(
        e.to_string()
            .starts_with("Line 4: expected a cue timing line"),
        "{e}"
    );
    let e = error_of("WEBVTT\n\nhello\n\nNOTE x\n");
    assert!(
        e.to_string().starts_with("Line 3: \"hello\" is not a cue"),
        "{e}"
    );
    let e = error_of("1\n00:00.000 --> 00:01.000\nhi\n");
    assert_eq!(e.line, 1);
}

#[test]
fn transcript_strips_markup() {
    let (speaker, text) = plain_text(
        "<v.loud Sam Lee>Hi</v> <c.yellow>there</c> <00:00:01.000><ruby>漢<rt>kan</rt>字<rt>ji</rt></ruby>&#233;&#xE9;&quot;&bogus; & <3",
    );
    assert_eq!(speaker.as_deref(), Some("Sam Lee"));
    // A `<` without `>` opens a tag to the end, as browsers read it.
    assert_eq!(text, "Hi there 漢字éé\"&bogus; &");
    let (_, text) = plain_text("  line one \n\n line two ");
    assert_eq!(text, "line one line two");
}

#[test]
fn write_round_trips() {
    let (vtt, _) = parsed(GOOD);
    let out = write(&vtt);
    assert!(out.starts_with("WEBVTT - Greeting in ASL\nKind: captions\n\nNOTE written"));
    assert!(out.contains(
        "STYLE\n::cue { color: yellow }\n\nintro\n00:00:00.000 --> 00:00:02.500 line:90%\n"
    ));
    let (again, warnings) = parsed(&out);
    assert!(warnings.is_empty());
    assert_eq!(again, WebVtt { ..vtt.clone() }.with_lines_of(&again));
}

impl WebVtt {
    /// `self` with the line numbers of `other` (lines move when a file is rewritten).
    fn with_lines_of(mut self, other: &WebVtt) -> WebVtt {
        for (a, b) in self.cues.iter_mut().zip(&other.cues) {
            a.line = b.line;
        }
        for (a, b) in self.blocks.iter_mut().zip(&other.blocks) {
            a.line = b.line;
        }
        self
    }
}
