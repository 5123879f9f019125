-- 1,000 feeds for the dashboard's browser test (tests/node/test_dashboard.sh): 20 rounds of
-- aggregates per feed, the last committed value, and three sources per feed in the newest round
-- (every 97th feed with a source down). Chain 31337, registry 0x…aa.
INSERT INTO oracle_feeds (name, config_hash, decimals)
SELECT format('F%s/USD', lpad(i::text, 4, '0')), repeat('0', 64), 8 FROM generate_series(1, 1000) i;

INSERT INTO oracle_aggregates (chain_id, registry, round, feed, decimals, k, quorum, value, counted, remaining, observed_at, due)
SELECT 31337, '0x00000000000000000000000000000000000000aa', r, format('F%s/USD', lpad(i::text, 4, '0')), 8, '3', 2,
       (100000000000 + i * 1000000 + (hashtext(i::text || ':' || r::text) % 50000000))::numeric, 3, 3,
       extract(epoch FROM now())::bigint - (20 - r) * 60, CASE WHEN r % 5 = 0 THEN 'deviation' END
FROM generate_series(1, 1000) i, generate_series(1, 20) r;

INSERT INTO oracle_feed_last (chain_id, registry, feed, round, value, decimals, observed_at)
SELECT chain_id, registry, feed, round, value, decimals, observed_at FROM oracle_aggregates WHERE round = 15;

INSERT INTO oracle_observations (chain_id, registry, round, attempt, feed, source, value, error, http_status, at_ms)
SELECT 31337, '0x00000000000000000000000000000000000000aa', 20, 1, format('F%s/USD', lpad(i::text, 4, '0')), s,
       CASE WHEN i % 97 = 0 AND s = 'kraken' THEN NULL ELSE 100000000000 END,
       CASE WHEN i % 97 = 0 AND s = 'kraken' THEN 'HTTP 500 from the source' END, 200,
       extract(epoch FROM now())::bigint * 1000
FROM generate_series(1, 1000) i, unnest(ARRAY['binance', 'coinbase', 'kraken']) s;
