-- 0013: reserved for a migration written on another line of work (as 0007 was); this placeholder
-- only keeps the numbering gap-free (migrations run 1..N) until that file replaces it.
SELECT 1;
