#pragma once
// The pipeline's input: the text format of a record, the parse/validate stage (run
// on the thread pool), and the source that hands records out one at a time: either
// generated (some malformed on purpose) or the lines of files.
//
// A record is one line "<rounds> <seed>": rounds, a decimal count of hash steps in
// [1, max_rounds]; seed, 1 to 16 hex digits. Blank lines and lines starting with '#'
// are not records (files may carry comments).
#include <cstddef>
#include <cstdint>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

namespace pipeline {

/// The most hash steps one record may ask for (about 0.1 s of work): the parse stage
/// rejects more, so one bad line cannot stall a worker for minutes.
inline constexpr std::uint64_t max_rounds = 50'000'000;

/// A parsed record: what travels to a worker process.
struct work_item {
    std::uint64_t rounds = 0;
    std::uint64_t seed = 0;
    template <class Ar>
    void serialize(Ar& ar, unsigned) {
        ar& rounds& seed;
    }
};

/// The parse/validate stage: turns a line into a work_item, or throws
/// std::invalid_argument saying what is wrong with it. Pure, so any thread may run it.
work_item parse_record(const std::string& line);

/// One line taken from the input, with where it came from ("gen:97", "data.txt:12")
/// for failure messages.
struct raw_record {
    std::string origin;
    std::string line;
};

/// How generated input looks. Line i (from 1) is malformed when bad_every divides it,
/// and carries seed 0 (valid syntax; the worker's task rejects it) when fail_every
/// does; 0 disables either. Other lines ask for mean_rounds/2 .. 3*mean_rounds/2
/// rounds, so the process stage has uneven work to balance.
struct generator_options {
    std::size_t items = 2000;
    std::size_t bad_every = 97;
    std::size_t fail_every = 250;
    std::uint64_t mean_rounds = 1'000'000;
};

/// Hands out records one at a time, so that the pipeline reads input only as fast as
/// it has room for it (memory stays flat however long the input is).
class record_source {
public:
    explicit record_source(generator_options g);
    /// Reads the files in order. Throws std::runtime_error if one cannot be opened.
    /// Counts their records first (a cheap pass) so that progress can show a total.
    explicit record_source(std::vector<std::string> paths);

    /// The next record, or nullopt at the end. Blocking file reads happen on the
    /// caller's thread (the io_context's): fine for local files, and it keeps the
    /// source single-threaded.
    std::optional<raw_record> next();
    /// How many records next() will have returned in all.
    std::size_t total() const noexcept { return total_; }

private:
    std::optional<raw_record> next_generated();
    std::optional<raw_record> next_from_files();

    std::optional<generator_options> gen_;
    std::vector<std::string> paths_;
    std::size_t total_ = 0;
    std::size_t produced_ = 0;  // generated records so far
    std::size_t file_index_ = 0;
    std::size_t line_no_ = 0;
    std::ifstream in_;
};

}  // namespace pipeline
