//! The player's interface copy (controls, announcements, transcript, chapters,
//! shortcuts), keyed like the rest of the [copy catalogue](super::copy): (key, reading
//! level, text). The template renders every word the player shows or announces, so
//! `player.js` has none of its own; `{n}`, `{t}`, `{a}`, `{b}`, `{i}` and `{name}` are
//! filled in by the script.

/// (key, level, text). Every key has a level-3 entry (checked by a test).
pub(super) const PLAYER_COPY: &[(&str, u8, &str)] = &[
    ("player.controls", 3, "Video controls"),
    ("player.play", 3, "Play"),
    ("player.pause", 3, "Pause"),
    ("player.back", 3, "Back 5 seconds"),
    ("player.back", 1, "Go back 5 seconds"),
    ("player.forward", 3, "Forward 5 seconds"),
    ("player.forward", 1, "Skip 5 seconds"),
    ("player.position", 3, "Position"),
    ("player.position", 1, "Where you are in the video"),
    ("player.time", 3, "{t} of {d}"),
    ("player.speed", 3, "Speed"),
    ("player.normal_speed", 3, "Normal speed"),
    ("player.captions", 3, "Captions"),
    ("player.captions.off", 3, "Off"),
    ("player.descriptions", 3, "Text descriptions"),
    ("player.descriptions", 1, "Words that say what you see"),
    ("player.description.now", 3, "Description"),
    ("player.fullscreen", 3, "Full screen"),
    ("player.exit_fullscreen", 3, "Exit full screen"),
    ("player.mute", 3, "Mute"),
    ("player.unmute", 3, "Unmute"),
    ("player.sign", 3, "Sign language video"),
    ("player.sign.choose", 3, "Signed edition"),
    ("player.sign.choose", 1, "Which sign language"),
    ("player.swap", 3, "Swap"),
    ("player.tools", 3, "Tools for learning signs"),
    ("player.tools", 1, "Learn signs"),
    ("player.loop_start", 3, "Set loop start"),
    ("player.loop_end", 3, "Set loop end"),
    ("player.loop_clear", 3, "Clear loop"),
    ("player.prev_frame", 3, "Previous frame"),
    ("player.next_frame", 3, "Next frame"),
    ("player.slow", 3, "Slow motion"),
    ("player.mirror", 3, "Mirror"),
    ("player.settings", 3, "Sign video layout"),
    ("player.layout", 3, "Layout"),
    ("player.layout.pip", 3, "Picture in picture"),
    ("player.layout.side", 3, "Side by side"),
    ("player.corner", 3, "Corner"),
    ("player.corner.top-left", 3, "Top left"),
    ("player.corner.top-right", 3, "Top right"),
    ("player.corner.bottom-left", 3, "Bottom left"),
    ("player.corner.bottom-right", 3, "Bottom right"),
    ("player.size", 3, "Size"),
    ("player.size.small", 3, "Small"),
    ("player.size.medium", 3, "Medium"),
    ("player.size.large", 3, "Large"),
    ("player.settings.save", 3, "Save layout"),
    ("player.editions", 3, "Signed editions"),
    ("player.editions", 1, "Other sign languages"),
    // Keyboard shortcuts
    ("player.shortcuts", 3, "Keyboard shortcuts"),
    (
        "player.shortcuts.hint",
        3,
        "They work only while keyboard focus is inside the player.",
    ),
    (
        "player.shortcuts.hint",
        1,
        "They only work when you are in the player.",
    ),
    (
        "player.shortcuts.off",
        3,
        "Keyboard shortcuts are turned off in your preferences.",
    ),
    ("player.shortcuts.off", 1, "Shortcuts are off."),
    ("player.key.play", 3, "Play or pause"),
    ("player.key.back", 3, "Back 5 seconds"),
    ("player.key.forward", 3, "Forward 5 seconds"),
    ("player.key.frames", 3, "Previous or next frame"),
    ("player.key.speed", 3, "Slower or faster"),
    ("player.key.captions", 3, "Captions on or off"),
    ("player.key.mirror", 3, "Mirror on or off"),
    ("player.key.sign", 3, "Sign language video on or off"),
    ("player.key.or", 3, "or"),
    // Announcements in #status
    ("player.said.playing", 3, "Playing"),
    ("player.said.paused", 3, "Paused"),
    ("player.said.speed", 3, "Speed {n} ×"),
    ("player.said.muted", 3, "Sound off"),
    ("player.said.unmuted", 3, "Sound on"),
    ("player.said.captions_off", 3, "Captions off"),
    ("player.said.captions_on", 3, "Captions: {name}"),
    ("player.said.descriptions_off", 3, "Text descriptions off"),
    (
        "player.said.descriptions_on",
        3,
        "Text descriptions: {name}",
    ),
    ("player.said.at", 3, "At {t}"),
    ("player.said.loop_start", 3, "Loop starts at {t}"),
    ("player.said.loop_set", 3, "Loop from {a} to {b}"),
    ("player.said.loop_cleared", 3, "Loop cleared"),
    ("player.said.frame", 3, "Frame at {t}"),
    ("player.said.mirror_on", 3, "Mirror on"),
    ("player.said.mirror_off", 3, "Mirror off"),
    ("player.said.sign_on", 3, "Sign language video on"),
    ("player.said.sign_off", 3, "Sign language video off"),
    (
        "player.said.swapped",
        3,
        "The signed edition is the main picture",
    ),
    (
        "player.said.unswapped",
        3,
        "The original video is the main picture",
    ),
    ("player.said.edition", 3, "Signed edition: {name}"),
    ("player.said.fullscreen", 3, "Full screen"),
    ("player.said.fullscreen_off", 3, "Full screen closed"),
    ("player.said.layout_saved", 3, "Player layout saved"),
    (
        "player.said.layout_failed",
        3,
        "The layout could not be saved",
    ),
    ("player.said.chapter", 3, "Chapter: {name}"),
    // Transcript
    ("player.transcript.search", 3, "Search the transcript"),
    (
        "player.transcript.search",
        1,
        "Find words in the transcript",
    ),
    ("player.transcript.previous", 3, "Previous match"),
    ("player.transcript.next", 3, "Next match"),
    ("player.transcript.count", 3, "{i} of {n}"),
    ("player.transcript.none", 3, "No matches"),
    ("player.transcript.none", 1, "Not found"),
    ("player.transcript.download", 3, "Download the transcript"),
    ("player.transcript.txt", 3, "Text (.txt)"),
    ("player.transcript.vtt", 3, "Captions file (.vtt)"),
    ("player.transcript.seek", 3, "Play from here"),
    // Chapters
    ("player.chapters", 3, "Chapters"),
    ("player.chapters.current", 3, "Current chapter:"),
    ("player.chapters.current", 1, "Now:"),
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::copy::text;

    #[test]
    fn every_player_key_has_standard_copy_and_the_issue_names() {
        for (key, _, _) in PLAYER_COPY {
            assert!(
                PLAYER_COPY.iter().any(|(k, l, _)| k == key && *l == 3),
                "{key} has no level-3 copy"
            );
        }
        let names = [
            ("player.play", "Play"),
            ("player.pause", "Pause"),
            ("player.back", "Back 5 seconds"),
            ("player.forward", "Forward 5 seconds"),
            ("player.speed", "Speed"),
            ("player.normal_speed", "Normal speed"),
            ("player.captions", "Captions"),
            ("player.fullscreen", "Full screen"),
            ("player.mute", "Mute"),
            ("player.unmute", "Unmute"),
            ("player.sign", "Sign language video"),
            ("player.swap", "Swap"),
            ("player.mirror", "Mirror"),
        ];
        for (key, name) in names {
            assert_eq!(text(key, 3), name);
        }
        assert_eq!(text("player.back", 1), "Go back 5 seconds");
        assert_eq!(text("player.back", 2), "Go back 5 seconds");
        assert_eq!(text("player.back", 5), "Back 5 seconds");
    }
}
