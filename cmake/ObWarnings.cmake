# ob_target_warnings(tgt): the warnings for our own targets only (never third-party code).
function(ob_target_warnings tgt)
  target_compile_options(${tgt} PRIVATE
    -Wall -Wextra                # the baseline
    -Wshadow                     # a local hiding another is a bug waiting to happen
    -Wstrict-prototypes          # f() means "any arguments" in C: say (void)
    -Wmissing-prototypes         # every non-static function is declared in a header
    -Wvla                        # no stack arrays sized at run time
    -Wformat=2                   # printf-style calls are checked, format strings are literals
    -Wno-unused-parameter        # callbacks take what their signature gives them
    -Wno-missing-field-initializers # tables list the fields they need; the rest are zero
  )
  if(OB_WERROR)
    target_compile_options(${tgt} PRIVATE -Werror)
  endif()
  # banned.h turns strcpy/sprintf/strtok/atoi into compile errors (git's banned.h).
  target_compile_options(${tgt} PRIVATE -include ${OB_SOURCE_DIR}/core/include/ob/core/banned.h)
endfunction()
