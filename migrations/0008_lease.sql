-- 0008: the round leader's lease. Daemons sharing this database elect one leader for rounds: the
-- holder of an unexpired lease row. Expiry is the database's clock, so the machines' clocks do not
-- matter. Every takeover (a new holder, or the old one after its lease expired) increments the
-- fencing token, and every write of a round checks it with obridge_lease_check in the same
-- transaction, so a leader that lost the lease (paused, cut off, replaced) can no longer write.
CREATE TABLE obridge_leases (
  name        text PRIMARY KEY,                          -- 'round-leader'
  holder      text,                                      -- obridge_nodes.node_id; NULL until first taken
  token       bigint NOT NULL DEFAULT 0 CHECK (token >= 0), -- fencing token, +1 at every takeover
  expires_at  timestamptz NOT NULL DEFAULT '-infinity',
  acquired_at timestamptz,                               -- when this holder took it
  renewed_at  timestamptz
);
INSERT INTO obridge_leases (name) VALUES ('round-leader');

-- The fence. Call it inside the transaction that writes a round's state, with the token the
-- leader got when it took the lease:  SELECT obridge_lease_check('round-leader', $token);
-- It raises SQLSTATE OBL01 when the token is not the current one. FOR SHARE holds the lease row
-- until that transaction ends, so a takeover (an UPDATE of the row) waits for the write to commit
-- and no write with the old token can commit after it.
CREATE FUNCTION obridge_lease_check(p_name text, p_token bigint) RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
  cur bigint;
  who text;
BEGIN
  SELECT token, holder INTO cur, who FROM obridge_leases WHERE name = p_name FOR SHARE;
  IF cur IS NULL OR cur <> p_token THEN
    RAISE EXCEPTION 'lease % lost: token % is stale (current token %, held by %)',
      p_name, p_token, coalesce(cur::text, 'none'), coalesce(who, 'nobody')
      USING ERRCODE = 'OBL01';
  END IF;
  RETURN cur;
END
$$;
