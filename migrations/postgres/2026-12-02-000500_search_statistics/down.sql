DROP STATISTICS IF EXISTS captions_language_lower;
