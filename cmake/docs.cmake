# `cmake --build <dir> --target docs`: HTML reference from the headers' /// comments
# into <dir>/docs/html. Needs Doxygen (Debian: doxygen); without it there is no
# docs target and nothing else changes.
find_package(Doxygen QUIET)
if(DOXYGEN_FOUND)
  set(DOXYGEN_PROJECT_NAME futures)
  set(DOXYGEN_PROJECT_NUMBER ${PROJECT_VERSION})
  set(DOXYGEN_OUTPUT_DIRECTORY ${PROJECT_BINARY_DIR}/docs)
  set(DOXYGEN_GENERATE_LATEX NO)
  set(DOXYGEN_EXTRACT_ALL YES)
  set(DOXYGEN_RECURSIVE YES)
  set(DOXYGEN_EXCLUDE_PATTERNS */detail/*)
  set(DOXYGEN_EXCLUDE_SYMBOLS detail futures::detail)
  set(DOXYGEN_USE_MDFILE_AS_MAINPAGE ${PROJECT_SOURCE_DIR}/README.md)
  set(DOXYGEN_WARN_IF_UNDOCUMENTED NO)
  doxygen_add_docs(docs ${PROJECT_SOURCE_DIR}/lib/include/futures ${PROJECT_SOURCE_DIR}/README.md
                   COMMENT "Doxygen: HTML reference in ${PROJECT_BINARY_DIR}/docs/html")
endif()
