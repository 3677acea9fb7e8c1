# The include roots hold only what a layer may use, but an include written relative to
# the including file ("../feeds/feed.h"), one that climbs out after entering a root
# ("engine/../cli/cli.h") or an absolute path never consults them. No file of a library
# may include that way; run as
#   cmake -DSOURCE_DIR=<repository> -P no_climbing_includes.cmake
set(bad)
foreach(dir engine feeds strategies reports config cli)
  file(GLOB files ${SOURCE_DIR}/${dir}/*.c ${SOURCE_DIR}/${dir}/*.h)
  foreach(f IN LISTS files)
    file(STRINGS ${f} lines REGEX "^[ \t]*#[ \t]*include[ \t]*[\"<]([^\">]*/)?(\\.\\.|/)")
    foreach(l IN LISTS lines)
      file(RELATIVE_PATH rel ${SOURCE_DIR} ${f})
      list(APPEND bad "${rel}: ${l}")
    endforeach()
  endforeach()
endforeach()
if(bad)
  list(JOIN bad "\n  " text)
  message(FATAL_ERROR "includes that climb out of the include roots:\n  ${text}")
endif()
message(STATUS "no include climbs out of its layer's include root")
