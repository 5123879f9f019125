// SPDX-License-Identifier: MIT
pragma solidity ^0.8.0;

// Written as for any Chainlink feed: the interface comes from @chainlink/contracts (npm; remapped to
// contracts/vendor/chainlink-contracts in foundry.toml). Nothing here knows about obridge.
import {AggregatorV3Interface} from "@chainlink/contracts/src/v0.8/shared/interfaces/AggregatorV3Interface.sol";

/// @notice A typical consumer: reads the latest answer, refuses a stale or non-positive one, and
///         converts it to 18 decimals.
contract PriceConsumer {
    error StalePrice(uint256 updatedAt, uint256 maxAge);
    error BadAnswer(int256 answer);

    AggregatorV3Interface public immutable feed;
    uint256 public immutable maxAge;

    constructor(AggregatorV3Interface feed_, uint256 maxAge_) {
        feed = feed_;
        maxAge = maxAge_;
    }

    /// @notice The feed's latest answer scaled to 18 decimals.
    function price18() external view returns (uint256) {
        (, int256 answer,, uint256 updatedAt,) = feed.latestRoundData();
        if (answer <= 0) revert BadAnswer(answer);
        if (updatedAt + maxAge < block.timestamp) revert StalePrice(updatedAt, maxAge);
        uint8 d = feed.decimals();
        return d <= 18 ? uint256(answer) * 10 ** (18 - d) : uint256(answer) / 10 ** (d - 18);
    }

    /// @notice Everything latestRoundData returns, as a consumer would log it.
    function latest() external view returns (uint80, int256, uint256, uint256, uint80) {
        return feed.latestRoundData();
    }
}
