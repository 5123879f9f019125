-- 0002: the pin queue. States are those of the IPFS Pinning Service API. Workers claim rows with
-- FOR UPDATE SKIP LOCKED, so several obridge processes (on one or many machines) share the queue.
CREATE TABLE pins (
  request_id   uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  status       text NOT NULL DEFAULT 'queued'
               CHECK (status IN ('queued', 'pinning', 'pinned', 'failed')),
  cid          text,                          -- set once the node's CID equals the local one
  name         text NOT NULL DEFAULT '',
  origin_kind  text NOT NULL CHECK (origin_kind IN ('path', 'url', 'internal')),
  origin       text NOT NULL,                 -- absolute path, URL, or what the internal caller wrote
  profile      text NOT NULL CHECK (profile IN ('unixfs-v0-2015', 'unixfs-v1-2025')),
  size         bigint CHECK (size >= 0),      -- file bytes (while pinning: bytes so far)
  attempts     integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
  last_error   text,
  not_before   timestamptz NOT NULL DEFAULT now(), -- a retried job waits until then
  claimed_by   text,                          -- worker id (host:pid) while pinning
  heartbeat_at timestamptz,                   -- a pinning job silent for long goes back to queued
  created_at   timestamptz NOT NULL DEFAULT now(),
  updated_at   timestamptz NOT NULL DEFAULT now(),
  pinned_at    timestamptz,
  verified_at  timestamptz,                   -- last `obridge pin verify` that found it whole
  meta         jsonb NOT NULL DEFAULT '{}'::jsonb,
  CHECK (status <> 'pinned' OR cid IS NOT NULL),
  CHECK (status <> 'pinning' OR claimed_by IS NOT NULL)
);
CREATE INDEX pins_due ON pins (not_before, created_at) WHERE status = 'queued';
CREATE INDEX pins_pinning ON pins (heartbeat_at) WHERE status = 'pinning';
CREATE INDEX pins_cid ON pins (cid);
CREATE INDEX pins_status ON pins (status, created_at);
