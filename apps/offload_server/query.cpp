#include "query.hpp"

#include <algorithm>
#include <charconv>
#include <cstdio>

#include <boost/url/encoding_opts.hpp>
#include <boost/url/parse.hpp>
#include <boost/url/url_view.hpp>

namespace offload {

std::string printable(std::string_view s) {
    constexpr std::size_t max_shown = 40;
    std::string out;
    for (unsigned char c : s.substr(0, max_shown)) {
        if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') {
            out += static_cast<char>(c);
        } else {
            char esc[5];
            std::snprintf(esc, sizeof esc, "\\x%02x", c);
            out += esc;
        }
    }
    if (s.size() > max_shown) out += "...";
    return out;
}

target parse_target(std::string_view raw) {
    // Boost.URL says "mismatch" for most of these; the client gets something plainer.
    if (raw.empty() || raw.front() != '/')
        throw bad_request("the request target must be a path (origin form), got \"" + printable(raw) + "\"");
    if (raw.find('#') != std::string_view::npos) throw bad_request("a request target cannot have a fragment");
    auto parsed = boost::urls::parse_origin_form(raw);
    if (!parsed)
        throw bad_request("bad percent-encoding or character in the request target \"" + printable(raw) + "\"");
    target t;
    t.path = std::string_view(parsed->encoded_path().data(), parsed->encoded_path().size());
    // "+" stays a "+": it means a space only in HTML form bodies.
    for (const auto& p : parsed->params(boost::urls::encoding_opts(false))) {
        if (p.key.empty() && !p.has_value) continue;  // "&&"
        t.params.emplace_back(p.key, p.value);
    }
    return t;
}

void accept_only(const target& t, std::initializer_list<std::string_view> names) {
    const auto& params = t.params;
    for (std::size_t i = 0; i < params.size(); ++i) {
        const std::string& name = params[i].first;
        if (std::find(names.begin(), names.end(), name) == names.end())
            throw bad_request("unknown parameter \"" + printable(name) + "\"");
        for (std::size_t j = 0; j < i; ++j)
            if (params[j].first == name)
                throw bad_request("parameter \"" + printable(name) + "\" is given more than once");
    }
}

std::int64_t integer_param(const target& t, std::string_view name, std::int64_t lo, std::int64_t hi) {
    const auto& params = t.params;
    const auto it = std::find_if(params.begin(), params.end(), [&](const auto& p) { return p.first == name; });
    const std::string range = " must be an integer from " + std::to_string(lo) + " to " + std::to_string(hi);
    if (it == params.end()) throw bad_request("missing parameter \"" + std::string(name) + "\"" + ": it" + range);
    const std::string& v = it->second;
    std::int64_t x = 0;
    const auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), x);
    if (ec == std::errc::result_out_of_range)
        throw bad_request(std::string(name) + range + ", got \"" + printable(v) + "\" (beyond 64 bits)");
    if (v.empty() || ec != std::errc{} || end != v.data() + v.size())
        throw bad_request(std::string(name) + range + ", got \"" + printable(v) + "\"");
    if (x < lo || x > hi) throw bad_request(std::string(name) + range + ", got " + std::to_string(x));
    return x;
}

}  // namespace offload
