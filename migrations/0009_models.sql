-- 0009 (models): one row per model version fetched by `obridge model fetch`, with the step reached
-- (fetched, checked, pinned, registered) so a rerun after a crash resumes where it stopped and never
-- registers the same name@version twice.
CREATE TABLE models (
  chain_id   bigint      NOT NULL,
  registry   text        NOT NULL CHECK (registry ~ '^0x[0-9a-f]{40}$'),
  name       text        NOT NULL CHECK (name ~ '^[A-Za-z0-9_-][A-Za-z0-9._-]{0,63}$'),
  version    text        NOT NULL CHECK (version ~ '^[A-Za-z0-9_-][A-Za-z0-9._-]{0,63}$'),
  step       text        NOT NULL CHECK (step IN ('fetched', 'checked', 'pinned', 'registered')),
  files      jsonb       NOT NULL,  -- [{"name", "url", "size", "sha256"}] in the order given
  sha256     text        NOT NULL CHECK (sha256 ~ '^0x[0-9a-f]{64}$'), -- the file's, or the manifest's
  size       bigint      NOT NULL CHECK (size >= 0),
  cid        text,
  tx_id      bigint,
  tx_hash    text,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (chain_id, registry, name, version)
);
