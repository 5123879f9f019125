/* safetensors checks, as the reference implementation (huggingface/safetensors, tensor.rs
 * `SafeTensors::read_metadata`) defines the format:
 *
 *   8 bytes   N, the header length, little-endian u64; N <= 100,000,000
 *   N bytes   UTF-8 JSON object: "__metadata__" (a map of strings, or null) and one entry per tensor
 *             {"dtype": D, "shape": [u64…], "data_offsets": [begin, end]} (other keys ignored)
 *   the rest  the data: tensors sorted by data_offsets must be contiguous from 0 (each begins where
 *             the previous ended, end >= begin), each exactly product(shape) × bits(dtype) / 8 bytes
 *             (no overflow; sub-byte dtypes must fill whole bytes), the last ending at the end of
 *             the file.
 *
 * Errors name what was wrong and, for a tensor, its name: "tensor 'w.0': data_offsets [8, 24] hold
 * 16 bytes, shape [2, 3] × F32 needs 24". Every refusal is OB_EPARSE (bad input, exit 2) except a
 * short file read (OB_EIO). Nothing here allocates more than the header's JSON tree. */
#ifndef OB_MODELS_SAFETENSORS_H
#define OB_MODELS_SAFETENSORS_H
#include <stddef.h>
#include <stdint.h>
struct ob_err;

#define MODEL_ST_MAX_HEADER 100000000u

/* The format's dtypes and their widths in bits (safetensors' Dtype::bitsize). */
enum model_st_dtype {
  MODEL_ST_BOOL, MODEL_ST_F4, MODEL_ST_F6_E2M3, MODEL_ST_F6_E3M2, MODEL_ST_U8, MODEL_ST_I8,
  MODEL_ST_F8_E5M2, MODEL_ST_F8_E4M3, MODEL_ST_F8_E8M0, MODEL_ST_F8_E4M3FNUZ, MODEL_ST_F8_E5M2FNUZ,
  MODEL_ST_I16, MODEL_ST_U16, MODEL_ST_F16, MODEL_ST_BF16, MODEL_ST_I32, MODEL_ST_U32, MODEL_ST_F32,
  MODEL_ST_C64, MODEL_ST_F64, MODEL_ST_I64, MODEL_ST_U64, MODEL_ST_NDTYPES
};
const char *model_st_dtype_name(enum model_st_dtype d);
unsigned model_st_dtype_bits(enum model_st_dtype d);
/* Returns the dtype, or -1 when name is not one of the format's. */
int model_st_dtype_parse(const char *name, size_t len);

struct model_st_summary {
  uint64_t header_len; /* N */
  uint64_t data_len;   /* bytes after the header */
  size_t tensors;      /* tensor entries */
  size_t metadata;     /* __metadata__ entries */
  uint64_t params;     /* sum of the shapes' products (saturates at UINT64_MAX) */
};

/* Check a safetensors file whose first bytes are in head[0..head_len) and whose total size is
 * file_size. head must hold at least the 8-byte length and the header when the file has them
 * (a short head on a long file is OB_EIO, a short file is OB_EPARSE).
 * Returns: 0; OB_EPARSE with the reason; OB_EIO; OB_ENOMEM.
 * Out: sum (may be NULL) filled on success. */
int model_st_check(struct model_st_summary *sum, const uint8_t *head, size_t head_len,
                   uint64_t file_size, struct ob_err *err);

/* Check the open file fd (read from offset 0 with pread; the header only is read, never the data).
 * Returns as model_st_check, or OB_EIO naming the system error. */
int model_st_check_fd(struct model_st_summary *sum, int fd, struct ob_err *err);

/* Check path: as model_st_check_fd; errors are prefixed with the path. */
int model_st_check_path(struct model_st_summary *sum, const char *path, struct ob_err *err);
#endif
