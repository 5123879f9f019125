-- 0001: the base. Every obridge process that shares this database registers here, so operators
-- (and `obridge doctor`) can see who is running; nothing in memory is the only copy of state.
CREATE TABLE obridge_nodes (
  node_id     text PRIMARY KEY,              -- hostname:pid:start-time, unique per process
  hostname    text NOT NULL,
  pid         integer NOT NULL CHECK (pid > 0),
  version     text NOT NULL,
  roles       text[] NOT NULL DEFAULT '{}',  -- e.g. {pin-worker, round-leader, tx-manager}
  started_at  timestamptz NOT NULL DEFAULT now(),
  heartbeat_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX obridge_nodes_heartbeat ON obridge_nodes (heartbeat_at);

-- Small durable settings (e.g. the protocol version this database was created for).
CREATE TABLE obridge_meta (
  key   text PRIMARY KEY,
  value text NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now()
);
INSERT INTO obridge_meta (key, value) VALUES ('protocol', 'obridge/1');
