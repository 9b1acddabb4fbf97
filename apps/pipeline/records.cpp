// The record format, its parser, and the generated or file-backed record source.
#include "records.hpp"

#include <charconv>
#include <cstdio>
#include <stdexcept>
#include <string_view>

namespace pipeline {
namespace {

std::vector<std::string_view> split_fields(std::string_view s) {
    std::vector<std::string_view> out;
    std::size_t i = 0;
    while (i < s.size()) {
        while (i < s.size() && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r')) ++i;
        const std::size_t start = i;
        while (i < s.size() && s[i] != ' ' && s[i] != '\t' && s[i] != '\r') ++i;
        if (i > start) out.push_back(s.substr(start, i - start));
    }
    return out;
}

// from_chars, but the whole field must be consumed: "12x" is not 12.
bool parse_whole(std::string_view s, std::uint64_t& v, int base) {
    const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v, base);
    return ec == std::errc() && end == s.data() + s.size();
}

bool is_record_line(const std::string& line) {
    const auto first = line.find_first_not_of(" \t\r");
    return first != std::string::npos && line[first] != '#';
}

// splitmix64: a good spread from consecutive indices, so generated records differ.
std::uint64_t mix(std::uint64_t x) {
    x += 0x9e3779b97f4a7c15ull;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
    return x ^ (x >> 31);
}

std::string hex(std::uint64_t v) {
    char buf[20];
    std::snprintf(buf, sizeof buf, "%llx", static_cast<unsigned long long>(v));
    return buf;
}

// Five ways to get a line wrong, so the failure summary has something to group.
std::string malformed_line(std::size_t kind, std::uint64_t rounds, std::uint64_t seed) {
    switch (kind % 5) {
    case 0:
        return std::to_string(rounds);
    case 1:
        return "12x4567 " + hex(seed);
    case 2:
        return "0 " + hex(seed);
    case 3:
        return std::to_string(rounds) + " 9gc0ffee";
    default:
        return std::to_string(rounds) + " " + hex(seed) + " extra";
    }
}

}  // namespace

work_item parse_record(const std::string& line) {
    const auto fields = split_fields(line);
    if (fields.size() != 2)
        throw std::invalid_argument("expected 2 fields (rounds seed), got " + std::to_string(fields.size()));
    work_item w;
    if (!parse_whole(fields[0], w.rounds, 10))
        throw std::invalid_argument("rounds '" + std::string(fields[0]) + "' is not a decimal number");
    if (w.rounds < 1 || w.rounds > max_rounds)
        throw std::invalid_argument("rounds " + std::to_string(w.rounds) + " is outside [1, " +
                                    std::to_string(max_rounds) + "]");
    if (fields[1].size() > 16 || !parse_whole(fields[1], w.seed, 16))
        throw std::invalid_argument("seed '" + std::string(fields[1]) + "' is not 1 to 16 hex digits");
    return w;
}

record_source::record_source(generator_options g) : gen_(g), total_(g.items) {}

record_source::record_source(std::vector<std::string> paths) : paths_(std::move(paths)) {
    for (const auto& p : paths_) {
        std::ifstream f(p);
        if (!f) throw std::runtime_error("cannot open " + p);
        for (std::string line; std::getline(f, line);)
            if (is_record_line(line)) ++total_;
    }
}

std::optional<raw_record> record_source::next() { return gen_ ? next_generated() : next_from_files(); }

std::optional<raw_record> record_source::next_generated() {
    if (produced_ == gen_->items) return std::nullopt;
    const std::size_t i = ++produced_;
    const std::uint64_t h = mix(i);
    const std::uint64_t mean = gen_->mean_rounds;
    const std::uint64_t rounds = mean / 2 + (mean ? h % mean : 0) + 1;
    const std::uint64_t seed = mix(h) | 1;  // odd, so never the seed the task rejects
    std::string line;
    if (gen_->bad_every && i % gen_->bad_every == 0)
        line = malformed_line(i / gen_->bad_every, rounds, seed);
    else if (gen_->fail_every && i % gen_->fail_every == 0)
        line = std::to_string(rounds) + " 0";
    else
        line = std::to_string(rounds) + " " + hex(seed);
    return raw_record{"gen:" + std::to_string(i), std::move(line)};
}

std::optional<raw_record> record_source::next_from_files() {
    while (file_index_ < paths_.size()) {
        if (!in_.is_open()) {
            in_.open(paths_[file_index_]);
            line_no_ = 0;
            if (!in_) throw std::runtime_error("cannot open " + paths_[file_index_]);
        }
        for (std::string line; std::getline(in_, line);) {
            ++line_no_;
            if (is_record_line(line))
                return raw_record{paths_[file_index_] + ":" + std::to_string(line_no_), std::move(line)};
        }
        in_.close();
        in_.clear();
        ++file_index_;
    }
    return std::nullopt;
}

}  // namespace pipeline
