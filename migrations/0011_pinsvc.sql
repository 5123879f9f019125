-- 0011: the pinning service (IPFS Pinning Service API 1.0.0, `obridge serve`): tenants, their
-- bearer tokens (only a SHA-256 of each is kept), and their pin requests. A pin request is tied to
-- the pin queue row that does the work: both share one uuid (pinsvc_requests.request_id =
-- pins.request_id), and the request's status is that row's status (queued, pinning, pinned,
-- failed), so there is one state and the worker is the one that moves it.
-- Every row of the pin queue belongs to a tenant; tenant 1, 'operator', is the local CLI's.
CREATE TABLE pinsvc_tenants (
  id          bigserial PRIMARY KEY,
  name        text NOT NULL UNIQUE CHECK (name ~ '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$'),
  quota_pins  bigint CHECK (quota_pins >= 0),   -- live pin requests at most; NULL: no limit
  quota_bytes bigint CHECK (quota_bytes >= 0),  -- bytes of pinned content at most; NULL: no limit
  created_at  timestamptz NOT NULL DEFAULT now()
);
INSERT INTO pinsvc_tenants (id, name) VALUES (1, 'operator');
SELECT setval('pinsvc_tenants_id_seq', 1);

CREATE TABLE pinsvc_tokens (
  id          bigserial PRIMARY KEY,
  tenant_id   bigint NOT NULL REFERENCES pinsvc_tenants (id) ON DELETE CASCADE,
  hash        text NOT NULL UNIQUE CHECK (hash ~ '^[0-9a-f]{64}$'), -- sha256 of the token, hex
  hint        text NOT NULL,                    -- the token's first characters, to tell tokens apart
  created_at  timestamptz NOT NULL DEFAULT now(),
  revoked_at  timestamptz                       -- set: the token gets 401
);
CREATE INDEX pinsvc_tokens_tenant ON pinsvc_tokens (tenant_id);

-- The queue learns a fourth origin: a CID the node fetches from the network (origin = the CID;
-- pins.meta.origins = the multiaddrs to connect to first).
ALTER TABLE pins DROP CONSTRAINT pins_origin_kind_check;
ALTER TABLE pins ADD CONSTRAINT pins_origin_kind_check CHECK (origin_kind IN ('path', 'url', 'internal', 'cid'));
ALTER TABLE pins ADD COLUMN tenant_id bigint NOT NULL DEFAULT 1 REFERENCES pinsvc_tenants (id);
CREATE INDEX pins_origin_cid ON pins (origin) WHERE origin_kind = 'cid';

CREATE TABLE pinsvc_requests (
  request_id  uuid PRIMARY KEY REFERENCES pins (request_id) ON DELETE CASCADE,
  tenant_id   bigint NOT NULL REFERENCES pinsvc_tenants (id),
  cid         text NOT NULL,                    -- canonical text (CIDv0 as given, CIDv1 base32)
  name        text NOT NULL DEFAULT '' CHECK (length(name) <= 255),
  origins     jsonb NOT NULL DEFAULT '[]'::jsonb CHECK (jsonb_typeof(origins) = 'array'),
  meta        jsonb NOT NULL DEFAULT '{}'::jsonb CHECK (jsonb_typeof(meta) = 'object'),
  status      text NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'pinning', 'pinned', 'failed')),
                                                -- a copy of pins.status (trigger below)
  created_at  timestamptz NOT NULL DEFAULT clock_timestamp(),
  replaces    uuid,                             -- POST /pins/{id}: the request this one replaces,
                                                -- removed once this one is pinned
  replaced_by uuid                              -- set on the old request while its successor works
);
CREATE INDEX pinsvc_requests_created ON pinsvc_requests (tenant_id, created_at DESC); -- pages, newest first
CREATE INDEX pinsvc_requests_status ON pinsvc_requests (tenant_id, status, created_at DESC); -- counts by status
CREATE INDEX pinsvc_requests_cid ON pinsvc_requests (tenant_id, cid);
CREATE INDEX pinsvc_requests_replaced ON pinsvc_requests (replaced_by) WHERE replaced_by IS NOT NULL;

CREATE FUNCTION pinsvc_status_copy() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE pinsvc_requests SET status = NEW.status WHERE request_id = NEW.request_id;
  RETURN NULL;
END
$$;
CREATE TRIGGER pins_status_to_pinsvc AFTER UPDATE OF status ON pins
  FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status AND NEW.origin_kind = 'cid')
  EXECUTE FUNCTION pinsvc_status_copy();

-- Replicas on remote pinning services (`obridge pin remote service add`, pins.replicate_to): each
-- pinned job gets one row per configured service, which the pin workers drive (POST /pins there,
-- then GET /pins/{id} until the service says pinned), retried with backoff.
CREATE TABLE pin_remote_services (
  name        text PRIMARY KEY CHECK (name ~ '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$'),
  url         text NOT NULL,
  token_file  text NOT NULL,                    -- the token stays in that file, never in the database
  created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE pin_replicas (
  job_id      uuid NOT NULL REFERENCES pins (request_id) ON DELETE CASCADE,
  service     text NOT NULL REFERENCES pin_remote_services (name) ON DELETE CASCADE,
  cid         text NOT NULL,
  remote_id   text,                             -- the service's requestid once it accepted the pin
  status      text NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'pinning', 'pinned', 'failed')),
  attempts    integer NOT NULL DEFAULT 0,       -- failed calls in a row
  last_error  text,
  not_before  timestamptz NOT NULL DEFAULT now(),
  claimed_by  text,
  claimed_until timestamptz,
  updated_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (job_id, service)
);
CREATE INDEX pin_replicas_due ON pin_replicas (not_before) WHERE status IN ('queued', 'pinning');
