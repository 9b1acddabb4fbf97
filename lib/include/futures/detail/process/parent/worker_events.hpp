#pragma once
// What the workers say, as their channels report it: the handshake, the answers to
// call frames (matched to the frames in flight, one result slice per job, handed to
// completion), and a worker's loss. I/O thread only.
#include <string_view>

#include <futures/detail/process/parent/completion.hpp>
#include <futures/detail/process/parent/dispatcher.hpp>
#include <futures/detail/process/parent/transport.hpp>

namespace futures::detail::process {

class worker_events final : public channel_events {
public:
    worker_events(dispatcher& d, const completion& done) : d_(d), done_(done) {}

    void on_frame(channel& from, std::string_view payload, std::shared_ptr<const void> keep) override;
    void on_lost(channel& from, const worker_loss& loss) override;

private:
    /// Empty if handled, else why the worker broke the protocol.
    std::string on_hello(worker_record& w, const hello& h);
    std::string on_initialized(worker_record& w, const result_frame& rf);
    std::string on_results(worker_record& w, result_frame& rf);

    dispatcher& d_;
    const completion& done_;
};

}  // namespace futures::detail::process
