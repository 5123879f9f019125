/* Functions that are easy to misuse: calling one is a compile error (git's banned.h).
 * Use ob_buf / snprintf / strtoul-with-checks instead. Included by every target of ours. */
#ifndef OB_CORE_BANNED_H
#define OB_CORE_BANNED_H
/* System headers first, so their own declarations of these names are untouched. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#define OB_BANNED(func) sorry_##func##_is_a_banned_function
#undef strcpy
#define strcpy(x, y) OB_BANNED(strcpy)
#undef strcat
#define strcat(x, y) OB_BANNED(strcat)
#undef sprintf
#define sprintf(...) OB_BANNED(sprintf)
#undef vsprintf
#define vsprintf(...) OB_BANNED(vsprintf)
#undef strtok
#define strtok(x, y) OB_BANNED(strtok)
#undef atoi
#define atoi(x) OB_BANNED(atoi)
#undef atol
#define atol(x) OB_BANNED(atol)
#undef gets
#define gets(x) OB_BANNED(gets)
#endif
