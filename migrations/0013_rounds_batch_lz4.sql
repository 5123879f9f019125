-- 0013: a round's batch document (rounds.batch: ~1.1 MB for 1,000 feeds with their observations) is
-- compressed with lz4 instead of pglz. pglz took ~25 ms of each 1,000-feed round's insert; lz4 about
-- nothing, for a similar size (docs/ORACLE.md, "Performance"). Rows already stored keep their pglz
-- values (both are read transparently). A server built without lz4 keeps pglz.
DO $$
BEGIN
  ALTER TABLE rounds ALTER COLUMN batch SET COMPRESSION lz4;
EXCEPTION WHEN feature_not_supported OR invalid_parameter_value THEN
  RAISE NOTICE 'lz4 is not available on this server: rounds.batch stays pglz';
END $$;
