// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @notice The baseline for bench/gas: the registry's `commit` written the obvious way, with the same
///         interface, the same EIP-712 Commitment and the same checks (round, timestamps, k-of-n ascending
///         signers, low s), but a mapping of structs per round, plain state variables, signatures copied
///         to memory and parsed OpenZeppelin-ECDSA style, and Solidity's `ecrecover`.
contract Straightforward {
    struct Round {
        bytes32 root;
        uint64 timestamp;
        uint32 count;
    }

    error Invalid(string what);

    event Committed(uint64 indexed round, bytes32 root, string cid, uint64 timestamp, uint32 count);

    bytes32 private constant COMMITMENT_TYPEHASH =
        keccak256("Commitment(uint64 round,bytes32 root,string cid,uint64 timestamp,uint32 count)");

    mapping(uint64 => Round) public rounds;
    mapping(address => bool) public isSigner;
    address[] public signerList;
    uint8 public threshold;
    uint64 public latestRound;
    uint64 public latestTimestamp;
    uint64 public maxAge = 3600;
    address public owner;

    constructor(address[] memory signers_, uint8 threshold_) {
        owner = msg.sender;
        require(signers_.length > 0 && threshold_ > 0 && threshold_ <= signers_.length, "bad signer set");
        for (uint256 i = 0; i < signers_.length; i++) {
            require(signers_[i] != address(0) && !isSigner[signers_[i]], "bad signer");
            isSigner[signers_[i]] = true;
            signerList.push(signers_[i]);
        }
        threshold = threshold_;
    }

    function domainSeparator() public view returns (bytes32) {
        return keccak256(
            abi.encode(
                keccak256("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"),
                keccak256(bytes("obridge")),
                keccak256(bytes("1")),
                block.chainid,
                address(this)
            )
        );
    }

    function commit(
        uint64 round,
        bytes32 root,
        string memory cid,
        uint64 timestamp,
        uint32 count,
        bytes[] memory signatures
    ) external {
        if (root == bytes32(0)) revert Invalid("zero root");
        if (count == 0) revert Invalid("zero count");
        if (round <= latestRound) revert Invalid("stale round");
        if (timestamp < latestTimestamp) revert Invalid("timestamp before latest");
        if (timestamp > block.timestamp + 300) revert Invalid("timestamp too new");
        if (timestamp + maxAge < block.timestamp) revert Invalid("timestamp too old");

        bytes32 structHash =
            keccak256(abi.encode(COMMITMENT_TYPEHASH, round, root, keccak256(bytes(cid)), timestamp, count));
        bytes32 digest = keccak256(abi.encodePacked("\x19\x01", domainSeparator(), structHash));

        if (signatures.length < threshold) revert Invalid("not enough signatures");
        address previous = address(0);
        for (uint256 i = 0; i < signatures.length; i++) {
            address signer = recover(digest, signatures[i]);
            if (!isSigner[signer]) revert Invalid("unknown signer");
            if (signer <= previous) revert Invalid("signers not ascending");
            previous = signer;
        }

        rounds[round] = Round(root, timestamp, count);
        latestRound = round;
        latestTimestamp = timestamp;
        emit Committed(round, root, cid, timestamp, count);
    }

    function rootOf(uint64 round) external view returns (bytes32) {
        return rounds[round].root;
    }

    /// OpenZeppelin ECDSA.recover, as a library user would inline it.
    function recover(bytes32 hash, bytes memory signature) internal pure returns (address) {
        if (signature.length != 65) revert Invalid("signature length");
        bytes32 r;
        bytes32 s;
        uint8 v;
        assembly {
            r := mload(add(signature, 0x20))
            s := mload(add(signature, 0x40))
            v := byte(0, mload(add(signature, 0x60)))
        }
        if (uint256(s) > 0x7FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF5D576E7357A4501DDFE92F46681B20A0) revert Invalid("high s");
        if (v != 27 && v != 28) revert Invalid("bad v");
        address signer = ecrecover(hash, v, r, s);
        if (signer == address(0)) revert Invalid("invalid signature");
        return signer;
    }
}
