// The out-of-line parts of bounded_iarchive (bounded_archive.hpp), instantiated
// here as Boost's own library does for binary_iarchive.
#include <futures/detail/process/protocol/bounded_archive.hpp>

#include <boost/archive/impl/archive_serializer_map.ipp>
#include <boost/archive/impl/basic_binary_iarchive.ipp>
#include <boost/archive/impl/basic_binary_iprimitive.ipp>

namespace boost::archive {
template class detail::archive_serializer_map<futures::detail::process::bounded_iarchive>;
template class basic_binary_iprimitive<futures::detail::process::bounded_iarchive, char, std::char_traits<char>>;
template class basic_binary_iarchive<futures::detail::process::bounded_iarchive>;
template class binary_iarchive_impl<futures::detail::process::bounded_iarchive, char, std::char_traits<char>>;
}  // namespace boost::archive
