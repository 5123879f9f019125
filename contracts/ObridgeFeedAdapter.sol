// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {AggregatorV3Interface} from "./vendor/chainlink-contracts/src/v0.8/shared/interfaces/AggregatorV3Interface.sol";

/// @notice The one registry call the adapter makes (ObridgeRegistry.verify, docs/PROTOCOL.md).
interface IObridgeVerifier {
    function verify(
        uint64 round,
        bytes32 feedId,
        int256 value,
        uint8 decimals,
        uint64 observedAt,
        bytes32[] calldata proof
    ) external view returns (bool);
}

/// @title obridge feed adapter: one obridge feed behind Chainlink's AggregatorV3Interface
/// @notice Anyone may call `update` with a value of the feed and its Merkle proof from a committed round
///         (the proof API's `calldata.update`); the registry's `verify` decides. Only a round newer than
///         the latest stored one is taken, so the answer never goes back. Code written against
///         AggregatorV3Interface reads it unchanged: `roundId` is obridge's round, `answer` the value,
///         `startedAt` and `updatedAt` its observedAt, `answeredInRound` the round.
/// @dev    Per round one slot: observedAt in the top 64 bits and the answer as int192 below (Chainlink's own
///         answer type, so every value a Chainlink-style feed can carry costs one new slot). An answer outside
///         int192, or equal to type(int192).min (the marker), keeps the marker there and the full int256 in a
///         second mapping. The latest round has a slot of its own.
contract ObridgeFeedAdapter is AggregatorV3Interface {
    error ZeroRegistry();
    error DecimalsOutOfRange(uint8 decimals, uint8 max);
    error StaleUpdate(uint64 round, uint64 latest);
    error InvalidProof(uint64 round, bytes32 feedId);
    error NoDataPresent(uint80 roundId);

    /// @notice Chainlink's AggregatorInterface event, so indexers of Chainlink feeds see updates.
    event AnswerUpdated(int256 indexed current, uint256 indexed roundId, uint256 updatedAt);

    uint8 public constant MAX_DECIMALS = 36;

    IObridgeVerifier public immutable registry;
    bytes32 public immutable feedId;
    uint8 private immutable _decimals;
    string private _description;

    int192 private constant WIDE = type(int192).min; // marker: the answer is in _wide

    uint64 private _latestRound;
    mapping(uint64 => uint256) private _packed; // observedAt << 192 | uint192(answer or WIDE)
    mapping(uint64 => int256) private _wide;

    constructor(address registry_, bytes32 feedId_, uint8 decimals_, string memory description_) {
        if (registry_ == address(0)) revert ZeroRegistry();
        if (decimals_ > MAX_DECIMALS) revert DecimalsOutOfRange(decimals_, MAX_DECIMALS);
        registry = IObridgeVerifier(registry_);
        feedId = feedId_;
        _decimals = decimals_;
        _description = description_;
    }

    /// @notice Store `value` of this feed from `round` when `proof` shows it under that round's root.
    function update(uint64 round, int256 value, uint64 observedAt, bytes32[] calldata proof) external {
        uint64 latest = _latestRound;
        if (round <= latest) revert StaleUpdate(round, latest);
        if (!registry.verify(round, feedId, value, _decimals, observedAt, proof)) revert InvalidProof(round, feedId);
        _latestRound = round;
        int192 small = WIDE;
        if (value > type(int192).min && value <= type(int192).max) small = int192(value);
        else _wide[round] = value;
        _packed[round] = (uint256(observedAt) << 192) | uint256(uint192(small));
        emit AnswerUpdated(value, round, observedAt);
    }

    /// @notice The latest round stored here (0 before the first update).
    function latestRound() external view returns (uint256) {
        return _latestRound;
    }

    // ---------------------------------------------------------------- AggregatorV3Interface
    function decimals() external view returns (uint8) {
        return _decimals;
    }

    function description() external view returns (string memory) {
        return _description;
    }

    function version() external pure returns (uint256) {
        return 1;
    }

    function getRoundData(uint80 roundId_)
        external
        view
        returns (uint80 roundId, int256 answer, uint256 startedAt, uint256 updatedAt, uint80 answeredInRound)
    {
        if (roundId_ > type(uint64).max) revert NoDataPresent(roundId_);
        return _round(uint64(roundId_));
    }

    function latestRoundData()
        external
        view
        returns (uint80 roundId, int256 answer, uint256 startedAt, uint256 updatedAt, uint80 answeredInRound)
    {
        return _round(_latestRound);
    }

    function _round(uint64 round)
        private
        view
        returns (uint80 roundId, int256 answer, uint256 startedAt, uint256 updatedAt, uint80 answeredInRound)
    {
        uint256 p = _packed[round];
        uint64 at = uint64(p >> 192);
        // A stored round always has observedAt > 0: the registry refuses commitments older than maxAge.
        if (round == 0 || at == 0) revert NoDataPresent(round);
        int192 small = int192(uint192(p));
        answer = small == WIDE ? _wide[round] : int256(small);
        return (round, answer, at, at, round);
    }
}
