-- 0010 (oracle): the oracle round's state. Feeds as last seen, every source's observation, each
-- round's per-feed aggregate (or why the feed was left out) and trigger, the last committed value of
-- each feed (the triggers' reference, so they survive restarts), and the round's step, so a crash
-- anywhere resumes the same round. The commit itself (batch, CID, tx) is the `rounds` row of 0006.
-- Values are int256 at the feed's decimals: numeric(78,0) holds every one of them exactly.

-- Feeds as the last round saw them in the config: a changed config_hash means a changed feed.
CREATE TABLE oracle_feeds (
  name        text        PRIMARY KEY CHECK (length(name) BETWEEN 1 AND 64),
  config_hash text        NOT NULL CHECK (config_hash ~ '^[0-9a-f]{64}$'), -- sha256 of the feed's settings
  decimals    integer     NOT NULL CHECK (decimals BETWEEN 0 AND 36),
  first_seen  timestamptz NOT NULL DEFAULT now(),
  changed_at  timestamptz NOT NULL DEFAULT now(),
  last_seen   timestamptz NOT NULL DEFAULT now()
);

-- One row per oracle round of a registry. state is the step to run next: collect (fetch the
-- sources), aggregate (observations stored), batch (aggregates and triggers stored), pin (batch
-- built: the rounds row exists), sign, submit, then confirmed; or nothing-due (no feed due: the
-- next round reuses the number, attempt + 1) or superseded. Every write checks the fence
-- (obridge_lease_check for the daemon's leader, the advisory lock for a one-shot run).
CREATE TABLE oracle_rounds (
  chain_id    bigint      NOT NULL,
  registry    text        NOT NULL CHECK (registry ~ '^0x[0-9a-f]{40}$'),
  round       bigint      NOT NULL CHECK (round >= 1),
  attempt     integer     NOT NULL DEFAULT 1 CHECK (attempt >= 1),
  state       text        NOT NULL CHECK (state IN ('collect', 'aggregate', 'batch', 'pin', 'sign', 'submit',
                                                    'confirmed', 'nothing-due', 'superseded')),
  holder      text,                     -- host:pid of the run that last wrote it
  fence_token bigint,                   -- 0: a one-shot run under the advisory lock; else the lease token
  feeds_due   integer,                  -- set by the aggregate step
  error       text,                     -- the last failure of a step, cleared when a step succeeds
  started_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (chain_id, registry, round)
);
CREATE INDEX oracle_rounds_open ON oracle_rounds (chain_id, registry)
  WHERE state NOT IN ('confirmed', 'nothing-due', 'superseded');

-- Every source's answer: its value (converted to the feed's decimals) or its error, never both.
CREATE TABLE oracle_observations (
  id          bigserial   PRIMARY KEY,
  chain_id    bigint      NOT NULL,
  registry    text        NOT NULL,
  round       bigint      NOT NULL,
  attempt     integer     NOT NULL,
  feed        text        NOT NULL,
  source      text        NOT NULL,
  raw         text,                     -- the text found at the path (or the start of the body)
  value       numeric(78,0),
  error       text,
  http_status integer,
  latency_ms  integer     NOT NULL DEFAULT 0 CHECK (latency_ms >= 0),
  at_ms       bigint      NOT NULL,     -- unix ms when the answer (or the error) came
  outlier     boolean,                  -- set by the aggregate step for counted values
  observed_at timestamptz NOT NULL DEFAULT now(),
  CHECK ((value IS NULL) <> (error IS NULL)),
  UNIQUE (chain_id, registry, round, attempt, feed, source)
);
CREATE INDEX oracle_observations_feed ON oracle_observations (feed, id DESC);
CREATE INDEX oracle_observations_age ON oracle_observations (observed_at);

-- Per round and feed: the aggregate, or why it was left out ("2 of 3 sources answered, quorum is 3"),
-- and whether it was due (deviation, heartbeat, first) and so entered the round.
CREATE TABLE oracle_aggregates (
  chain_id    bigint      NOT NULL,
  registry    text        NOT NULL,
  round       bigint      NOT NULL,
  feed        text        NOT NULL,
  decimals    integer     NOT NULL CHECK (decimals BETWEEN 0 AND 36),
  k           text        NOT NULL,
  quorum      integer     NOT NULL CHECK (quorum >= 1),
  value       numeric(78,0),            -- NULL when left out
  left_out    text,                     -- the reason, NULL when value is set
  counted     integer     NOT NULL,
  remaining   integer     NOT NULL,
  observed_at bigint      NOT NULL,     -- unix seconds: when the aggregate was computed
  due         text        CHECK (due IN ('first', 'deviation', 'heartbeat')), -- NULL: not due
  CHECK ((value IS NULL) <> (left_out IS NULL)),
  PRIMARY KEY (chain_id, registry, round, feed)
);

-- The last committed value of each feed: what the deviation trigger compares with and when the
-- heartbeat is due. Written in the transaction that marks the round confirmed.
CREATE TABLE oracle_feed_last (
  chain_id     bigint      NOT NULL,
  registry     text        NOT NULL,
  feed         text        NOT NULL,
  round        bigint      NOT NULL,
  value        numeric(78,0) NOT NULL,
  decimals     integer     NOT NULL,
  observed_at  bigint      NOT NULL,   -- unix seconds (the leaf's observedAt)
  committed_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (chain_id, registry, feed)
);
