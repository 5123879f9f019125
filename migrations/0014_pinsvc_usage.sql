-- 0014: the pinning service's quota figures live on the tenant's row, kept by triggers, so a
-- POST /pins checks its quotas by reading one locked row instead of counting the tenant's requests
-- and summing their pinned sizes (9 ms and 80 ms with 100,000 requests; bench/pinsvc.sh).
--   pinsvc_requests.bytes      a copy, like status, of the queue row's pinned size
--                              (coalesce(meta.dag_size, size, 0) while pinned, else 0)
--   pinsvc_tenants.live_pins   the tenant's requests not being replaced (replaced_by IS NULL)
--   pinsvc_tenants.pinned_bytes the sum of bytes of the tenant's requests
--   pinsvc_tenants.last_created the newest created_at ever given to a request of the tenant: the
--                              next one is at least 1 ms later (unique per tenant, for paging)
ALTER TABLE pinsvc_requests ADD COLUMN bytes bigint NOT NULL DEFAULT 0;
ALTER TABLE pinsvc_tenants ADD COLUMN live_pins bigint NOT NULL DEFAULT 0,
  ADD COLUMN pinned_bytes bigint NOT NULL DEFAULT 0,
  ADD COLUMN last_created timestamptz;

UPDATE pinsvc_requests r SET bytes = coalesce((p.meta->>'dag_size')::bigint, p.size, 0)
  FROM pins p WHERE p.request_id = r.request_id AND p.status = 'pinned';
UPDATE pinsvc_tenants t SET
  live_pins = (SELECT count(*) FROM pinsvc_requests r WHERE r.tenant_id = t.id AND r.replaced_by IS NULL),
  pinned_bytes = (SELECT coalesce(sum(r.bytes), 0) FROM pinsvc_requests r WHERE r.tenant_id = t.id),
  last_created = (SELECT max(r.created_at) FROM pinsvc_requests r WHERE r.tenant_id = t.id);

-- The copy from the queue row now carries the size too, and runs when a pinned row's size moves.
CREATE OR REPLACE FUNCTION pinsvc_status_copy() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE pinsvc_requests SET status = NEW.status,
    bytes = CASE WHEN NEW.status = 'pinned' THEN coalesce((NEW.meta->>'dag_size')::bigint, NEW.size, 0) ELSE 0 END
  WHERE request_id = NEW.request_id;
  RETURN NULL;
END
$$;
DROP TRIGGER pins_status_to_pinsvc ON pins;
CREATE TRIGGER pins_status_to_pinsvc AFTER UPDATE OF status, size, meta ON pins
  FOR EACH ROW WHEN (NEW.origin_kind = 'cid' AND (OLD.status IS DISTINCT FROM NEW.status
    OR (NEW.status = 'pinned' AND (OLD.size IS DISTINCT FROM NEW.size OR OLD.meta->'dag_size' IS DISTINCT FROM NEW.meta->'dag_size'))))
  EXECUTE FUNCTION pinsvc_status_copy();

-- The tenants' figures move once per statement (transition tables, one UPDATE per tenant touched):
-- a row trigger would update the tenant's row once per request, and a statement touching many
-- requests of one tenant (a bulk insert, a sweep) would then walk an ever longer chain of that
-- row's versions (100,000 inserts: minutes instead of seconds).
CREATE FUNCTION pinsvc_usage() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    UPDATE pinsvc_tenants t SET live_pins = live_pins + d.live, pinned_bytes = pinned_bytes + d.bytes,
        last_created = greatest(t.last_created, d.created)
      FROM (SELECT tenant_id, count(*) FILTER (WHERE replaced_by IS NULL) AS live, sum(bytes) AS bytes,
                   max(created_at) AS created FROM new_rows GROUP BY tenant_id) d
      WHERE t.id = d.tenant_id;
  ELSIF TG_OP = 'DELETE' THEN
    UPDATE pinsvc_tenants t SET live_pins = live_pins - d.live, pinned_bytes = pinned_bytes - d.bytes
      FROM (SELECT tenant_id, count(*) FILTER (WHERE replaced_by IS NULL) AS live, sum(bytes) AS bytes
            FROM old_rows GROUP BY tenant_id) d
      WHERE t.id = d.tenant_id AND (d.live <> 0 OR d.bytes <> 0);
  ELSE
    UPDATE pinsvc_tenants t SET live_pins = live_pins + d.live, pinned_bytes = pinned_bytes + d.bytes,
        last_created = greatest(t.last_created, d.created)
      FROM (SELECT tenant_id, sum(live) AS live, sum(bytes) AS bytes, max(created) AS created FROM (
              SELECT tenant_id, (replaced_by IS NULL)::int AS live, bytes, created_at AS created FROM new_rows
              UNION ALL
              SELECT tenant_id, -(replaced_by IS NULL)::int, -bytes, NULL FROM old_rows) x GROUP BY tenant_id) d
      WHERE t.id = d.tenant_id AND (d.live <> 0 OR d.bytes <> 0 OR d.created > coalesce(t.last_created, '-infinity'));
  END IF;
  RETURN NULL;
END
$$;
CREATE TRIGGER pinsvc_usage_insert AFTER INSERT ON pinsvc_requests REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION pinsvc_usage();
CREATE TRIGGER pinsvc_usage_delete AFTER DELETE ON pinsvc_requests REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION pinsvc_usage();
CREATE TRIGGER pinsvc_usage_update AFTER UPDATE ON pinsvc_requests REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION pinsvc_usage();
