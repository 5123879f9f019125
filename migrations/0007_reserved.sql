-- 0007: reserved for the feeds and observations tables, written on another line of work; this
-- placeholder only keeps the numbering gap-free (migrations run 1..N) until that file replaces it.
SELECT 1;
