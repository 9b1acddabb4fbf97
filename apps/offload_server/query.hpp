#pragma once
// Request targets: Beast checks that a target is made of legal characters but does
// not split it; Boost.URL (header-only here, through boost_src.cpp) parses the
// origin form and percent-decodes the query. Everything a client can get wrong
// ends in bad_request, which the router answers with a 400 whose body says what
// was wrong.
#include <cstdint>
#include <initializer_list>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace offload {

/// A malformed request: what() is the 400's message.
class bad_request : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

/// An origin-form target ("/fib?n=30") split into its path and its query.
struct target {
    std::string_view path;                                    ///< as sent, not decoded: every route is plain ASCII
    std::vector<std::pair<std::string, std::string>> params;  ///< percent-decoded, in order
};

/// Splits a request target. Throws bad_request for anything but origin form
/// (absolute-form and "*" included), a fragment, or a bad %-escape. "+" is kept:
/// it means a space only in HTML form bodies. Empty "&&" pieces are skipped.
target parse_target(std::string_view raw);

/// Throws bad_request unless every parameter of t is one of names, each given
/// once: a typo must not silently fall back to a default.
void accept_only(const target& t, std::initializer_list<std::string_view> names);

/// The required decimal integer parameter `name` of t, in [lo, hi]. Throws
/// bad_request when it is missing, empty, not a plain decimal integer (no sign but
/// '-', no spaces, no exponent), beyond 64 bits, or out of range.
std::int64_t integer_param(const target& t, std::string_view name, std::int64_t lo, std::int64_t hi);

/// s, shortened and with control and non-ASCII bytes escaped, safe to quote in an
/// error message (the bytes came from the client).
std::string printable(std::string_view s);

}  // namespace offload
