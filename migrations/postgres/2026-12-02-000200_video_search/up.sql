-- Full-text search (issue 14): one tsvector per video (title A, description B, the text
-- of its caption and subtitle tracks C) with a GIN index. Kept in step by triggers, so
-- every write path (upload, edit, caption upload/edit/restore/delete, video delete)
-- updates the index in the same transaction as the row it changes.
CREATE TABLE video_search (
    video_id INTEGER PRIMARY KEY REFERENCES videos (id) ON DELETE CASCADE,
    document tsvector NOT NULL
);
CREATE INDEX video_search_document_idx ON video_search USING GIN (document);

-- The document of video `vid` (NULL when it does not exist). The transcript part is cut
-- at 250,000 characters: a tsvector has a 1 MB limit, and a write must never fail on it.
CREATE FUNCTION video_search_document(vid integer) RETURNS tsvector
LANGUAGE sql STABLE AS $$
    SELECT setweight(to_tsvector('english', v.title), 'A')
        || setweight(to_tsvector('english', v.description), 'B')
        || setweight(to_tsvector('english', left(coalesce((
               SELECT string_agg(e.line ->> 'text', ' ')
               FROM captions c,
                    jsonb_array_elements(CASE WHEN jsonb_typeof(c.transcript::jsonb) = 'array'
                                              THEN c.transcript::jsonb ELSE '[]'::jsonb END) AS e(line)
               WHERE c.video_id = v.id AND c.kind IN ('captions', 'subtitles')
                 AND c.transcript IS NOT NULL), ''), 250000)), 'C')
    FROM videos v WHERE v.id = vid
$$;

CREATE FUNCTION video_search_refresh() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_TABLE_NAME = 'videos' THEN
        INSERT INTO video_search (video_id, document)
        VALUES (NEW.id, coalesce(video_search_document(NEW.id), ''::tsvector))
        ON CONFLICT (video_id) DO UPDATE SET document = EXCLUDED.document;
        RETURN NULL;
    END IF;
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        UPDATE video_search SET document = coalesce(video_search_document(OLD.video_id), ''::tsvector)
        WHERE video_id = OLD.video_id;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        UPDATE video_search SET document = coalesce(video_search_document(NEW.video_id), ''::tsvector)
        WHERE video_id = NEW.video_id;
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER video_search_videos AFTER INSERT OR UPDATE OF title, description ON videos
    FOR EACH ROW EXECUTE FUNCTION video_search_refresh();
CREATE TRIGGER video_search_captions AFTER INSERT OR UPDATE OR DELETE ON captions
    FOR EACH ROW EXECUTE FUNCTION video_search_refresh();

INSERT INTO video_search (video_id, document)
SELECT id, coalesce(video_search_document(id), ''::tsvector) FROM videos;

-- Keyset pages of listed videos, newest first: all languages, and one language.
CREATE INDEX videos_listed_newest_idx ON videos (created_at, id)
    WHERE visibility = 'public' AND status = 'ready' AND hidden_at IS NULL;
CREATE INDEX videos_listed_language_idx ON videos (sign_language, created_at, id)
    WHERE visibility = 'public' AND status = 'ready' AND hidden_at IS NULL;
