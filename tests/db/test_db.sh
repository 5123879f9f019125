# Migrations against a real PostgreSQL (a fresh database per case).

setup_db() {
  peers_env || return 1
  OBRIDGE_DATABASE_URL=$(fresh_db) || { fail "cannot create a database"; return 1; }
  export OBRIDGE_DATABASE_URL
}

test_migrate_then_status_current() {
  setup_db || return
  run "$OBRIDGE" db status --json
  expect_status 0; expect_out '"current":false'; expect_out '"state":"pending"'
  run "$OBRIDGE" db migrate
  expect_status 0; expect_out 'applied now'
  run "$OBRIDGE" db migrate --json
  expect_status 0; expect_out '"applied":0'
  run "$OBRIDGE" db status --json
  expect_status 0; expect_out '"current":true'; expect_no_out '"pending"'
  n=$(psql -XAtq "$OBRIDGE_DATABASE_URL" -c 'SELECT count(*) FROM schema_migrations')
  expect_eq "$n" "$(ls "$OB_SOURCE_DIR"/migrations/*.sql | wc -l)" "one row per migration file"
}

test_edited_migration_refused() {
  setup_db || return
  mkdir -p "$TMP/m"
  printf 'CREATE TABLE a (x int);\n' >"$TMP/m/0001_a.sql"
  printf 'CREATE TABLE b (x int);\n' >"$TMP/m/0002_b.sql"
  run "$OBRIDGE" db migrate --dir "$TMP/m"
  expect_status 0
  printf 'CREATE TABLE a (x bigint);\n' >"$TMP/m/0001_a.sql"
  printf 'CREATE TABLE c (x int);\n' >"$TMP/m/0003_c.sql"
  run "$OBRIDGE" db migrate --dir "$TMP/m"
  expect_status 2; expect_err "migration '0001_a.sql' was edited after it was applied"
  # Nothing was written: 0003 did not run.
  n=$(psql -XAtq "$OBRIDGE_DATABASE_URL" -c "SELECT count(*) FROM pg_tables WHERE tablename = 'c'")
  expect_eq "$n" 0 "no table from the refused run"
  run "$OBRIDGE" db status --dir "$TMP/m"
  expect_status 1; expect_out 'EDITED'
}

test_gap_and_duplicate_refused() {
  setup_db || return
  mkdir -p "$TMP/gap" "$TMP/dup"
  printf 'CREATE TABLE a (x int);\n' >"$TMP/gap/0001_a.sql"
  printf 'CREATE TABLE c (x int);\n' >"$TMP/gap/0003_c.sql"
  run "$OBRIDGE" db migrate --dir "$TMP/gap"
  expect_status 2; expect_err 'gap in migration numbers: 0002 is missing'
  printf 'CREATE TABLE a (x int);\n' >"$TMP/dup/0001_a.sql"
  printf 'CREATE TABLE b (x int);\n' >"$TMP/dup/0001_b.sql"
  run "$OBRIDGE" db migrate --dir "$TMP/dup"
  expect_status 2; expect_err "duplicate migration number 0001 \('0001_a.sql' and '0001_b.sql'\)"
  n=$(psql -XAtq "$OBRIDGE_DATABASE_URL" -c "SELECT count(*) FROM pg_tables WHERE tablename IN ('a','b','c')")
  expect_eq "$n" 0 "nothing written"
}

test_failed_migration_rolls_back_alone() {
  setup_db || return
  mkdir -p "$TMP/m"
  printf 'CREATE TABLE a (x int);\n' >"$TMP/m/0001_a.sql"
  printf 'CREATE TABLE b (x int);\nSELECT no_such_function();\n' >"$TMP/m/0002_b.sql"
  run "$OBRIDGE" db migrate --dir "$TMP/m"
  expect_status 1; expect_err "migration '0002_b.sql' failed"; expect_err 'no_such_function'
  n=$(psql -XAtq "$OBRIDGE_DATABASE_URL" -c "SELECT string_agg(tablename, ',' ORDER BY tablename) FROM pg_tables WHERE tablename IN ('a','b')")
  expect_eq "$n" "a" "0001 kept, 0002 rolled back"
}

test_concurrent_migrators_do_not_race() {
  setup_db || return
  mkdir -p "$TMP/m"
  printf 'CREATE TABLE a (x int);\nSELECT pg_sleep(0.5);\n' >"$TMP/m/0001_a.sql"
  printf 'CREATE TABLE b (x int);\n' >"$TMP/m/0002_b.sql"
  for i in 1 2 3 4; do "$OBRIDGE" db migrate --dir "$TMP/m" --json >"$TMP/run$i.out" 2>"$TMP/run$i.err" & done
  wait
  total=$(cat "$TMP"/run*.out | grep -o '"applied":[0-9]*' | cut -d: -f2 | awk '{s+=$1} END {print s+0}')
  expect_eq "$total" 2 "each migration applied exactly once across 4 runners"
  grep -q error "$TMP"/run*.err && fail "a runner failed: $(cat "$TMP"/run*.err)"
  return 0
}

test_unreachable_database_exit_3() {
  port=$(python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])')
  OBRIDGE_DATABASE_URL="postgresql://u:topsecret@127.0.0.1:$port/x" run "$OBRIDGE" db migrate
  expect_status 3; expect_err "cannot connect to PostgreSQL at 'postgresql://u:\*\*\*@127.0.0.1:$port/x'"
  expect_no_err topsecret
}
