// Copyright (c) 2026 wsx developers. Distributed under the Boost Software License, Version 1.0.
#ifndef WSX_DETAIL_UNIQUE_FUNCTION_HPP
#define WSX_DETAIL_UNIQUE_FUNCTION_HPP

// std::function needs copyable targets, but Asio completion handlers (the
// promise behind use_future, coroutine resumers) are move-only.

#include <memory>
#include <type_traits>
#include <utility>

namespace wsx::detail {

template <class Signature> class unique_function;

template <class R, class... Args> class unique_function<R(Args...)> {
    struct base {
        virtual ~base() = default;
        virtual R call(Args... args) = 0;
    };
    template <class F> struct holder final : base {
        F f;
        explicit holder(F&& fn) : f(std::move(fn)) {}
        R call(Args... args) override { return f(std::forward<Args>(args)...); }
    };
    std::unique_ptr<base> impl_;

public:
    unique_function() = default;
    template <class F, class = std::enable_if_t<!std::is_same_v<std::decay_t<F>, unique_function>>>
    unique_function(F&& f) : impl_(new holder<std::decay_t<F>>(std::forward<F>(f))) {}
    explicit operator bool() const noexcept { return impl_ != nullptr; }
    R operator()(Args... args) { return impl_->call(std::forward<Args>(args)...); }
};

} // namespace wsx::detail

#endif
