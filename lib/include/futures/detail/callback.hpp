#pragma once
// A move-only type-erased callable: done-callbacks may capture move-only state
// (promises, unique_ptr), which std::function cannot hold, and C++20 has no
// std::move_only_function.
#include <memory>
#include <type_traits>
#include <utility>

namespace futures::detail {

template <class Arg>
class unique_callback {
public:
    unique_callback() = default;

    template <class F>
    requires(!std::is_same_v<std::decay_t<F>, unique_callback>) explicit unique_callback(F&& f)
        : impl_(new model<std::decay_t<F>>(std::forward<F>(f))) {}

    void operator()(Arg a) { impl_->call(a); }
    explicit operator bool() const noexcept { return impl_ != nullptr; }

private:
    struct concept_t {
        virtual ~concept_t() = default;
        virtual void call(Arg) = 0;
    };
    template <class F>
    struct model final : concept_t {
        template <class G>
        explicit model(G&& g) : f(std::forward<G>(g)) {}
        void call(Arg a) override { f(a); }
        F f;
    };
    std::unique_ptr<concept_t> impl_;
};

}  // namespace futures::detail
