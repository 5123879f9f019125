# The commit obridge is built from, for `obridge --version`: `git describe` at configure time
# ("0123456789ab" or "0123456789ab-dirty"), "unknown" outside a git checkout (a release tarball).
# CMake configures again when HEAD moves, so the version follows commits and checkouts.
set(OB_GIT_COMMIT unknown)
find_package(Git QUIET)
if(GIT_FOUND)
  execute_process(COMMAND ${GIT_EXECUTABLE} describe --always --dirty --abbrev=12 --exclude=*
                  WORKING_DIRECTORY ${CMAKE_CURRENT_SOURCE_DIR}
                  OUTPUT_VARIABLE _ob_describe OUTPUT_STRIP_TRAILING_WHITESPACE
                  RESULT_VARIABLE _ob_rc ERROR_QUIET)
  execute_process(COMMAND ${GIT_EXECUTABLE} rev-parse --absolute-git-dir
                  WORKING_DIRECTORY ${CMAKE_CURRENT_SOURCE_DIR}
                  OUTPUT_VARIABLE _ob_gitdir OUTPUT_STRIP_TRAILING_WHITESPACE
                  RESULT_VARIABLE _ob_rc2 ERROR_QUIET)
  if(_ob_rc EQUAL 0 AND _ob_describe)
    set(OB_GIT_COMMIT ${_ob_describe})
  endif()
  if(_ob_rc2 EQUAL 0)
    foreach(f HEAD logs/HEAD)
      if(EXISTS ${_ob_gitdir}/${f})
        set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${_ob_gitdir}/${f})
      endif()
    endforeach()
  endif()
endif()
configure_file(${CMAKE_CURRENT_LIST_DIR}/ob_version.h.in ${CMAKE_BINARY_DIR}/generated/ob_version.h @ONLY)
