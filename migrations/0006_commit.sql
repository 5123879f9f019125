-- 0006 (commit): registries obridge deployed, and the rounds it commits to them, one row per round
-- with the step reached (built, pinned, signed, submitted, confirmed, or superseded) so a rerun
-- resumes the same round from its stored batch and never commits it twice.
CREATE TABLE registries (
  chain_id     bigint      NOT NULL,
  address      text        NOT NULL CHECK (address ~ '^0x[0-9a-f]{40}$'),
  deploy_tx    text        CHECK (deploy_tx ~ '^0x[0-9a-f]{64}$'),
  block_number bigint,
  signers      text[]      NOT NULL,
  threshold    integer     NOT NULL CHECK (threshold >= 1),
  created_at   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (chain_id, address)
);

CREATE TABLE rounds (
  chain_id   bigint      NOT NULL,
  registry   text        NOT NULL CHECK (registry ~ '^0x[0-9a-f]{40}$'),
  round      bigint      NOT NULL CHECK (round >= 1),
  step       text        NOT NULL CHECK (step IN ('built', 'pinned', 'signed', 'submitted', 'confirmed', 'superseded')),
  root       text        NOT NULL CHECK (root ~ '^0x[0-9a-f]{64}$'),
  feeds      integer     NOT NULL CHECK (feeds >= 1),
  batch      bytea       NOT NULL,
  cid        text,
  signatures text[],
  tx_id      bigint,
  tx_hash    text,
  gas_used   bigint,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (chain_id, registry, round)
);
CREATE INDEX rounds_unfinished ON rounds (chain_id, registry) WHERE step NOT IN ('confirmed', 'superseded');
