/* Internals shared by the abi_*.c files. */
#ifndef OB_CHAIN_ABI_INT_H
#define OB_CHAIN_ABI_INT_H
#include <stddef.h>
struct chain_abi_type;

/* Bytes the type takes in a head: 32 for dynamic types (an offset), else its whole static size. */
size_t chain__abi_head_size(const struct chain_abi_type *t);
#endif
