#ifndef OB_CONTRACTS_CONTRACTS_H
#define OB_CONTRACTS_CONTRACTS_H
/* The registry contract and the feed adapter as the build compiled them (pinned solcjs, optimizer on,
 * 200 runs), embedded so the binary needs no compiler at run time. Generated from
 * contracts/ObridgeRegistry.sol and contracts/ObridgeFeedAdapter.sol; all data is static,
 * NUL-terminated and never freed. */
#include <stddef.h>

/* Creation bytecode of ObridgeRegistry: lower-case hex without "0x". The constructor arguments
 * (address[] signers, uint8 threshold) are ABI-encoded and appended to it to deploy. */
extern const char ob_registry_bytecode_hex[];
extern const size_t ob_registry_bytecode_hex_len;

/* The contract's ABI as solcjs printed it (a JSON array). */
extern const char ob_registry_abi_json[];
extern const size_t ob_registry_abi_json_len;

/* ObridgeFeedAdapter (contracts/ObridgeFeedAdapter.sol): one obridge feed behind Chainlink's
 * AggregatorV3Interface. Constructor arguments (address registry, bytes32 feedId, uint8 decimals,
 * string description) are ABI-encoded and appended to the creation bytecode. */
extern const char ob_feed_adapter_bytecode_hex[];
extern const size_t ob_feed_adapter_bytecode_hex_len;
extern const char ob_feed_adapter_abi_json[];
extern const size_t ob_feed_adapter_abi_json_len;

#endif
