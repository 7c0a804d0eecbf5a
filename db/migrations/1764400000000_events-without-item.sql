-- Up Migration
-- Events that belong to no item: an *arr deleted a file vaultarr never carried. Its vault copy goes
-- to the trash and the event is recorded with its library path, without inventing an item for it.
ALTER TABLE events ALTER COLUMN workflow_id DROP NOT NULL;
ALTER TABLE events ADD COLUMN library_path text;
CREATE INDEX events_library_path ON events (library_path) WHERE workflow_id IS NULL;

-- Down Migration
DROP INDEX events_library_path;
DELETE FROM events WHERE workflow_id IS NULL;
ALTER TABLE events DROP COLUMN library_path;
ALTER TABLE events ALTER COLUMN workflow_id SET NOT NULL;
