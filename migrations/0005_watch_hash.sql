-- 0005 (chain): the hash of the block a log watcher's cursor points at, so that a watcher started
-- again after a reorg sees that the chain replaced that block and hands its logs over again.
-- Renumbered at merge if another branch took the number.
ALTER TABLE chain_cursors ADD COLUMN block_hash text CHECK (block_hash ~ '^0x[0-9a-f]{64}$');
