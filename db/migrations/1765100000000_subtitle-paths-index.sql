-- Up Migration
-- Sorting asks which live item holds a target path, as its video or one of its subtitles
-- (`liveItemsAt`): without this index every sorted release scanned the whole catalog (35 ms per
-- release with 100,000 items; 0.7 ms with it).
CREATE INDEX media_items_subtitle_paths ON media_items USING gin (subtitle_paths);

-- Down Migration
DROP INDEX media_items_subtitle_paths;
