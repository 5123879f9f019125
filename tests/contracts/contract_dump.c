/* Prints what the binary embeds of a contract: `contract_dump bytecode|abi` (the registry),
 * `contract_dump adapter-bytecode|adapter-abi` (the feed adapter). */
#include <stdio.h>
#include <string.h>

#include "ob/contracts/contracts.h"

int main(int argc, char **argv)
{
  if (argc == 2 && strcmp(argv[1], "bytecode") == 0) {
    fwrite(ob_registry_bytecode_hex, 1, ob_registry_bytecode_hex_len, stdout);
  } else if (argc == 2 && strcmp(argv[1], "abi") == 0) {
    fwrite(ob_registry_abi_json, 1, ob_registry_abi_json_len, stdout);
  } else if (argc == 2 && strcmp(argv[1], "adapter-bytecode") == 0) {
    fwrite(ob_feed_adapter_bytecode_hex, 1, ob_feed_adapter_bytecode_hex_len, stdout);
  } else if (argc == 2 && strcmp(argv[1], "adapter-abi") == 0) {
    fwrite(ob_feed_adapter_abi_json, 1, ob_feed_adapter_abi_json_len, stdout);
  } else {
    fputs("usage: contract_dump bytecode|abi|adapter-bytecode|adapter-abi\n", stderr);
    return 2;
  }
  putchar('\n');
  return ferror(stdout) ? 1 : 0;
}
