// The progress bar (terminal) and progress lines (pipe or file).
#include "progress.hpp"

#include <unistd.h>

#include <cstdio>

namespace pipeline {
namespace {

constexpr auto tick = std::chrono::milliseconds(100);
constexpr auto slow_line_interval = std::chrono::seconds(5);
constexpr int bar_width = 30;

std::string format_duration(double s) {
    char buf[32];
    if (s < 60)
        std::snprintf(buf, sizeof buf, "%.1f s", s);
    else
        std::snprintf(buf, sizeof buf, "%d:%02d", int(s) / 60, int(s) % 60);
    return buf;
}

}  // namespace

progress_mode detect_progress_mode() { return ::isatty(STDOUT_FILENO) ? progress_mode::bar : progress_mode::lines; }

progress_display::progress_display(boost::asio::io_context& io, progress_mode mode, std::size_t total, const tally& t)
    : mode_(mode), total_(total), tally_(t), timer_(io) {}

void progress_display::start() {
    start_ = last_line_ = clock::now();
    if (mode_ != progress_mode::off) arm();
}

void progress_display::finish() {
    if (finished_) return;
    finished_ = true;
    timer_.cancel();
    if (mode_ == progress_mode::bar) draw_bar(true);
    // Lines mode: the summary follows at once, so a last "100%" line would repeat it.
}

void progress_display::arm() {
    timer_.expires_after(tick);
    timer_.async_wait([this](const boost::system::error_code& ec) {
        if (ec || finished_) return;  // cancelled by finish(): let run() return
        on_tick();
        arm();
    });
}

void progress_display::on_tick() {
    if (mode_ == progress_mode::bar) {
        draw_bar(false);
        return;
    }
    const std::size_t done = tally_.done();
    const int decile = total_ ? int(done * 10 / total_) : 10;
    if (decile > last_decile_ || (done < total_ && clock::now() - last_line_ >= slow_line_interval)) {
        last_decile_ = decile;
        print_line();
    }
}

// "1234/2000  61.7%  512.3 items/s  ETA 1.5 s  3 failed"
std::string progress_display::counts() const {
    const std::size_t done = tally_.done();
    const double elapsed = std::chrono::duration<double>(clock::now() - start_).count();
    const double rate = elapsed > 0 ? double(done) / elapsed : 0.0;
    const double pct = total_ ? 100.0 * double(done) / double(total_) : 100.0;
    const std::string eta = done == total_ ? "done"
                            : rate > 0     ? "ETA " + format_duration(double(total_ - done) / rate)
                                           : "ETA --";
    char buf[160];
    std::snprintf(buf, sizeof buf, "%zu/%zu %5.1f%%  %.1f items/s  %s  %zu failed", done, total_, pct, rate,
                  eta.c_str(), tally_.failed());
    return buf;
}

void progress_display::draw_bar(bool last) {
    const std::size_t done = tally_.done();
    const int filled = total_ ? int(done * bar_width / total_) : bar_width;
    std::string bar(std::size_t(filled), '#');
    bar.resize(bar_width, '.');
    // \r returns to the line start; ESC[K clears what a longer previous line left.
    std::printf("\r[%s] %s\x1b[K%s", bar.c_str(), counts().c_str(), last ? "\n" : "");
    std::fflush(stdout);
}

void progress_display::print_line() {
    last_line_ = clock::now();
    std::printf("progress: %s\n", counts().c_str());
    std::fflush(stdout);
}

}  // namespace pipeline
