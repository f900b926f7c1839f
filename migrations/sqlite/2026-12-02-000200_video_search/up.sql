-- Full-text search (issue 14): one FTS5 row per video (rowid = videos.id) holding its
-- title, description and the text of its caption and subtitle tracks. Kept in step by
-- triggers, so every write path (upload, edit, caption upload/edit/restore/delete, video
-- delete) updates the index in the same transaction as the row it changes.
CREATE VIRTUAL TABLE video_fts USING fts5(
    title, description, transcript,
    tokenize = 'porter unicode61 remove_diacritics 2'
);

-- The transcript text of video X: every cue's text of its captions and subtitles tracks.
-- (Repeated in each trigger: SQLite has no stored functions.)
CREATE TRIGGER video_fts_video_insert AFTER INSERT ON videos BEGIN
    INSERT INTO video_fts (rowid, title, description, transcript)
    VALUES (NEW.id, NEW.title, NEW.description, '');
END;

CREATE TRIGGER video_fts_video_update AFTER UPDATE OF title, description ON videos BEGIN
    UPDATE video_fts SET title = NEW.title, description = NEW.description WHERE rowid = NEW.id;
END;

CREATE TRIGGER video_fts_video_delete AFTER DELETE ON videos BEGIN
    DELETE FROM video_fts WHERE rowid = OLD.id;
END;

CREATE TRIGGER video_fts_caption_insert AFTER INSERT ON captions BEGIN
    UPDATE video_fts SET transcript = (
        SELECT coalesce(group_concat(json_extract(j.value, '$.text'), char(10)), '')
        FROM captions c,
             json_each(CASE WHEN json_valid(c.transcript) THEN c.transcript ELSE '[]' END) j
        WHERE c.video_id = NEW.video_id AND c.kind IN ('captions', 'subtitles')
    ) WHERE rowid = NEW.video_id;
END;

CREATE TRIGGER video_fts_caption_update AFTER UPDATE ON captions BEGIN
    UPDATE video_fts SET transcript = (
        SELECT coalesce(group_concat(json_extract(j.value, '$.text'), char(10)), '')
        FROM captions c,
             json_each(CASE WHEN json_valid(c.transcript) THEN c.transcript ELSE '[]' END) j
        WHERE c.video_id = video_fts.rowid AND c.kind IN ('captions', 'subtitles')
    ) WHERE rowid IN (OLD.video_id, NEW.video_id);
END;

CREATE TRIGGER video_fts_caption_delete AFTER DELETE ON captions BEGIN
    UPDATE video_fts SET transcript = (
        SELECT coalesce(group_concat(json_extract(j.value, '$.text'), char(10)), '')
        FROM captions c,
             json_each(CASE WHEN json_valid(c.transcript) THEN c.transcript ELSE '[]' END) j
        WHERE c.video_id = OLD.video_id AND c.kind IN ('captions', 'subtitles')
    ) WHERE rowid = OLD.video_id;
END;

INSERT INTO video_fts (rowid, title, description, transcript)
SELECT v.id, v.title, v.description, (
    SELECT coalesce(group_concat(json_extract(j.value, '$.text'), char(10)), '')
    FROM captions c,
         json_each(CASE WHEN json_valid(c.transcript) THEN c.transcript ELSE '[]' END) j
    WHERE c.video_id = v.id AND c.kind IN ('captions', 'subtitles')
) FROM videos v;

-- Keyset pages of listed videos, newest first: all languages, and one language.
CREATE INDEX videos_listed_newest_idx ON videos (created_at, id)
    WHERE visibility = 'public' AND status = 'ready' AND hidden_at IS NULL;
CREATE INDEX videos_listed_language_idx ON videos (sign_language, created_at, id)
    WHERE visibility = 'public' AND status = 'ready' AND hidden_at IS NULL;
