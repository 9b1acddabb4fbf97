#pragma once
// The progress display. It runs from a steady_timer on the pipeline's io_context,
// the thread that also updates the tally, so it reads the counts without a lock;
// redrawing from a timer rather than per item bounds the terminal output however
// fast items finish.
#include <chrono>
#include <cstddef>
#include <string>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include "tally.hpp"

namespace pipeline {

enum class progress_mode {
    bar,    // a terminal: one line redrawn in place with '\r', ~10 times a second
    lines,  // a pipe or file: plain lines, one per 10% (or per 5 s when slower), no escapes
    off,    // --quiet
};

/// bar if stdout is a terminal, else lines.
progress_mode detect_progress_mode();

class progress_display {
public:
    /// total: how many records the source will yield. t must outlive the display.
    progress_display(boost::asio::io_context& io, progress_mode mode, std::size_t total, const tally& t);

    /// Starts the timer; the rate and ETA count from here.
    void start();
    /// Draws the final state and stops the timer, whose pending wait would otherwise
    /// keep io_context::run() from returning. Call once the pipeline has drained.
    void finish();

private:
    using clock = std::chrono::steady_clock;

    void arm();
    void on_tick();
    void draw_bar(bool last);
    void print_line();
    std::string counts() const;

    progress_mode mode_;
    std::size_t total_;
    const tally& tally_;
    boost::asio::steady_timer timer_;
    clock::time_point start_{}, last_line_{};
    int last_decile_ = 0;
    bool finished_ = false;
};

}  // namespace pipeline
