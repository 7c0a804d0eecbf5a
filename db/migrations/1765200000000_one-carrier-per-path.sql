-- Up Migration
-- One library path, one item: two live items carrying one path would both copy to (and replace)
-- the same vault object. The sorter, the webhooks and the workflow's rename check this first;
-- the index makes it a rule of the catalog too. Deleted items and duplicates carry nothing.
CREATE UNIQUE INDEX media_items_one_carrier ON media_items (library_path)
  WHERE library_path IS NOT NULL AND stage NOT IN ('deleted', 'duplicate');

-- Down Migration
DROP INDEX media_items_one_carrier;
