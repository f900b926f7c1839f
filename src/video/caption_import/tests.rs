//! Format detection, limits and the stored file of [`super::import`].

use super::*;

#[test]
fn detects_formats_by_content_then_name() {
    let srt = "1\n00:00:01,000 --> 00:00:02,000\nHi\n";
    let sbv = "0:00:01.000,0:00:02.000\nHi\n";
    let vtt = "WEBVTT\n\n00:01.000 --> 00:02.000\nHi\n";
    assert_eq!(detect(Some("a.srt"), srt), Format::SubRip);
    assert_eq!(detect(Some("a.vtt"), srt), Format::SubRip);
    assert_eq!(detect(None, srt), Format::SubRip);
    assert_eq!(detect(Some("a.SBV"), sbv), Format::Sbv);
    assert_eq!(detect(Some("captions.txt"), sbv), Format::Sbv);
    assert_eq!(detect(Some("a.srt"), vtt), Format::WebVtt);
    assert_eq!(detect(Some("a.vtt"), "hello"), Format::WebVtt);
    assert_eq!(detect(Some("a.srt"), "hello"), Format::SubRip);
}

#[test]
fn imports_subrip_in_windows_1252_as_utf8_webvtt() {
    let bytes = b"1\r\n00:00:01,000 --> 00:00:02,000\r\nCaf\xe9 with Zo\xeb\r\n";
    let imported = import(Some("old.srt"), bytes, Limits::default()).unwrap();
    assert_eq!(imported.format, Format::SubRip);
    let vtt = String::from_utf8(imported.vtt).unwrap();
    assert_eq!(
        vtt,
        "WEBVTT\n\n1\n00:00:01.000 --> 00:00:02.000\nCafé with Zoë\n\n"
    );
    assert_eq!(imported.warnings.len(), 2, "{:?}", imported.warnings);
    assert!(imported.warnings[0].contains("windows-1252"));
}

#[test]
fn a_utf8_webvtt_file_is_stored_as_sent_and_utf16_is_reencoded() {
    let text = "WEBVTT\n\nNOTE kept\n\n00:01.000 --> 00:02.000 align:start\n<v Zoë>café\n";
    let imported = import(Some("a.vtt"), text.as_bytes(), Limits::default()).unwrap();
    assert_eq!(imported.vtt, text.as_bytes());
    assert!(imported.warnings.is_empty());
    let mut utf16 = vec![0xff, 0xfe];
    utf16.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
    let imported = import(Some("a.vtt"), &utf16, Limits::default()).unwrap();
    assert_eq!(imported.vtt, text.as_bytes());
    assert_eq!(imported.doc.transcript()[0].text, "café");
}

#[test]
fn limits_refuse_too_many_cues_and_too_long_cues() {
    let limits = Limits {
        max_cues: 2,
        max_cue_chars: 5,
    };
    let three = "WEBVTT\n\n00:01.000 --> 00:02.000\na\n\n00:02.000 --> 00:03.000\nb\n\n00:03.000 --> 00:04.000\nc\n";
    let e = import(None, three.as_bytes(), limits).unwrap_err();
    assert_eq!(e, ImportError::TooManyCues { count: 3, max: 2 });
    let long = "WEBVTT\n\n00:01.000 --> 00:02.000\nabcdéf\n";
    let e = import(None, long.as_bytes(), limits).unwrap_err();
    assert_eq!(
        e.to_string(),
        "Line 3: this cue has 6 characters; the most a cue may have is 5."
    );
    let e = import(Some("x.vtt"), b"nothing", limits).unwrap_err();
    assert!(
        e.to_string()
            .starts_with("The caption file is not valid WebVTT. Line 1:"),
        "{e}"
    );
}
