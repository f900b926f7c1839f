//! Interface copy of the caption editor and the track kinds, keyed like
//! [`super::copy`] (which looks these up too): (key, reading level, text), every key
//! with a level-3 entry, and plain versions of the editor's validation messages.

pub(super) const COPY: &[(&str, u8, &str)] = &[
    // Track kinds
    ("kind.captions", 3, "Captions"),
    ("kind.subtitles", 3, "Subtitles"),
    ("kind.chapters", 3, "Chapters"),
    ("kind.descriptions", 3, "Descriptions"),
    ("video.captions.kind", 3, "What the file holds"),
    (
        "video.captions.kind.hint",
        3,
        "Captions: the speech and sounds, for deaf viewers. Subtitles: a translation of the speech. Chapters: titles of the parts of the video. Descriptions: what can be seen, in words.",
    ),
    (
        "video.captions.kind.hint",
        1,
        "Captions are the words and sounds. Subtitles are the words in another language. Chapters name the parts. Descriptions tell what you see.",
    ),
    ("captions.tracks", 3, "Tracks"),
    ("captions.tracks.none", 3, "No tracks yet."),
    ("captions.edit_link", 3, "Edit cues"),
    ("captions.revisions_link", 3, "Earlier versions"),
    // The editor
    ("captions.edit", 3, "Edit captions"),
    (
        "captions.edit.lead",
        3,
        "Change the words and times of each cue, add cues or remove them. Nothing is kept until you choose Save changes; each save keeps the version it replaces.",
    ),
    (
        "captions.edit.lead",
        1,
        "Fix the words and the times. Then press Save changes.",
    ),
    ("captions.player", 3, "The video, to check the timings"),
    (
        "captions.player.hint",
        3,
        "Play or pause the video, then use the buttons by each cue to copy the video's time into it.",
    ),
    ("captions.cue", 3, "Cue"),
    ("captions.start", 3, "Start"),
    ("captions.end", 3, "End"),
    ("captions.text", 3, "Words"),
    ("captions.settings", 3, "Position settings"),
    (
        "captions.time.hint",
        3,
        "Hours:minutes:seconds.milliseconds, such as 00:01:02.500",
    ),
    ("captions.time.hint", 1, "Like 00:01:02.500"),
    ("captions.set_start", 3, "Set start to the player's time"),
    ("captions.set_end", 3, "Set end to the player's time"),
    ("captions.time_set", 3, "set to"),
    ("captions.insert", 3, "Insert a cue after"),
    (
        "captions.insert_top",
        3,
        "Insert a cue at the top of this page",
    ),
    ("captions.delete", 3, "Delete"),
    ("captions.save", 3, "Save changes"),
    ("captions.saved", 3, "The captions were saved."),
    ("captions.saved", 1, "Saved."),
    (
        "captions.overlap",
        3,
        "This cue starts before the one before it ends: both will show at once.",
    ),
    (
        "captions.overlap",
        1,
        "This cue and the one before show at the same time.",
    ),
    ("captions.overlaps", 3, "cues overlap the one before them."),
    (
        "captions.unsaved",
        3,
        "You have changes on this page that are not saved yet.",
    ),
    ("captions.unsaved", 1, "Not saved yet."),
    (
        "captions.inserted",
        3,
        "A new cue was added. Choose Save changes to keep it.",
    ),
    (
        "captions.deleted",
        3,
        "The cue was removed. Choose Save changes to keep this.",
    ),
    ("captions.page", 3, "Cues {from} to {to} of {total}"),
    ("captions.pages", 3, "Pages of cues"),
    ("captions.previous", 3, "Previous cues"),
    ("captions.next", 3, "Next cues"),
    ("captions.empty_page", 3, "No cues on this page."),
    ("captions.shift.heading", 3, "Shift every timing"),
    ("captions.shift.label", 3, "Milliseconds to shift by"),
    (
        "captions.shift.hint",
        3,
        "Moves every cue of the track. A positive number makes them later, a negative one earlier: 500 is half a second later, -500 half a second earlier.",
    ),
    (
        "captions.shift.hint",
        1,
        "500 moves all words half a second later. -500 moves them earlier.",
    ),
    ("captions.shift.submit", 3, "Shift timings"),
    ("captions.shifted", 3, "Every timing was shifted."),
    ("captions.back", 3, "Back to the video"),
    // Revisions
    ("captions.revisions", 3, "Earlier versions"),
    (
        "captions.revisions.lead",
        3,
        "Each save keeps the version it replaced. The last 10 are kept; older ones are removed.",
    ),
    (
        "captions.revisions.none",
        3,
        "No earlier versions yet. They appear here after you save changes.",
    ),
    ("captions.revisions.when", 3, "Replaced at (UTC)"),
    ("captions.revisions.by", 3, "Replaced by"),
    ("captions.revisions.cues", 3, "Cues"),
    ("captions.revisions.view", 3, "View"),
    ("captions.revisions.someone", 3, "A deleted account"),
    ("captions.revision", 3, "Earlier version"),
    (
        "captions.revision.lead",
        3,
        "This is how the captions were before a save. Restoring it makes it the current version again; the current version is kept as an earlier version.",
    ),
    ("captions.restore", 3, "Restore this version"),
    (
        "captions.restored",
        3,
        "The earlier version was restored. The version it replaced is in the list of earlier versions.",
    ),
    ("captions.restored", 1, "The old version is back."),
];

/// The editor's validation messages (shared with the API) and their plain versions.
pub(super) const PLAIN_ERRORS: &[(&str, &str)] = &[
    ("Enter the words of the cue", "Type the words."),
    (
        "The end time must be after the start time",
        "The end must be later than the start.",
    ),
    (
        "Enter a start time, such as 00:01:02.500",
        "Type when the words start, like 00:01:02.500.",
    ),
    (
        "Enter an end time, such as 00:01:04.000",
        "Type when the words end, like 00:01:04.000.",
    ),
    (
        "Choose captions, subtitles, chapters or descriptions",
        "Pick what the file holds.",
    ),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_key_has_standard_copy_and_is_found() {
        for (key, _, _) in COPY {
            assert!(
                COPY.iter().any(|(k, l, _)| k == key && *l == 3),
                "{key} has no level-3 copy"
            );
            assert!(!super::super::copy::text(key, 1).is_empty(), "{key}");
        }
        assert_eq!(
            super::super::copy::error_message("Enter the words of the cue", 1),
            "Type the words."
        );
    }
}
