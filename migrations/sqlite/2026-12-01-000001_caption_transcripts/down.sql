ALTER TABLE captions DROP COLUMN transcript;
