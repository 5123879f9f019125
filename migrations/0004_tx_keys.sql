-- 0004 (chain): idempotency keys belong to a sender. The same key from two senders names two
-- transactions; the same key from one sender names one (a different request with it is refused
-- by the transaction store, which compares to, value, data and gas limit).
ALTER TABLE chain_txs DROP CONSTRAINT chain_txs_idem_key_key;
CREATE UNIQUE INDEX chain_txs_idem_key_per_sender ON chain_txs (chain_id, from_addr, idem_key)
  WHERE idem_key IS NOT NULL;
