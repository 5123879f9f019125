-- 0002 (chain): where each log watcher got to, and every transaction obridge sends.
-- Numbered 0003 in the plan; renumbered at merge if another branch took the number.

-- Last block whose logs a watcher (chain_watch) has fully handed over.
CREATE TABLE chain_cursors (
  chain_id   bigint NOT NULL CHECK (chain_id > 0),
  name       text NOT NULL CHECK (length(name) BETWEEN 1 AND 128),
  block      bigint NOT NULL CHECK (block >= 0),
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (chain_id, name)
);

-- Next nonce to hand out per sender, allocated here so that two processes never take the same one.
CREATE TABLE chain_nonces (
  chain_id   bigint NOT NULL CHECK (chain_id > 0),
  address    text NOT NULL CHECK (address ~ '^0x[0-9a-f]{40}$'),
  next_nonce bigint NOT NULL CHECK (next_nonce >= 0),
  PRIMARY KEY (chain_id, address)
);

-- One row per logical transaction (one nonce of one sender). Fee bumps are versions of it
-- (chain_tx_versions); a supersede is a new row at the same nonce that replaces this one.
CREATE TABLE chain_txs (
  id           bigserial PRIMARY KEY,
  chain_id     bigint NOT NULL CHECK (chain_id > 0),
  from_addr    text NOT NULL CHECK (from_addr ~ '^0x[0-9a-f]{40}$'),
  nonce        bigint NOT NULL CHECK (nonce >= 0),
  to_addr      text CHECK (to_addr ~ '^0x[0-9a-f]{40}$'),   -- NULL: contract creation
  value_wei    numeric(78, 0) NOT NULL DEFAULT 0 CHECK (value_wei >= 0),
  data         bytea NOT NULL DEFAULT '',
  gas_limit    bigint NOT NULL CHECK (gas_limit > 0),
  purpose      text NOT NULL DEFAULT '',
  idem_key     text UNIQUE,    -- a caller's idempotency key: one transaction per key
  state        text NOT NULL CHECK (state IN ('queued', 'signed', 'broadcast', 'confirmed', 'finalized',
                                              'failed', 'superseded')),
  replaces     bigint REFERENCES chain_txs (id),
  mined_hash   text,           -- the version that was mined
  block_number bigint,
  block_hash   text,
  receipt_status integer,      -- 1 success, 0 reverted
  gas_used     bigint,
  error        text,
  bumps        integer NOT NULL DEFAULT 0,
  broadcast_block bigint,      -- head when the current version was first broadcast
  created_at   timestamptz NOT NULL DEFAULT now(),
  updated_at   timestamptz NOT NULL DEFAULT now()
);
-- Never two pending obridge transactions on one nonce, never two mined ones.
CREATE UNIQUE INDEX chain_txs_one_pending ON chain_txs (chain_id, from_addr, nonce)
  WHERE state IN ('queued', 'signed', 'broadcast');
CREATE UNIQUE INDEX chain_txs_one_mined ON chain_txs (chain_id, from_addr, nonce)
  WHERE state IN ('confirmed', 'finalized');
CREATE INDEX chain_txs_state ON chain_txs (state, chain_id, from_addr, nonce);

-- Every signed version of a transaction, stored before it is first broadcast.
CREATE TABLE chain_tx_versions (
  tx_id        bigint NOT NULL REFERENCES chain_txs (id),
  version      integer NOT NULL CHECK (version >= 0),
  hash         text NOT NULL UNIQUE CHECK (hash ~ '^0x[0-9a-f]{64}$'),
  raw          bytea NOT NULL,
  max_fee_wei  numeric(78, 0),  -- EIP-1559; NULL for legacy
  max_priority_fee_wei numeric(78, 0),
  gas_price_wei numeric(78, 0),  -- legacy
  signed_at    timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tx_id, version)
);
