// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title obridge registry (protocol v1)
/// @notice Holds one Merkle root per round, committed by k of n signers over an EIP-712 `Commitment`,
///         and immutable model entries registered the same way. Anyone can check a feed value against a
///         committed root with `verify` (OpenZeppelin StandardMerkleTree leaves, sorted-pair proofs).
/// @dev    Storage per round is the root alone. The latest round, its timestamp, maxAge, the threshold and
///         the signer-set epoch share one slot, so `commit` reads one cold slot and writes two. A signer is
///         current when `_signerEpoch[signer]` equals the epoch in that slot; `setSigners` bumps the epoch,
///         which retires the old set without clearing it.
contract ObridgeRegistry {
    // ---------------------------------------------------------------- errors
    error NotOwner(address caller);
    error NotPendingOwner(address caller);
    error EmptySignerSet();
    error TooManySigners(uint256 count, uint256 max);
    error ZeroSigner(uint256 index);
    error DuplicateSigner(uint256 index, address signer);
    error ThresholdOutOfRange(uint256 threshold, uint256 signers);
    error MaxAgeOutOfRange(uint256 maxAge, uint256 min, uint256 max);
    error ZeroRoot();
    error ZeroCount();
    error EmptyField(string field);
    error StaleRound(uint64 round, uint64 latest);
    error TimestampBeforeLatest(uint64 timestamp, uint64 latest);
    error TimestampTooNew(uint64 timestamp, uint256 limit);
    error TimestampTooOld(uint64 timestamp, uint256 limit);
    error NotEnoughSignatures(uint256 given, uint256 threshold);
    error BadSignatureLength(uint256 index, uint256 length);
    error HighS(uint256 index);
    error BadV(uint256 index, uint8 v);
    error InvalidSignature(uint256 index);
    error UnknownSigner(uint256 index, address signer);
    error SignerNotAscending(uint256 index, address signer, address previous);
    error ModelExists(bytes32 key);

    // ---------------------------------------------------------------- events
    event Committed(uint64 indexed round, bytes32 root, string cid, uint64 timestamp, uint32 count);
    event ModelRegistered(bytes32 indexed key, string name, string version, string cid, bytes32 digest, uint64 size);
    event SignersChanged(address[] signers, uint8 threshold);
    event MaxAgeChanged(uint64 maxAge);
    event OwnershipTransferStarted(address indexed previousOwner, address indexed newOwner);
    event OwnershipTransferred(address indexed previousOwner, address indexed newOwner);

    // ---------------------------------------------------------------- constants
    uint256 public constant MAX_SIGNERS = 255;
    uint64 public constant MIN_MAX_AGE = 60;
    uint64 public constant MAX_MAX_AGE = 604800;
    uint64 public constant DEFAULT_MAX_AGE = 3600;
    uint256 public constant MAX_FUTURE = 300;

    bytes32 private constant DOMAIN_TYPEHASH =
        keccak256("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)");
    bytes32 private constant COMMITMENT_TYPEHASH =
        keccak256("Commitment(uint64 round,bytes32 root,string cid,uint64 timestamp,uint32 count)");
    bytes32 private constant MODEL_TYPEHASH =
        keccak256("ModelEntry(string name,string version,string cid,bytes32 sha256,uint64 size)");
    uint256 private constant HALF_N = 0x7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a0;

    // ---------------------------------------------------------------- storage
    // _state: bits 0..63 latest round, 64..127 latest timestamp, 128..191 maxAge, 192..199 threshold,
    //         200..231 signer-set epoch.
    uint256 private _state;
    address private _owner;
    address private _pendingOwner;
    mapping(uint64 => bytes32) private _roots;
    mapping(address => uint256) private _signerEpoch;
    address[] private _signers;

    struct Model {
        string cid;
        bytes32 digest;
        uint64 size;
        uint64 registeredAt;
    }
    mapping(bytes32 => Model) private _models;

    uint256 private immutable _cachedChainId;
    bytes32 private immutable _cachedDomain;

    constructor(address[] memory signers_, uint8 threshold_) {
        _owner = msg.sender;
        emit OwnershipTransferred(address(0), msg.sender);
        _state = uint256(DEFAULT_MAX_AGE) << 128;
        _setSigners(signers_, threshold_);
        emit MaxAgeChanged(DEFAULT_MAX_AGE);
        _cachedChainId = block.chainid;
        _cachedDomain = _buildDomain();
    }

    // ---------------------------------------------------------------- commitments
    function commit(
        uint64 round,
        bytes32 root,
        string calldata cid,
        uint64 timestamp,
        uint32 count,
        bytes[] calldata signatures
    ) external {
        uint256 s = _checkRound(round, root, bytes(cid).length, timestamp, count);
        _checkSignatures(_commitmentDigest(round, root, cid, timestamp, count), signatures, s);
        bytes32 topic = Committed.selector;
        uint64 ts = timestamp;
        assembly ("memory-safe") {
            // _roots[round] = root
            mstore(0x00, round)
            mstore(0x20, _roots.slot)
            sstore(keccak256(0x00, 0x40), root)
            // latest round and timestamp into the low 128 bits of the state slot
            sstore(_state.slot, or(and(s, not(0xffffffffffffffffffffffffffffffff)), or(shl(64, ts), round)))
            // emit Committed(round, root, cid, timestamp, count), the CID copied straight from calldata
            let p := mload(0x40)
            mstore(p, root)
            mstore(add(p, 0x20), 0x80)
            mstore(add(p, 0x40), ts)
            mstore(add(p, 0x60), count)
            mstore(add(p, 0x80), cid.length)
            mstore(add(add(p, 0xa0), and(cid.length, not(31))), 0)
            calldatacopy(add(p, 0xa0), cid.offset, cid.length)
            log2(p, add(0xa0, and(add(cid.length, 31), not(31))), topic, round)
        }
    }

    function latest() external view returns (uint64 round, bytes32 root, uint64 timestamp) {
        uint256 s = _state;
        round = uint64(s);
        timestamp = uint64(s >> 64);
        root = _roots[round];
    }

    function rootOf(uint64 round) external view returns (bytes32) {
        return _roots[round];
    }

    /// @notice True when the leaf [feedId, value, decimals, observedAt] is in the root of `round`.
    function verify(
        uint64 round,
        bytes32 feedId,
        int256 value,
        uint8 decimals,
        uint64 observedAt,
        bytes32[] calldata proof
    ) external view returns (bool) {
        bytes32 root = _roots[round];
        if (root == 0) return false;
        bytes32 h = keccak256(bytes.concat(keccak256(abi.encode(feedId, value, decimals, observedAt))));
        for (uint256 i = 0; i < proof.length; ++i) {
            bytes32 p = proof[i];
            assembly ("memory-safe") {
                switch lt(h, p)
                case 1 {
                    mstore(0x00, h)
                    mstore(0x20, p)
                }
                default {
                    mstore(0x00, p)
                    mstore(0x20, h)
                }
                h := keccak256(0x00, 0x40)
            }
        }
        return h == root;
    }

    // ---------------------------------------------------------------- models
    function registerModel(
        string calldata name,
        string calldata version,
        string calldata cid,
        bytes32 digest,
        uint64 size,
        bytes[] calldata signatures
    ) external {
        if (bytes(name).length == 0) revert EmptyField("name");
        if (bytes(version).length == 0) revert EmptyField("version");
        if (bytes(cid).length == 0) revert EmptyField("cid");
        bytes32 key = keccak256(abi.encode(name, version));
        Model storage m = _models[key];
        if (m.registeredAt != 0) revert ModelExists(key);
        bytes32 structHash = keccak256(
            abi.encode(MODEL_TYPEHASH, keccak256(bytes(name)), keccak256(bytes(version)), keccak256(bytes(cid)), digest, size)
        );
        _checkSignatures(_digest(structHash), signatures, _state);
        m.cid = cid;
        m.digest = digest;
        m.size = size;
        m.registeredAt = uint64(block.timestamp);
        emit ModelRegistered(key, name, version, cid, digest, size);
    }

    function model(string calldata name, string calldata version)
        external
        view
        returns (string memory cid, bytes32 digest, uint64 size, uint64 registeredAt)
    {
        Model storage m = _models[keccak256(abi.encode(name, version))];
        return (m.cid, m.digest, m.size, m.registeredAt);
    }

    // ---------------------------------------------------------------- signers and settings
    function setSigners(address[] calldata signers_, uint8 threshold_) external {
        _onlyOwner();
        _setSigners(signers_, threshold_);
    }

    function signers() external view returns (address[] memory, uint8 threshold) {
        return (_signers, uint8(_state >> 192));
    }

    function setMaxAge(uint64 seconds_) external {
        _onlyOwner();
        if (seconds_ < MIN_MAX_AGE || seconds_ > MAX_MAX_AGE) {
            revert MaxAgeOutOfRange(seconds_, MIN_MAX_AGE, MAX_MAX_AGE);
        }
        _state = (_state & ~(uint256(type(uint64).max) << 128)) | (uint256(seconds_) << 128);
        emit MaxAgeChanged(seconds_);
    }

    function maxAge() external view returns (uint64) {
        return uint64(_state >> 128);
    }

    // ---------------------------------------------------------------- ownership (two steps)
    function owner() external view returns (address) {
        return _owner;
    }

    function pendingOwner() external view returns (address) {
        return _pendingOwner;
    }

    /// @notice Step 1 of 2: `newOwner` becomes owner when it calls `acceptOwnership`. The zero address
    ///         cancels a pending transfer.
    function transferOwnership(address newOwner) external {
        _onlyOwner();
        _pendingOwner = newOwner;
        emit OwnershipTransferStarted(msg.sender, newOwner);
    }

    function acceptOwnership() external {
        if (msg.sender != _pendingOwner) revert NotPendingOwner(msg.sender);
        address previous = _owner;
        _owner = msg.sender;
        delete _pendingOwner;
        emit OwnershipTransferred(previous, msg.sender);
    }

    // ---------------------------------------------------------------- internals
    /// @dev The checks of `commit` that need no signature; returns the state slot. The round and time
    ///      checks are assembly (selectors spelled out, each checked by the forge tests) to keep `commit`
    ///      close to its storage, ecrecover and log floor.
    function _checkRound(uint64 round, bytes32 root, uint256 cidLength, uint64 ts, uint32 count)
        private
        view
        returns (uint256 s)
    {
        if (root == 0) revert ZeroRoot();
        if (count == 0) revert ZeroCount();
        if (cidLength == 0) revert EmptyField("cid");
        assembly ("memory-safe") {
            s := sload(_state.slot)
            let latestRound := and(s, 0xffffffffffffffff)
            if iszero(gt(round, latestRound)) {
                mstore(0x00, shl(224, 0x9266e1a0)) // StaleRound(uint64 round, uint64 latest)
                mstore(0x04, round)
                mstore(0x24, latestRound)
                revert(0x00, 0x44)
            }
            let latestTs := and(shr(64, s), 0xffffffffffffffff)
            if lt(ts, latestTs) {
                mstore(0x00, shl(224, 0x60709f88)) // TimestampBeforeLatest(uint64 timestamp, uint64 latest)
                mstore(0x04, ts)
                mstore(0x24, latestTs)
                revert(0x00, 0x44)
            }
            // No overflow below: every operand is under 2^65.
            let limit := add(timestamp(), 300) // MAX_FUTURE
            if gt(ts, limit) {
                mstore(0x00, shl(224, 0x5f0ad319)) // TimestampTooNew(uint64 timestamp, uint256 limit)
                mstore(0x04, ts)
                mstore(0x24, limit)
                revert(0x00, 0x44)
            }
            let age := and(shr(128, s), 0xffffffffffffffff)
            if lt(add(ts, age), timestamp()) {
                mstore(0x00, shl(224, 0x10f80647)) // TimestampTooOld(uint64 timestamp, uint256 limit)
                mstore(0x04, ts)
                mstore(0x24, sub(timestamp(), age))
                revert(0x00, 0x44)
            }
        }
    }

    /// @dev The EIP-712 digest of a Commitment, keccak256(cid) taken from a copy of the calldata.
    function _commitmentDigest(uint64 round, bytes32 root, string calldata cid, uint64 ts, uint32 count)
        private
        view
        returns (bytes32 d)
    {
        bytes32 typeHash = COMMITMENT_TYPEHASH;
        bytes32 domain = block.chainid == _cachedChainId ? _cachedDomain : _buildDomain();
        assembly ("memory-safe") {
            let p := mload(0x40)
            calldatacopy(p, cid.offset, cid.length)
            let cidHash := keccak256(p, cid.length)
            mstore(p, typeHash)
            mstore(add(p, 0x20), round)
            mstore(add(p, 0x40), root)
            mstore(add(p, 0x60), cidHash)
            mstore(add(p, 0x80), ts)
            mstore(add(p, 0xa0), count)
            let structHash := keccak256(p, 0xc0)
            mstore(p, hex"1901")
            mstore(add(p, 0x02), domain)
            mstore(add(p, 0x22), structHash)
            d := keccak256(p, 0x42)
        }
    }

    function _onlyOwner() private view {
        if (msg.sender != _owner) revert NotOwner(msg.sender);
    }

    function _setSigners(address[] memory list, uint8 threshold_) private {
        uint256 n = list.length;
        if (n == 0) revert EmptySignerSet();
        if (n > MAX_SIGNERS) revert TooManySigners(n, MAX_SIGNERS);
        if (threshold_ == 0 || threshold_ > n) revert ThresholdOutOfRange(threshold_, n);
        uint256 s = _state;
        uint256 epoch = uint32(s >> 200) + 1;
        for (uint256 i = 0; i < n; ++i) {
            address a = list[i];
            if (a == address(0)) revert ZeroSigner(i);
            if (_signerEpoch[a] == epoch) revert DuplicateSigner(i, a);
            _signerEpoch[a] = epoch;
        }
        _signers = list;
        _state = (s & ~(uint256(type(uint40).max) << 192)) | (epoch << 200) | (uint256(threshold_) << 192);
        emit SignersChanged(list, threshold_);
    }

    function _buildDomain() private view returns (bytes32) {
        return keccak256(abi.encode(DOMAIN_TYPEHASH, keccak256("obridge"), keccak256("1"), block.chainid, address(this)));
    }

    function _digest(bytes32 structHash) private view returns (bytes32 d) {
        bytes32 domain = block.chainid == _cachedChainId ? _cachedDomain : _buildDomain();
        assembly ("memory-safe") {
            let p := mload(0x40)
            mstore(p, hex"1901")
            mstore(add(p, 0x02), domain)
            mstore(add(p, 0x22), structHash)
            d := keccak256(p, 0x42)
        }
    }

    /// @dev Every signature given must be valid and come from a distinct current signer, in strictly
    ///      ascending signer order; at least `threshold` of them. Written in assembly because it is most of
    ///      the cost of `commit` beyond storage and ecrecover: offsets are read without Solidity's calldata
    ///      checks, which is safe because an offset or length pointing past the calldata reads zeros, and
    ///      zeros fail the length or the recovery check. Each revert carries the error of the declaration
    ///      above (selectors spelled out; the forge tests check every one of them).
    function _checkSignatures(bytes32 digest, bytes[] calldata sigs, uint256 s) private view {
        uint256 epochSlot;
        assembly ("memory-safe") {
            epochSlot := _signerEpoch.slot
        }
        assembly ("memory-safe") {
            let n := sigs.length
            let threshold := and(shr(192, s), 0xff)
            if lt(n, threshold) {
                mstore(0x00, shl(224, 0x79c193d2)) // NotEnoughSignatures(uint256 given, uint256 threshold)
                mstore(0x04, n)
                mstore(0x24, threshold)
                revert(0x00, 0x44)
            }
            let epoch := and(shr(200, s), 0xffffffff)
            let p := mload(0x40)
            mstore(p, digest)
            let previous := 0
            for { let i := 0 } lt(i, n) { i := add(i, 1) } {
                let o := add(sigs.offset, calldataload(add(sigs.offset, shl(5, i))))
                let len := calldataload(o)
                if iszero(eq(len, 65)) {
                    mstore(0x00, shl(224, 0x1233eaef)) // BadSignatureLength(uint256 index, uint256 length)
                    mstore(0x04, i)
                    mstore(0x24, len)
                    revert(0x00, 0x44)
                }
                let r := calldataload(add(o, 0x20))
                let sv := calldataload(add(o, 0x40))
                let v := byte(0, calldataload(add(o, 0x60)))
                if gt(sv, HALF_N) {
                    mstore(0x00, shl(224, 0x9ddca1c9)) // HighS(uint256 index)
                    mstore(0x04, i)
                    revert(0x00, 0x24)
                }
                if iszero(or(eq(v, 27), eq(v, 28))) {
                    mstore(0x00, shl(224, 0x0ffbe8e8)) // BadV(uint256 index, uint8 v)
                    mstore(0x04, i)
                    mstore(0x24, v)
                    revert(0x00, 0x44)
                }
                mstore(add(p, 0x20), v)
                mstore(add(p, 0x40), r)
                mstore(add(p, 0x60), sv)
                mstore(0x00, 0)
                // ecrecover precompile; a failed recovery leaves the output word zero.
                pop(staticcall(gas(), 0x01, p, 0x80, 0x00, 0x20))
                let signer := mload(0x00)
                if iszero(signer) {
                    mstore(0x00, shl(224, 0x52bf9848)) // InvalidSignature(uint256 index)
                    mstore(0x04, i)
                    revert(0x00, 0x24)
                }
                mstore(0x20, epochSlot)
                if iszero(eq(sload(keccak256(0x00, 0x40)), epoch)) {
                    mstore(0x00, shl(224, 0xb846e11d)) // UnknownSigner(uint256 index, address signer)
                    mstore(0x04, i)
                    mstore(0x24, signer)
                    revert(0x00, 0x44)
                }
                if iszero(gt(signer, previous)) {
                    if eq(signer, previous) {
                        mstore(0x00, shl(224, 0x1f718e2a)) // DuplicateSigner(uint256 index, address signer)
                        mstore(0x04, i)
                        mstore(0x24, signer)
                        revert(0x00, 0x44)
                    }
                    mstore(0x00, shl(224, 0xab9b985d)) // SignerNotAscending(uint256, address, address previous)
                    mstore(0x04, i)
                    mstore(0x24, signer)
                    mstore(0x44, previous)
                    revert(0x00, 0x64)
                }
                previous := signer
            }
        }
    }
}
