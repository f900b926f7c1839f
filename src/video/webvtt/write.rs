//! The serializer: a [`WebVtt`] back to WebVTT text that [`super::parse`] reads as the
//! same document (header, STYLE / REGION / NOTE blocks in place, cues with identifiers,
//! settings and text).

use std::fmt::Write as _;

use super::{Block, BlockKind, Cue, WebVtt, format_timestamp};

fn write_block(out: &mut String, block: &Block) {
    match block.kind {
        BlockKind::Style => out.push_str("STYLE\n"),
        BlockKind::Region => out.push_str("REGION\n"),
        BlockKind::Note => {}
    }
    out.push_str(&block.text);
    out.push_str("\n\n");
}

fn write_cue(out: &mut String, cue: &Cue) {
    if let Some(id) = cue.identifier.as_deref().filter(|id| !id.is_empty()) {
        out.push_str(id);
        out.push('\n');
    }
    let _ = write!(
        out,
        "{} --> {}",
        format_timestamp(cue.start),
        format_timestamp(cue.end)
    );
    if !cue.settings.is_empty() {
        out.push(' ');
        out.push_str(&cue.settings);
    }
    out.push('\n');
    if !cue.text.is_empty() {
        out.push_str(&cue.text);
        out.push('\n');
    }
    out.push('\n');
}

/// Where a block goes: STYLE and REGION always before the first cue (browsers ignore
/// them later), a NOTE before cue number `before_cue`.
fn place(block: &Block) -> usize {
    match block.kind {
        BlockKind::Note => block.before_cue,
        BlockKind::Style | BlockKind::Region => 0,
    }
}

/// `doc` as WebVTT text: `WEBVTT` and the header, a blank line, then the blocks and cues
/// in file order, each followed by a blank line.
pub fn write(doc: &WebVtt) -> String {
    let mut out = String::from("WEBVTT");
    out.push_str(&doc.header);
    out.push_str("\n\n");
    let mut sorted: Vec<&Block> = doc.blocks.iter().collect();
    sorted.sort_by_key(|b| place(b));
    let mut blocks = sorted.into_iter().peekable();
    for (i, cue) in doc.cues.iter().enumerate() {
        while let Some(block) = blocks.next_if(|b| place(b) <= i) {
            write_block(&mut out, block);
        }
        write_cue(&mut out, cue);
    }
    for block in blocks {
        write_block(&mut out, block);
    }
    out
}
