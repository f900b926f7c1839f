-- The caption-language filter of search (issue 14) compares lower(language): without
-- statistics on that expression the planner guesses that 1 track in 200 matches, and for
-- a common language ("captions=en") it then reads every track into a hash instead of
-- walking the newest videos and stopping after a page (50 ms or more instead of a few).
-- ANALYZE (and autovacuum) keep these statistics current.
CREATE STATISTICS captions_language_lower ON (lower(language)) FROM captions;
ANALYZE captions;
