#include "query.hpp"

#include <algorithm>
#include <charconv>
#include <cstdio>

namespace offload {
namespace {

int hex_digit(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

std::string percent_decode(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] != '%') {
            out += s[i];
            continue;
        }
        const int hi = i + 1 < s.size() ? hex_digit(s[i + 1]) : -1;
        const int lo = i + 2 < s.size() ? hex_digit(s[i + 2]) : -1;
        if (hi < 0 || lo < 0)
            throw bad_request("bad percent-encoding in the query: \"" + printable(s.substr(i, 3)) + "\"");
        out += static_cast<char>(hi * 16 + lo);
        i += 2;
    }
    return out;
}

}  // namespace

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
    if (raw.empty() || raw.front() != '/')
        throw bad_request("the request target must be a path (origin form), got \"" + printable(raw) + "\"");
    if (raw.find('#') != std::string_view::npos) throw bad_request("a request target cannot have a fragment");
    target t;
    const auto q = raw.find('?');
    t.path = raw.substr(0, q);
    if (q == std::string_view::npos) return t;
    std::string_view rest = raw.substr(q + 1);
    while (!rest.empty()) {
        const auto amp = rest.find('&');
        const std::string_view piece = rest.substr(0, amp);
        rest = amp == std::string_view::npos ? std::string_view{} : rest.substr(amp + 1);
        if (piece.empty()) continue;
        const auto eq = piece.find('=');
        std::string name = percent_decode(piece.substr(0, eq));
        std::string value = eq == std::string_view::npos ? std::string{} : percent_decode(piece.substr(eq + 1));
        t.params.emplace_back(std::move(name), std::move(value));
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
            if (params[j].first == name) throw bad_request("parameter \"" + printable(name) + "\" is given more than once");
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
