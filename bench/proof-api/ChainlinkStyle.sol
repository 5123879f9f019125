// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @notice The baseline of bench/proof-api's gas figure: one transmission per feed and round, as Chainlink's
///         OCR aggregators do it (simplified): a report of (round, answer, observationsTimestamp) signed by
///         f+1 oracles, signatures checked with ecrecover against the configured set in ascending order,
///         the transmission stored as OCR2 stores it (int192 answer, two uint32 timestamps in one slot, per
///         round) and NewTransmission emitted. Only for measuring: no config digest, no billing.
contract ChainlinkStyle {
    error BadRound(uint32 round);
    error BadSignature(uint256 index);

    struct Transmission {
        int192 answer;
        uint32 observationsTimestamp;
        uint32 transmissionTimestamp;
    }

    event NewTransmission(uint32 indexed aggregatorRoundId, int192 answer, address transmitter, uint32 observationsTimestamp);

    mapping(address => bool) public isSigner;
    uint8 public immutable threshold;
    uint32 public latestRound;
    mapping(uint32 => Transmission) internal transmissions;

    constructor(address[] memory signers_, uint8 threshold_) {
        for (uint256 i = 0; i < signers_.length; ++i) isSigner[signers_[i]] = true;
        threshold = threshold_;
    }

    function transmit(uint32 round, int192 answer, uint32 observationsTimestamp, bytes32[] calldata rs, bytes32[] calldata ss, uint8[] calldata vs)
        external
    {
        if (round != latestRound + 1) revert BadRound(round);
        bytes32 digest = keccak256(abi.encode(address(this), round, answer, observationsTimestamp));
        if (rs.length < threshold) revert BadSignature(rs.length);
        address previous;
        for (uint256 i = 0; i < rs.length; ++i) {
            address s = ecrecover(digest, vs[i], rs[i], ss[i]);
            if (!isSigner[s] || s <= previous) revert BadSignature(i);
            previous = s;
        }
        latestRound = round;
        transmissions[round] = Transmission(answer, observationsTimestamp, uint32(block.timestamp));
        emit NewTransmission(round, answer, msg.sender, observationsTimestamp);
    }

    function latestAnswer() external view returns (int192) {
        return transmissions[latestRound].answer;
    }
}
