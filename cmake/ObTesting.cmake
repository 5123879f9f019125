# Test registration. Every test case becomes one CTest test named AREA/CASE, labelled `unit` (no peer)
# or `peer` (needs the local peers, started once per ctest run through fixtures).
#
#   ob_add_c_tests(AREA SOURCES a.c b.c LIBS ob::chain [LABEL unit|peer] [FIXTURES pg chain ipfs])
#       Builds one binary test_AREA from the sources plus the harness. Cases are the OB_TEST(name)
#       lines found in the sources; each runs as `test_AREA --only name`.
#   ob_add_sh_tests(AREA FILE x.sh [LABEL unit|peer] [FIXTURES ...])
#       Cases are the `test_name() {` functions of the script; each runs as
#       `bash tests/harness/run.sh x.sh name`.
set(OB_PEERS_DIR ${CMAKE_BINARY_DIR}/peers)

function(_ob_test_props name label fixtures)
  set(env "OB_PEERS_DIR=${OB_PEERS_DIR}" "OB_SOURCE_DIR=${OB_SOURCE_DIR}"
          "OB_BINARY_DIR=${CMAKE_BINARY_DIR}" "OBRIDGE=$<TARGET_FILE:obridge>"
          "ASAN_OPTIONS=detect_leaks=1:abort_on_error=0" "UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1")
  set_tests_properties(${name} PROPERTIES LABELS "${label}" ENVIRONMENT "${env}" TIMEOUT 600)
  if(fixtures)
    set(req "")
    foreach(f IN LISTS fixtures)
      list(APPEND req "peer_${f}")
    endforeach()
    set_tests_properties(${name} PROPERTIES FIXTURES_REQUIRED "${req}")
  endif()
endfunction()

function(ob_add_c_tests area)
  cmake_parse_arguments(T "" "LABEL" "SOURCES;LIBS;FIXTURES" ${ARGN})
  if(NOT T_LABEL)
    set(T_LABEL unit)
  endif()
  set(tgt test_${area})
  add_executable(${tgt} ${T_SOURCES})
  target_link_libraries(${tgt} PRIVATE ob_test_harness ${T_LIBS})
  ob_target_warnings(${tgt})
  foreach(src IN LISTS T_SOURCES)
    file(STRINGS ${src} lines REGEX "^OB_TEST\\([a-z0-9_]+\\)")
    foreach(line IN LISTS lines)
      string(REGEX REPLACE "^OB_TEST\\(([a-z0-9_]+)\\).*" "\\1" case "${line}")
      add_test(NAME ${area}/${case} COMMAND ${tgt} --only ${case})
      _ob_test_props(${area}/${case} "${T_LABEL}" "${T_FIXTURES}")
    endforeach()
    set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${src})
  endforeach()
endfunction()

function(ob_add_sh_tests area)
  cmake_parse_arguments(T "" "FILE;LABEL" "FIXTURES" ${ARGN})
  if(NOT T_LABEL)
    set(T_LABEL unit)
  endif()
  file(STRINGS ${T_FILE} lines REGEX "^test_[a-z0-9_]+\\(\\)")
  foreach(line IN LISTS lines)
    string(REGEX REPLACE "^test_([a-z0-9_]+)\\(\\).*" "\\1" case "${line}")
    add_test(NAME ${area}/${case}
             COMMAND bash ${OB_SOURCE_DIR}/tests/harness/run.sh ${T_FILE} ${case})
    _ob_test_props(${area}/${case} "${T_LABEL}" "${T_FIXTURES}")
  endforeach()
  set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${T_FILE})
endfunction()

# One fixture per peer, so `ctest -R db/` starts PostgreSQL only.
function(ob_add_peer_fixture peer)
  add_test(NAME peers/up_${peer} COMMAND bash ${OB_SOURCE_DIR}/scripts/peers.sh up ${OB_PEERS_DIR} ${peer})
  add_test(NAME peers/down_${peer} COMMAND bash ${OB_SOURCE_DIR}/scripts/peers.sh down ${OB_PEERS_DIR} ${peer})
  set_tests_properties(peers/up_${peer} PROPERTIES FIXTURES_SETUP peer_${peer} LABELS peer TIMEOUT 120)
  set_tests_properties(peers/down_${peer} PROPERTIES FIXTURES_CLEANUP peer_${peer} LABELS peer TIMEOUT 60)
endfunction()

# ob_add_fuzzer(NAME SOURCES harness.c LIBS ob::chain)
#   The harness defines LLVMFuzzerTestOneInput. With OB_FUZZ=ON it becomes a libFuzzer binary
#   fuzz_NAME (run: fuzz_NAME tests/fuzz/corpus/NAME). Always, it is also linked with a small
#   replay main into replay_NAME and registered as the unit test fuzz/NAME, which runs every file
#   of tests/fuzz/corpus/NAME — so the committed corpus and every crasher saved there stay
#   regression tests in every build.
function(ob_add_fuzzer name)
  cmake_parse_arguments(F "" "" "SOURCES;LIBS" ${ARGN})
  add_executable(replay_${name} ${F_SOURCES} ${OB_SOURCE_DIR}/tests/fuzz/replay_main.c)
  target_link_libraries(replay_${name} PRIVATE ${F_LIBS})
  ob_target_warnings(replay_${name})
  add_test(NAME fuzz/${name} COMMAND replay_${name} ${OB_SOURCE_DIR}/tests/fuzz/corpus/${name})
  set_tests_properties(fuzz/${name} PROPERTIES LABELS unit TIMEOUT 300)
  if(OB_FUZZ)
    add_executable(fuzz_${name} ${F_SOURCES})
    target_link_libraries(fuzz_${name} PRIVATE ${F_LIBS})
    target_link_options(fuzz_${name} PRIVATE -fsanitize=fuzzer)
    ob_target_warnings(fuzz_${name})
  endif()
endfunction()
