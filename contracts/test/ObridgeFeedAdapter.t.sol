// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ObridgeRegistry} from "../ObridgeRegistry.sol";
import {ObridgeFeedAdapter} from "../ObridgeFeedAdapter.sol";
import {PriceConsumer} from "../examples/PriceConsumer.sol";
import {AggregatorV3Interface} from "@chainlink/contracts/src/v0.8/shared/interfaces/AggregatorV3Interface.sol";
import {Vm, TestBase} from "./Vm.sol";

/// The adapter against a real registry: rounds committed with signatures, values proved from
/// StandardMerkleTree-style trees of four leaves built here.
contract ObridgeFeedAdapterTest is TestBase {
    ObridgeRegistry internal reg;
    ObridgeFeedAdapter internal adapter;
    uint256 internal constant KEY = 0xA11CE;
    uint256 internal constant T = 1_800_000_000;
    string internal constant CID = "bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy";
    bytes32 internal constant ETH = keccak256("ETH/USD");
    bytes32 internal constant BTC = keccak256("BTC/USD");

    function setUp() public {
        vm.warp(T);
        address[] memory s = new address[](1);
        s[0] = vm.addr(KEY);
        reg = new ObridgeRegistry(s, 1);
        adapter = new ObridgeFeedAdapter(address(reg), ETH, 8, "ETH / USD");
    }

    // ------------------------------------------------------------ helpers
    function _leaf(bytes32 id, int256 value, uint8 dec, uint64 at) internal pure returns (bytes32) {
        return keccak256(bytes.concat(keccak256(abi.encode(id, value, dec, at))));
    }

    function _pair(bytes32 a, bytes32 b) internal pure returns (bytes32) {
        return a < b ? keccak256(abi.encode(a, b)) : keccak256(abi.encode(b, a));
    }

    /// Commits a round of four leaves: ETH/USD (value, dec, at) and three others; returns the proof of
    /// the ETH/USD leaf.
    function _round(uint64 round, int256 value, uint8 dec, uint64 at) internal returns (bytes32[] memory proof) {
        bytes32 l1 = _leaf(BTC, 9_100_000_000_000, 8, at);
        bytes32 r23 = _pair(_leaf(keccak256("SOL/USD"), 15_000_000_000, 8, at), _leaf(keccak256("EUR/USD"), 108_000_000, 8, at));
        proof = new bytes32[](2);
        proof[0] = l1;
        proof[1] = r23;
        _commit(round, _pair(_pair(_leaf(ETH, value, dec, at), l1), r23));
    }

    function _commit(uint64 round, bytes32 root) internal {
        uint64 ts = uint64(block.timestamp);
        bytes[] memory sigs = new bytes[](1);
        sigs[0] = _sign(_digest(round, root, ts));
        reg.commit(round, root, CID, ts, 4, sigs);
    }

    function _digest(uint64 round, bytes32 root, uint64 ts) internal view returns (bytes32) {
        bytes32 sh = keccak256(
            abi.encode(
                keccak256("Commitment(uint64 round,bytes32 root,string cid,uint64 timestamp,uint32 count)"),
                round, root, keccak256(bytes(CID)), ts, uint32(4)
            )
        );
        bytes32 dom = keccak256(
            abi.encode(
                keccak256("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"),
                keccak256("obridge"), keccak256("1"), block.chainid, address(reg)
            )
        );
        return keccak256(abi.encodePacked(hex"1901", dom, sh));
    }

    function _sign(bytes32 d) internal pure returns (bytes memory) {
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(KEY, d);
        return abi.encodePacked(r, s, v);
    }

    function _assertRound(AggregatorV3Interface f, uint80 wantRound, int256 wantAnswer, uint64 wantAt) internal view {
        (uint80 id, int256 answer, uint256 startedAt, uint256 updatedAt, uint80 inRound) = f.latestRoundData();
        assertEq(id, wantRound, "roundId");
        assertTrue(answer == wantAnswer, "answer");
        assertEq(startedAt, wantAt, "startedAt");
        assertEq(updatedAt, wantAt, "updatedAt");
        assertEq(inRound, wantRound, "answeredInRound");
    }

    // ------------------------------------------------------------ update
    function test_valid_proof_updates_latest_and_history() public {
        bytes32[] memory p = _round(3, 301_234_500_000, 8, uint64(T - 2));
        adapter.update(3, 301_234_500_000, uint64(T - 2), p);
        _assertRound(adapter, 3, 301_234_500_000, uint64(T - 2));
        assertEq(adapter.latestRound(), 3, "latestRound");
        vm.warp(T + 60);
        p = _round(5, 302_000_000_000, 8, uint64(T + 58));
        vm.prank(address(0xBEEF)); // anyone may push
        adapter.update(5, 302_000_000_000, uint64(T + 58), p);
        _assertRound(adapter, 5, 302_000_000_000, uint64(T + 58));
        (uint80 id, int256 answer,, uint256 updatedAt,) = adapter.getRoundData(3);
        assertTrue(id == 3 && answer == 301_234_500_000 && updatedAt == T - 2, "getRoundData(3) keeps round 3");
        vm.expectRevert(abi.encodeWithSelector(ObridgeFeedAdapter.NoDataPresent.selector, uint80(4)));
        adapter.getRoundData(4);
    }

    function test_wrong_proof_is_refused() public {
        bytes32[] memory p = _round(3, 100, 8, uint64(T));
        vm.expectRevert(abi.encodeWithSelector(ObridgeFeedAdapter.InvalidProof.selector, uint64(3), ETH));
        adapter.update(3, 101, uint64(T), p); // another value
        vm.expectRevert(abi.encodeWithSelector(ObridgeFeedAdapter.InvalidProof.selector, uint64(3), ETH));
        adapter.update(3, 100, uint64(T - 1), p); // another observedAt
        bytes32[] memory bad = new bytes32[](2);
        bad[0] = p[1];
        bad[1] = p[0];
        vm.expectRevert(abi.encodeWithSelector(ObridgeFeedAdapter.InvalidProof.selector, uint64(3), ETH));
        adapter.update(3, 100, uint64(T), bad); // a proof of no leaf
        vm.expectRevert(abi.encodeWithSelector(ObridgeFeedAdapter.InvalidProof.selector, uint64(4), ETH));
        adapter.update(4, 100, uint64(T), p); // a round never committed
        // BTC/USD's leaf is in the same root, but this adapter is ETH/USD's.
        ObridgeFeedAdapter btc = new ObridgeFeedAdapter(address(reg), BTC, 8, "BTC / USD");
        vm.expectRevert(abi.encodeWithSelector(ObridgeFeedAdapter.InvalidProof.selector, uint64(3), BTC));
        btc.update(3, 100, uint64(T), p);
        vm.expectRevert(abi.encodeWithSelector(ObridgeFeedAdapter.NoDataPresent.selector, uint80(0)));
        adapter.latestRoundData();
    }

    function test_older_or_equal_round_is_refused() public {
        bytes32[] memory p3 = _round(3, 100, 8, uint64(T));
        vm.warp(T + 1);
        bytes32[] memory p4 = _round(4, 200, 8, uint64(T + 1));
        adapter.update(4, 200, uint64(T + 1), p4);
        vm.expectRevert(abi.encodeWithSelector(ObridgeFeedAdapter.StaleUpdate.selector, uint64(4), uint64(4)));
        adapter.update(4, 200, uint64(T + 1), p4);
        vm.expectRevert(abi.encodeWithSelector(ObridgeFeedAdapter.StaleUpdate.selector, uint64(3), uint64(4)));
        adapter.update(3, 100, uint64(T), p3);
        _assertRound(adapter, 4, 200, uint64(T + 1));
    }

    function test_wrong_decimals_is_refused() public {
        bytes32[] memory p = _round(3, 3_012_345, 3, uint64(T)); // the leaf has 3 decimals
        vm.expectRevert(abi.encodeWithSelector(ObridgeFeedAdapter.InvalidProof.selector, uint64(3), ETH));
        adapter.update(3, 3_012_345, uint64(T), p); // the adapter says 8
        ObridgeFeedAdapter three = new ObridgeFeedAdapter(address(reg), ETH, 3, "ETH / USD");
        three.update(3, 3_012_345, uint64(T), p);
        _assertRound(three, 3, 3_012_345, uint64(T));
        assertEq(three.decimals(), 3, "decimals()");
    }

    function test_int256_edges() public {
        int256[8] memory vals = [
            type(int256).min,
            type(int256).max,
            int256(-1),
            int256(0),
            int256(type(int192).min), // the marker value: stored wide
            int256(type(int192).min) + 1, // the smallest packed
            int256(type(int192).max), // the largest packed
            int256(type(int192).max) + 1 // the smallest wide above
        ];
        for (uint256 i = 0; i < vals.length; ++i) {
            uint64 round = uint64(10 + i);
            vm.warp(T + i);
            bytes32[] memory p = _round(round, vals[i], 8, uint64(T + i));
            adapter.update(round, vals[i], uint64(T + i), p);
            _assertRound(adapter, round, vals[i], uint64(T + i));
        }
        (, int256 a,,,) = adapter.getRoundData(10);
        assertTrue(a == type(int256).min, "int256 min kept");
        (, a,,,) = adapter.getRoundData(11);
        assertTrue(a == type(int256).max, "int256 max kept");
        for (uint256 i = 0; i < vals.length; ++i) {
            (, a,,,) = adapter.getRoundData(uint80(10 + i));
            assertTrue(a == vals[i], "every edge kept in its round");
        }
    }

    function test_round_ids_beyond_uint64_have_no_data() public {
        vm.expectRevert(abi.encodeWithSelector(ObridgeFeedAdapter.NoDataPresent.selector, uint80(1) << 64));
        adapter.getRoundData(uint80(1) << 64);
    }

    function test_constructor_checks() public {
        vm.expectRevert(abi.encodeWithSelector(ObridgeFeedAdapter.ZeroRegistry.selector));
        new ObridgeFeedAdapter(address(0), ETH, 8, "x");
        vm.expectRevert(abi.encodeWithSelector(ObridgeFeedAdapter.DecimalsOutOfRange.selector, uint8(37), uint8(36)));
        new ObridgeFeedAdapter(address(reg), ETH, 37, "x");
        assertEq(adapter.version(), 1, "version()");
        assertEq(keccak256(bytes(adapter.description())), keccak256("ETH / USD"), "description()");
        assertEq(adapter.feedId(), ETH, "feedId()");
        assertEq(address(adapter.registry()), address(reg), "registry()");
    }

    function test_update_emits_chainlink_answer_updated() public {
        bytes32[] memory p = _round(3, 42, 8, uint64(T));
        vm.recordLogs();
        adapter.update(3, 42, uint64(T), p);
        Vm.Log[] memory logs = vm.getRecordedLogs();
        assertEq(logs.length, 1, "one log");
        assertEq(logs[0].topics[0], keccak256("AnswerUpdated(int256,uint256,uint256)"), "AnswerUpdated topic");
        assertEq(uint256(logs[0].topics[1]), 42, "indexed answer");
        assertEq(uint256(logs[0].topics[2]), 3, "indexed round");
    }

    // ------------------------------------------------------------ a Chainlink consumer, unchanged
    function test_chainlink_consumer_reads_the_adapter() public {
        PriceConsumer c = new PriceConsumer(AggregatorV3Interface(address(adapter)), 3600);
        bytes32[] memory p = _round(7, 301_234_500_000, 8, uint64(T - 5));
        adapter.update(7, 301_234_500_000, uint64(T - 5), p);
        assertEq(c.price18(), 3012_345_000_000_000_000_000, "price18 (8 -> 18 decimals)");
        (uint80 id, int256 answer,, uint256 updatedAt,) = c.latest();
        assertTrue(id == 7 && answer == 301_234_500_000 && updatedAt == T - 5, "consumer's latest()");
        vm.warp(T + 3600);
        vm.expectRevert(abi.encodeWithSelector(PriceConsumer.StalePrice.selector, T - 5, 3600));
        c.price18();
    }
}
