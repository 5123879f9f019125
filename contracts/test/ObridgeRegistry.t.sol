// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ObridgeRegistry} from "../ObridgeRegistry.sol";
import {Vm, TestBase} from "./Vm.sol";

/// Every rule of the registry at its exact boundary: each revert is checked with its full error data.
contract ObridgeRegistryTest is TestBase {
    ObridgeRegistry internal reg;
    uint256[] internal keys; // signer keys, sorted by address
    address internal constant STRANGER = address(0xBEEF);
    uint256 internal constant T = 1_800_000_000;
    string internal constant CID = "bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy";
    bytes32 internal constant ROOT = 0x96bf88b44ee5ebafb44be45387cba09eca50cca7aad1c50ac4bea644b89385c0;
    uint256 internal constant N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141;

    function setUp() public {
        vm.warp(T);
        keys = _sortedKeys(5, 100);
        reg = new ObridgeRegistry(_addrs(keys), 3);
    }

    // ------------------------------------------------------------ helpers
    function _sortedKeys(uint256 n, uint256 first) internal pure returns (uint256[] memory k) {
        k = new uint256[](n);
        for (uint256 i = 0; i < n; ++i) k[i] = first + i;
        for (uint256 i = 1; i < n; ++i) {
            for (uint256 j = i; j > 0 && vm.addr(k[j]) < vm.addr(k[j - 1]); --j) (k[j], k[j - 1]) = (k[j - 1], k[j]);
        }
    }

    function _addrs(uint256[] memory k) internal pure returns (address[] memory a) {
        a = new address[](k.length);
        for (uint256 i = 0; i < k.length; ++i) a[i] = vm.addr(k[i]);
    }

    function _domain(uint256 chainId, address registry) internal pure returns (bytes32) {
        return keccak256(
            abi.encode(
                keccak256("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"),
                keccak256("obridge"),
                keccak256("1"),
                chainId,
                registry
            )
        );
    }

    function _commitDigest(uint256 chainId, address registry, uint64 round, bytes32 root, string memory cid, uint64 ts, uint32 count)
        internal
        pure
        returns (bytes32)
    {
        bytes32 sh = keccak256(
            abi.encode(
                keccak256("Commitment(uint64 round,bytes32 root,string cid,uint64 timestamp,uint32 count)"),
                round,
                root,
                keccak256(bytes(cid)),
                ts,
                count
            )
        );
        return keccak256(abi.encodePacked(hex"1901", _domain(chainId, registry), sh));
    }

    function _modelDigest(string memory name, string memory version, string memory cid, bytes32 digest, uint64 size)
        internal
        view
        returns (bytes32)
    {
        bytes32 sh = keccak256(
            abi.encode(
                keccak256("ModelEntry(string name,string version,string cid,bytes32 sha256,uint64 size)"),
                keccak256(bytes(name)),
                keccak256(bytes(version)),
                keccak256(bytes(cid)),
                digest,
                size
            )
        );
        return keccak256(abi.encodePacked(hex"1901", _domain(block.chainid, address(reg)), sh));
    }

    function _digest(uint64 round, bytes32 root, uint64 ts, uint32 count) internal view returns (bytes32) {
        return _commitDigest(block.chainid, address(reg), round, root, CID, ts, count);
    }

    function _sig(uint256 pk, bytes32 d) internal pure returns (bytes memory) {
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(pk, d);
        return abi.encodePacked(r, s, v);
    }

    /// Signatures by keys[idx[0]], keys[idx[1]], … in that order.
    function _sigs(bytes32 d, uint256[] memory idx) internal view returns (bytes[] memory s) {
        s = new bytes[](idx.length);
        for (uint256 i = 0; i < idx.length; ++i) s[i] = _sig(keys[idx[i]], d);
    }

    function _idx(uint256 a, uint256 b, uint256 c) internal pure returns (uint256[] memory r) {
        r = new uint256[](3);
        (r[0], r[1], r[2]) = (a, b, c);
    }

    function _idx2(uint256 a, uint256 b) internal pure returns (uint256[] memory r) {
        r = new uint256[](2);
        (r[0], r[1]) = (a, b);
    }

    function _commit(uint64 round, uint64 ts) internal {
        reg.commit(round, ROOT, CID, ts, 5, _sigs(_digest(round, ROOT, ts, 5), _idx(0, 1, 2)));
    }

    function _expectCommitRevert(uint64 round, uint64 ts, bytes memory err) internal {
        bytes[] memory s = _sigs(_digest(round, ROOT, ts, 5), _idx(0, 1, 2));
        vm.expectRevert(err);
        reg.commit(round, ROOT, CID, ts, 5, s);
    }

    function _withSigs(bytes[] memory s, bytes memory err) internal {
        vm.expectRevert(err);
        reg.commit(1, ROOT, CID, uint64(T), 5, s);
    }

    function _e(bytes4 sel) internal pure returns (bytes memory) {
        return abi.encodePacked(sel);
    }

    // ------------------------------------------------------------ EIP-712 vectors (from ethers 6)
    function test_eip712_digests_equal_ethers() public {
        assertEq(
            _commitDigest(31337, 0x5FbDB2315678afecb367f032d93F642f64180aa3, 42, ROOT, CID, 1764000000, 5),
            0x8a8155bab6ed114e9b262b1aa68607ea836d60ec35f04f69b91b839ddbfb75c0,
            "Commitment digest"
        );
        ObridgeRegistry r2 = reg;
        reg = ObridgeRegistry(0x5FbDB2315678afecb367f032d93F642f64180aa3);
        vm.chainId(31337);
        assertEq(
            _modelDigest("llama", "3.1-8b", "QmYwAPJzv5CZsnA625s3Xf2nemtYgPpHdWEz79ojWnPbdG", bytes32(uint256(0xabababababababababababababababababababababababababababababababab)), 16000000000),
            0xefe865b4c17fc82d0e2900a4cfa4e69d8798c2879fa4bfaad1d398be31ca5ca1,
            "ModelEntry digest"
        );
        reg = r2;
    }

    // ------------------------------------------------------------ constructor
    function test_constructor_emits_signers_and_ownership() public {
        vm.recordLogs();
        ObridgeRegistry r = new ObridgeRegistry(_addrs(keys), 2);
        Vm.Log[] memory logs = vm.getRecordedLogs();
        bool sawOwner;
        bool sawSigners;
        for (uint256 i = 0; i < logs.length; ++i) {
            if (logs[i].topics[0] == ObridgeRegistry.OwnershipTransferred.selector) {
                assertEq(uint256(logs[i].topics[1]), 0, "previous owner");
                assertEq(address(uint160(uint256(logs[i].topics[2]))), address(this), "new owner");
                sawOwner = true;
            }
            if (logs[i].topics[0] == ObridgeRegistry.SignersChanged.selector) {
                (address[] memory s, uint8 t) = abi.decode(logs[i].data, (address[], uint8));
                assertEq(keccak256(abi.encode(s)), keccak256(abi.encode(_addrs(keys))), "signers in event");
                assertEq(t, 2, "threshold in event");
                sawSigners = true;
            }
        }
        assertTrue(sawOwner && sawSigners, "constructor events missing");
        assertEq(r.owner(), address(this), "owner");
        assertEq(r.pendingOwner(), address(0), "pending owner");
        assertEq(r.maxAge(), 3600, "default max age");
        (address[] memory got, uint8 th) = r.signers();
        assertEq(keccak256(abi.encode(got)), keccak256(abi.encode(_addrs(keys))), "signers()");
        assertEq(th, 2, "threshold()");
        (uint64 round, bytes32 root, uint64 ts) = r.latest();
        assertTrue(round == 0 && root == 0 && ts == 0, "latest() before any commit");
    }

    function test_constructor_refuses_bad_signer_sets() public {
        address[] memory none = new address[](0);
        vm.expectRevert(_e(ObridgeRegistry.EmptySignerSet.selector));
        new ObridgeRegistry(none, 1);
        vm.expectRevert(abi.encodeWithSelector(ObridgeRegistry.ThresholdOutOfRange.selector, 0, 5));
        new ObridgeRegistry(_addrs(keys), 0);
        vm.expectRevert(abi.encodeWithSelector(ObridgeRegistry.ThresholdOutOfRange.selector, 6, 5));
        new ObridgeRegistry(_addrs(keys), 6);
    }

    // ------------------------------------------------------------ commit: happy path
    function test_commit_stores_root_and_latest() public {
        vm.recordLogs();
        _commit(7, uint64(T));
        assertEq(reg.rootOf(7), ROOT, "rootOf(7)");
        assertEq(reg.rootOf(6), bytes32(0), "rootOf(6) never committed");
        (uint64 round, bytes32 root, uint64 ts) = reg.latest();
        assertTrue(round == 7 && root == ROOT && ts == T, "latest()");
        Vm.Log[] memory logs = vm.getRecordedLogs();
        assertEq(logs.length, 1, "one log");
        assertEq(logs[0].topics[0], ObridgeRegistry.Committed.selector, "Committed topic");
        assertEq(uint256(logs[0].topics[1]), 7, "indexed round");
        (bytes32 r, string memory cid, uint64 t, uint32 c) = abi.decode(logs[0].data, (bytes32, string, uint64, uint32));
        assertTrue(r == ROOT && keccak256(bytes(cid)) == keccak256(bytes(CID)) && t == T && c == 5, "Committed data");
    }

    function test_commit_all_five_signers_and_gaps_allowed() public {
        bytes32 d = _digest(3, ROOT, uint64(T), 5);
        bytes[] memory s = new bytes[](5);
        for (uint256 i = 0; i < 5; ++i) s[i] = _sig(keys[i], d);
        reg.commit(3, ROOT, CID, uint64(T), 5, s);
        _commit(10, uint64(T)); // rounds 4..9 skipped
        assertEq(reg.rootOf(10), ROOT, "round 10");
    }

    // ------------------------------------------------------------ commit: round and fields
    function test_stale_round() public {
        _expectCommitRevert(0, uint64(T), abi.encodeWithSelector(ObridgeRegistry.StaleRound.selector, 0, 0));
        _commit(5, uint64(T));
        _expectCommitRevert(5, uint64(T), abi.encodeWithSelector(ObridgeRegistry.StaleRound.selector, 5, 5));
        _expectCommitRevert(4, uint64(T), abi.encodeWithSelector(ObridgeRegistry.StaleRound.selector, 4, 5));
        _commit(6, uint64(T));
    }

    function test_zero_root_zero_count_empty_cid() public {
        bytes[] memory s = _sigs(_digest(1, 0, uint64(T), 5), _idx(0, 1, 2));
        vm.expectRevert(_e(ObridgeRegistry.ZeroRoot.selector));
        reg.commit(1, 0, CID, uint64(T), 5, s);
        s = _sigs(_digest(1, ROOT, uint64(T), 0), _idx(0, 1, 2));
        vm.expectRevert(_e(ObridgeRegistry.ZeroCount.selector));
        reg.commit(1, ROOT, CID, uint64(T), 0, s);
        vm.expectRevert(abi.encodeWithSelector(ObridgeRegistry.EmptyField.selector, "cid"));
        reg.commit(1, ROOT, "", uint64(T), 5, s);
    }

    // ------------------------------------------------------------ commit: timestamps at ±1 of each bound
    function test_timestamp_too_new() public {
        _expectCommitRevert(1, uint64(T + 301), abi.encodeWithSelector(ObridgeRegistry.TimestampTooNew.selector, T + 301, T + 300));
        _commit(1, uint64(T + 300));
    }

    function test_timestamp_too_old() public {
        _expectCommitRevert(1, uint64(T - 3601), abi.encodeWithSelector(ObridgeRegistry.TimestampTooOld.selector, T - 3601, T - 3600));
        _commit(1, uint64(T - 3600));
    }

    function test_timestamp_before_latest() public {
        _commit(1, uint64(T));
        _expectCommitRevert(2, uint64(T - 1), abi.encodeWithSelector(ObridgeRegistry.TimestampBeforeLatest.selector, T - 1, T));
        _commit(2, uint64(T)); // equal is allowed
    }

    function test_timestamp_too_old_follows_max_age() public {
        reg.setMaxAge(60);
        _expectCommitRevert(1, uint64(T - 61), abi.encodeWithSelector(ObridgeRegistry.TimestampTooOld.selector, T - 61, T - 60));
        _commit(1, uint64(T - 60));
    }

    // ------------------------------------------------------------ commit: signatures
    function test_not_enough_signatures() public {
        bytes32 d = _digest(1, ROOT, uint64(T), 5);
        _withSigs(_sigs(d, _idx2(0, 1)), abi.encodeWithSelector(ObridgeRegistry.NotEnoughSignatures.selector, 2, 3));
        _withSigs(new bytes[](0), abi.encodeWithSelector(ObridgeRegistry.NotEnoughSignatures.selector, 0, 3));
    }

    function test_signer_twice() public {
        bytes32 d = _digest(1, ROOT, uint64(T), 5);
        _withSigs(_sigs(d, _idx(0, 1, 1)), abi.encodeWithSelector(ObridgeRegistry.DuplicateSigner.selector, 2, vm.addr(keys[1])));
    }

    function test_signers_out_of_order() public {
        bytes32 d = _digest(1, ROOT, uint64(T), 5);
        _withSigs(
            _sigs(d, _idx(0, 2, 1)),
            abi.encodeWithSelector(ObridgeRegistry.SignerNotAscending.selector, 2, vm.addr(keys[1]), vm.addr(keys[2]))
        );
    }

    function test_unknown_signer() public {
        bytes32 d = _digest(1, ROOT, uint64(T), 5);
        bytes[] memory s = _sigs(d, _idx(0, 1, 2));
        s[1] = _sig(999, d);
        _withSigs(s, abi.encodeWithSelector(ObridgeRegistry.UnknownSigner.selector, 1, vm.addr(999)));
        // A good signer's signature over another digest recovers some other address: unknown too.
        s = _sigs(d, _idx(0, 1, 2));
        s[0] = _sig(keys[0], _digest(2, ROOT, uint64(T), 5));
        // The recovered address is unpredictable: check the selector.
        (bool ok, bytes memory ret) =
            address(reg).call(abi.encodeCall(ObridgeRegistry.commit, (1, ROOT, CID, uint64(T), 5, s)));
        assertTrue(!ok && bytes4(ret) == ObridgeRegistry.UnknownSigner.selector, "UnknownSigner for another digest");
    }

    function test_high_s() public {
        bytes32 d = _digest(1, ROOT, uint64(T), 5);
        bytes[] memory s = _sigs(d, _idx(0, 1, 2));
        (uint8 v, bytes32 r, bytes32 sv) = vm.sign(keys[1], d);
        // (r, n - s, v ^ 1) recovers the same signer: only the low-s rule refuses it.
        s[1] = abi.encodePacked(r, bytes32(N - uint256(sv)), v == 27 ? uint8(28) : uint8(27));
        _withSigs(s, abi.encodeWithSelector(ObridgeRegistry.HighS.selector, 1));
    }

    function test_half_n_is_low_s_boundary() public {
        // s = n/2 passes the low-s check (and fails recovery as a made-up signature); n/2 + 1 is high.
        bytes32 d = _digest(1, ROOT, uint64(T), 5);
        bytes[] memory s = _sigs(d, _idx(0, 1, 2));
        (uint8 v, bytes32 r,) = vm.sign(keys[2], d);
        s[2] = abi.encodePacked(r, bytes32(N / 2 + 1), v);
        _withSigs(s, abi.encodeWithSelector(ObridgeRegistry.HighS.selector, 2));
        s[2] = abi.encodePacked(r, bytes32(N / 2), v);
        (bool ok, bytes memory ret) =
            address(reg).call(abi.encodeCall(ObridgeRegistry.commit, (1, ROOT, CID, uint64(T), 5, s)));
        assertTrue(!ok && bytes4(ret) != ObridgeRegistry.HighS.selector, "s = n/2 is not high");
    }

    function test_bad_signature_length() public {
        bytes32 d = _digest(1, ROOT, uint64(T), 5);
        bytes[] memory s = _sigs(d, _idx(0, 1, 2));
        (uint8 v, bytes32 r, bytes32 sv) = vm.sign(keys[0], d);
        s[0] = abi.encodePacked(r, sv); // 64 bytes (no v)
        _withSigs(s, abi.encodeWithSelector(ObridgeRegistry.BadSignatureLength.selector, 0, 64));
        s[0] = abi.encodePacked(r, sv, v, uint8(0)); // 66 bytes
        _withSigs(s, abi.encodeWithSelector(ObridgeRegistry.BadSignatureLength.selector, 0, 66));
    }

    function test_bad_v() public {
        bytes32 d = _digest(1, ROOT, uint64(T), 5);
        bytes[] memory s = _sigs(d, _idx(0, 1, 2));
        (uint8 v, bytes32 r, bytes32 sv) = vm.sign(keys[2], d);
        s[2] = abi.encodePacked(r, sv, v - 27); // 0/1 form
        _withSigs(s, abi.encodeWithSelector(ObridgeRegistry.BadV.selector, 2, v - 27));
        s[2] = abi.encodePacked(r, sv, uint8(29));
        _withSigs(s, abi.encodeWithSelector(ObridgeRegistry.BadV.selector, 2, 29));
    }

    function test_invalid_signature() public {
        bytes32 d = _digest(1, ROOT, uint64(T), 5);
        bytes[] memory s = _sigs(d, _idx(0, 1, 2));
        s[1] = abi.encodePacked(bytes32(0), bytes32(uint256(1)), uint8(27)); // r = 0: no recovery
        _withSigs(s, abi.encodeWithSelector(ObridgeRegistry.InvalidSignature.selector, 1));
    }

    function test_one_bad_among_enough_good() public {
        // Threshold 3, four signatures given: three good, the fourth bad in each way.
        bytes32 d = _digest(1, ROOT, uint64(T), 5);
        bytes[] memory s = new bytes[](4);
        for (uint256 i = 0; i < 4; ++i) s[i] = _sig(keys[i], d);
        (uint8 v, bytes32 r, bytes32 sv) = vm.sign(keys[3], d);
        s[3] = abi.encodePacked(r, bytes32(N - uint256(sv)), v == 27 ? uint8(28) : uint8(27));
        _withSigs(s, abi.encodeWithSelector(ObridgeRegistry.HighS.selector, 3));
        s[3] = abi.encodePacked(r, sv);
        _withSigs(s, abi.encodeWithSelector(ObridgeRegistry.BadSignatureLength.selector, 3, 64));
        s[3] = abi.encodePacked(r, sv, uint8(1));
        _withSigs(s, abi.encodeWithSelector(ObridgeRegistry.BadV.selector, 3, 1));
        s[3] = abi.encodePacked(bytes32(0), sv, v);
        _withSigs(s, abi.encodeWithSelector(ObridgeRegistry.InvalidSignature.selector, 3));
        // An unknown key sorted last.
        uint256 pk = 1;
        while (vm.addr(pk) < vm.addr(keys[2])) ++pk;
        s[3] = _sig(pk, d);
        _withSigs(s, abi.encodeWithSelector(ObridgeRegistry.UnknownSigner.selector, 3, vm.addr(pk)));
        // And the same four with the good fourth go through.
        s[3] = _sig(keys[3], d);
        reg.commit(1, ROOT, CID, uint64(T), 5, s);
    }

    // ------------------------------------------------------------ ownership
    function test_owner_only_calls_by_another() public {
        bytes memory err = abi.encodeWithSelector(ObridgeRegistry.NotOwner.selector, STRANGER);
        address[] memory a = _addrs(keys);
        vm.prank(STRANGER);
        vm.expectRevert(err);
        reg.setSigners(a, 1);
        vm.prank(STRANGER);
        vm.expectRevert(err);
        reg.setMaxAge(600);
        vm.prank(STRANGER);
        vm.expectRevert(err);
        reg.transferOwnership(STRANGER);
        vm.prank(STRANGER);
        vm.expectRevert(abi.encodeWithSelector(ObridgeRegistry.NotPendingOwner.selector, STRANGER));
        reg.acceptOwnership();
    }

    function test_two_step_ownership() public {
        address next = address(0xA11CE);
        reg.transferOwnership(next);
        assertEq(reg.owner(), address(this), "owner unchanged after step 1");
        assertEq(reg.pendingOwner(), next, "pending owner");
        reg.setMaxAge(120); // the old owner is still the owner
        vm.prank(STRANGER);
        vm.expectRevert(abi.encodeWithSelector(ObridgeRegistry.NotPendingOwner.selector, STRANGER));
        reg.acceptOwnership();
        vm.prank(next);
        reg.acceptOwnership();
        assertEq(reg.owner(), next, "owner after step 2");
        assertEq(reg.pendingOwner(), address(0), "pending cleared");
        vm.expectRevert(abi.encodeWithSelector(ObridgeRegistry.NotOwner.selector, address(this)));
        reg.setMaxAge(600);
        vm.prank(next);
        reg.setMaxAge(600);
        assertEq(reg.maxAge(), 600, "new owner sets max age");
    }

    function test_transfer_to_zero_cancels() public {
        reg.transferOwnership(address(0xA11CE));
        reg.transferOwnership(address(0));
        vm.prank(address(0xA11CE));
        vm.expectRevert(abi.encodeWithSelector(ObridgeRegistry.NotPendingOwner.selector, address(0xA11CE)));
        reg.acceptOwnership();
        assertEq(reg.owner(), address(this), "owner kept");
    }

    // ------------------------------------------------------------ max age
    function test_max_age_bounds() public {
        vm.expectRevert(abi.encodeWithSelector(ObridgeRegistry.MaxAgeOutOfRange.selector, 59, 60, 604800));
        reg.setMaxAge(59);
        vm.expectRevert(abi.encodeWithSelector(ObridgeRegistry.MaxAgeOutOfRange.selector, 604801, 60, 604800));
        reg.setMaxAge(604801);
        assertEq(reg.maxAge(), 3600, "unchanged after refusals");
        reg.setMaxAge(60);
        assertEq(reg.maxAge(), 60, "lower bound");
        reg.setMaxAge(604800);
        assertEq(reg.maxAge(), 604800, "upper bound");
        // The packed slot keeps the latest round and the threshold across max age changes.
        _commit(9, uint64(T));
        reg.setMaxAge(3600);
        (uint64 round,, uint64 ts) = reg.latest();
        (, uint8 th) = reg.signers();
        assertTrue(round == 9 && ts == T && th == 3, "state kept");
    }

    // ------------------------------------------------------------ signer sets
    function test_set_signers_refuses_bad_sets() public {
        address[] memory a = _addrs(keys);
        vm.expectRevert(_e(ObridgeRegistry.EmptySignerSet.selector));
        reg.setSigners(new address[](0), 1);
        vm.expectRevert(abi.encodeWithSelector(ObridgeRegistry.ThresholdOutOfRange.selector, 0, 5));
        reg.setSigners(a, 0);
        vm.expectRevert(abi.encodeWithSelector(ObridgeRegistry.ThresholdOutOfRange.selector, 6, 5));
        reg.setSigners(a, 6);
        a[3] = address(0);
        vm.expectRevert(abi.encodeWithSelector(ObridgeRegistry.ZeroSigner.selector, 3));
        reg.setSigners(a, 2);
        a = _addrs(keys);
        a[4] = a[1];
        vm.expectRevert(abi.encodeWithSelector(ObridgeRegistry.DuplicateSigner.selector, 4, a[1]));
        reg.setSigners(a, 2);
        address[] memory big = new address[](256);
        for (uint256 i = 0; i < 256; ++i) big[i] = address(uint160(i + 1));
        vm.expectRevert(abi.encodeWithSelector(ObridgeRegistry.TooManySigners.selector, 256, 255));
        reg.setSigners(big, 1);
        // The old set still holds after every refusal.
        (address[] memory got, uint8 th) = reg.signers();
        assertEq(keccak256(abi.encode(got)), keccak256(abi.encode(_addrs(keys))), "set kept");
        assertEq(th, 3, "threshold kept");
    }

    function test_set_signers_255_and_threshold_n() public {
        address[] memory big = new address[](255);
        for (uint256 i = 0; i < 255; ++i) big[i] = address(uint160(i + 1));
        reg.setSigners(big, 255);
        (address[] memory got, uint8 th) = reg.signers();
        assertTrue(got.length == 255 && th == 255, "255 signers, threshold 255");
    }

    function test_set_signers_retires_old_set() public {
        uint256[] memory fresh = _sortedKeys(2, 500);
        address[] memory a = new address[](3);
        (a[0], a[1], a[2]) = (vm.addr(fresh[0]), vm.addr(fresh[1]), vm.addr(keys[0]));
        vm.recordLogs();
        reg.setSigners(a, 2);
        Vm.Log[] memory logs = vm.getRecordedLogs();
        assertEq(logs[0].topics[0], ObridgeRegistry.SignersChanged.selector, "SignersChanged emitted");
        bytes32 d = _digest(1, ROOT, uint64(T), 5);
        // keys[1] was a signer before: now unknown.
        bytes[] memory s = new bytes[](2);
        s[0] = _sig(keys[0], d);
        s[1] = _sig(keys[1], d);
        if (vm.addr(keys[1]) < vm.addr(keys[0])) (s[0], s[1]) = (s[1], s[0]);
        (bool ok, bytes memory ret) =
            address(reg).call(abi.encodeCall(ObridgeRegistry.commit, (1, ROOT, CID, uint64(T), 5, s)));
        assertTrue(!ok && keccak256(ret) != keccak256(""), "refused");
        assertTrue(bytes4(ret) == ObridgeRegistry.UnknownSigner.selector, "old signer is unknown");
        // The new set (keys[0] kept) commits with its threshold of 2.
        uint256[] memory two = new uint256[](2);
        (two[0], two[1]) = (fresh[0], keys[0]);
        if (vm.addr(two[1]) < vm.addr(two[0])) (two[0], two[1]) = (two[1], two[0]);
        s[0] = _sig(two[0], d);
        s[1] = _sig(two[1], d);
        reg.commit(1, ROOT, CID, uint64(T), 5, s);
        // Back to the first set: its signers count again.
        reg.setSigners(_addrs(keys), 3);
        _commit(2, uint64(T));
    }

    // ------------------------------------------------------------ models
    function _register(string memory name, string memory version, string memory cid) internal {
        bytes32 d = _modelDigest(name, version, cid, bytes32(uint256(7)), 1234);
        reg.registerModel(name, version, cid, bytes32(uint256(7)), 1234, _sigs(d, _idx(0, 1, 2)));
    }

    function test_model_register_and_read() public {
        vm.warp(T + 5);
        _register("llama", "3.1-8b", CID);
        (string memory cid, bytes32 digest, uint64 size, uint64 at) = reg.model("llama", "3.1-8b");
        assertTrue(keccak256(bytes(cid)) == keccak256(bytes(CID)) && digest == bytes32(uint256(7)) && size == 1234, "entry");
        assertEq(at, T + 5, "registeredAt is the block timestamp");
        (cid, digest, size, at) = reg.model("llama", "3.1-70b");
        assertTrue(bytes(cid).length == 0 && digest == 0 && size == 0 && at == 0, "unknown model is all zeros");
    }

    function test_model_immutable() public {
        _register("llama", "3.1-8b", CID);
        bytes32 key = keccak256(abi.encode("llama", "3.1-8b"));
        bytes32 d = _modelDigest("llama", "3.1-8b", "other", bytes32(uint256(7)), 1234);
        bytes[] memory s = _sigs(d, _idx(0, 1, 2));
        vm.expectRevert(abi.encodeWithSelector(ObridgeRegistry.ModelExists.selector, key));
        reg.registerModel("llama", "3.1-8b", "other", bytes32(uint256(7)), 1234, s);
        // abi.encode keeps ("ab","c") and ("a","bc") apart.
        _register("llama3", ".1-8b", CID);
    }

    function test_model_empty_fields() public {
        bytes[] memory s = _sigs(_modelDigest("", "v", CID, 0, 1), _idx(0, 1, 2));
        vm.expectRevert(abi.encodeWithSelector(ObridgeRegistry.EmptyField.selector, "name"));
        reg.registerModel("", "v", CID, 0, 1, s);
        vm.expectRevert(abi.encodeWithSelector(ObridgeRegistry.EmptyField.selector, "version"));
        reg.registerModel("n", "", CID, 0, 1, s);
        vm.expectRevert(abi.encodeWithSelector(ObridgeRegistry.EmptyField.selector, "cid"));
        reg.registerModel("n", "v", "", 0, 1, s);
    }

    function test_model_signer_rules() public {
        bytes32 d = _modelDigest("m", "1", CID, 0, 1);
        vm.expectRevert(abi.encodeWithSelector(ObridgeRegistry.NotEnoughSignatures.selector, 2, 3));
        reg.registerModel("m", "1", CID, 0, 1, _sigs(d, _idx2(0, 1)));
        vm.expectRevert(abi.encodeWithSelector(ObridgeRegistry.DuplicateSigner.selector, 2, vm.addr(keys[1])));
        reg.registerModel("m", "1", CID, 0, 1, _sigs(d, _idx(0, 1, 1)));
        // Signatures over a commitment digest do not register a model.
        bytes[] memory s = _sigs(_digest(1, ROOT, uint64(T), 5), _idx(0, 1, 2));
        (bool ok, bytes memory ret) = address(reg).call(
            abi.encodeCall(ObridgeRegistry.registerModel, ("m", "1", CID, bytes32(0), 1, s))
        );
        assertTrue(!ok && bytes4(ret) == ObridgeRegistry.UnknownSigner.selector, "commitment signatures refused");
    }

    // ------------------------------------------------------------ verify (proofs from @openzeppelin/merkle-tree 1.0.8)
    function _proof2(bytes32 a, bytes32 b) internal pure returns (bytes32[] memory p) {
        p = new bytes32[](2);
        (p[0], p[1]) = (a, b);
    }

    function test_verify_real_proofs() public {
        _commit(1, uint64(T));
        bytes32 eth = keccak256("ETH/USD");
        bytes32[] memory p = _proof2(
            0x25f35c221724918137fa7c464b6d2e4eb14a396e6ce7c70200a7c808a5d3c3af,
            0x5aeb71a2195d808e267ca005ad7e44d6832255b10cd31a51f85e78290e5ee223
        );
        assertTrue(reg.verify(1, eth, 301234500000, 8, 1763999998, p), "ETH/USD verifies");
        assertTrue(!reg.verify(1, eth, 301234500001, 8, 1763999998, p), "value + 1 fails");
        assertTrue(!reg.verify(1, eth, 301234500000, 9, 1763999998, p), "other decimals fail");
        assertTrue(!reg.verify(1, eth, 301234500000, 8, 1763999999, p), "other observedAt fails");
        assertTrue(!reg.verify(2, eth, 301234500000, 8, 1763999998, p), "uncommitted round is false");
        bytes32[] memory q = new bytes32[](3);
        (q[0], q[1], q[2]) = (
            0x2fa8622ed731a1400fd6791065d77529a373065232270bab0056c6074d82566a,
            0xf12efdbf0862938347bd49b9df0d62d7724f385de975ad5aefdfa9f86d7bbfb0,
            0x5aeb71a2195d808e267ca005ad7e44d6832255b10cd31a51f85e78290e5ee223
        );
        assertTrue(reg.verify(1, keccak256("BTC/USD"), -5, 0, 1763999990, q), "negative value verifies");
        assertTrue(!reg.verify(1, eth, 301234500000, 8, 1763999998, q), "another leaf's proof fails");
        assertTrue(
            reg.verify(
                1,
                keccak256("X"),
                type(int256).max,
                36,
                type(uint64).max,
                _proof2(
                    0xdf25f66dc1f4acc06ae88ee692350ce69ede6250fee34013a932575107e7b8ee,
                    0x532ae0c80b3c55ddc77fb8921b5398e40389cce8134fc19c2fc92e26dd027a8d
                )
            ),
            "int256 max, uint64 max verify"
        );
        assertTrue(
            reg.verify(
                1,
                keccak256("Y"),
                0,
                2,
                0,
                _proof2(
                    0xc1e77c24c51a61314c148ea23775f9777e523447944f212d99e9d0af4eec3b50,
                    0x532ae0c80b3c55ddc77fb8921b5398e40389cce8134fc19c2fc92e26dd027a8d
                )
            ),
            "zero value verifies"
        );
        p[1] = bytes32(uint256(p[1]) ^ 1);
        assertTrue(!reg.verify(1, eth, 301234500000, 8, 1763999998, p), "a changed proof fails");
    }

    function test_verify_single_leaf_tree() public {
        // One leaf: the root is the leaf hash and the proof is empty.
        bytes32 leaf = keccak256(bytes.concat(keccak256(abi.encode(keccak256("A"), int256(1), uint8(0), uint64(2)))));
        bytes32[] memory none = new bytes32[](0);
        bytes[] memory s = _sigs(_digest(1, leaf, uint64(T), 1), _idx(0, 1, 2));
        reg.commit(1, leaf, CID, uint64(T), 1, s);
        assertTrue(reg.verify(1, keccak256("A"), 1, 0, 2, none), "single leaf verifies");
        assertTrue(!reg.verify(1, keccak256("A"), 2, 0, 2, none), "single leaf, other value fails");
    }
}
