-- Frames per second of the processed video, read by the worker (FFmpeg avg_frame_rate); the player steps frames by it.
ALTER TABLE videos ADD COLUMN frame_rate DOUBLE PRECISION;
