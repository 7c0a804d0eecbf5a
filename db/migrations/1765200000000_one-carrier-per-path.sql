-- Up Migration
-- One library path, one item: two live items carrying one path would both copy to (and replace)
-- the same vault object. The sorter, the webhooks and the workflow's rename check this first;
-- the index makes it a rule of the catalog too. Ended items (deleted, duplicate, skipped) carry
-- nothing: the list is domain/stages.ts's ENDED_STAGES (a test holds them equal).
CREATE UNIQUE INDEX media_items_one_carrier ON media_items (library_path)
  WHERE library_path IS NOT NULL AND stage NOT IN ('deleted', 'duplicate', 'skipped');

-- Down Migration
DROP INDEX media_items_one_carrier;
