# obridge commit, label slow: a 10,000-feed round (committed, rootOf equal, ref_verify passes), and
# kill -9 at 30 random points.
# shellcheck source=test_commit.sh
source "$OB_SOURCE_DIR/tests/commit/test_commit.sh"

test_round_of_10000_feeds() {
  setup_commit || return
  run commit --values "$(values 10000)" --json
  expect_status 0
  expect_eq "$(jq .round <<<"$out")" 1 "round"
  expect_eq "$(cast call --rpc-url "$OBRIDGE_RPC_URL" "$OBRIDGE_REGISTRY" 'rootOf(uint64)(bytes32)' 1)" "$(jq -r .root <<<"$out")" "rootOf(1)"
  expect_eq "$(committed_count 1)" 1 "one Committed"
  run node "$OB_SOURCE_DIR/tests/commit/ref_verify.mjs" --rpc "$OBRIDGE_RPC_HTTP_URL" --ipfs "$OBRIDGE_IPFS_API" \
    --registry "$OBRIDGE_REGISTRY" --all
  expect_status 0
}

# The issue's 30 random kill points (about 3 minutes).
test_kill_9_at_30_random_points_then_rerun() { kill_9_points 30; }
