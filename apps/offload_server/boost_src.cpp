// Boost.URL and Boost.JSON, compiled into the server itself: Debian's
// libboost1.81-dev ships both as headers, and their src.hpp builds the library
// part in one translation unit, so the server needs no further package.
#include <boost/json/src.hpp>
#include <boost/url/src.hpp>
