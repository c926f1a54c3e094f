// Copyright (c) 2026 wsx developers. Distributed under the Boost Software License, Version 1.0.
#ifndef WSX_IMPL_SESSION_IPP
#define WSX_IMPL_SESSION_IPP

// wsx::session, the object itself: making and destroying it, the parts it
// makes when first used, and the calls that follow its pointers (its
// endpoint, its deflate state). Here rather than inline in session.hpp,
// which only declares those parts. Included by session.hpp, or compiled
// once by src.hpp with WSX_SEPARATE_COMPILATION.

#include <wsx/session.hpp>
#include <wsx/detail/endpoint_state.hpp>
#include <wsx/detail/session_parts.hpp>
#include <wsx/detail/session_registry.hpp>

namespace wsx {

WSX_DECL session::session(asio::io_context& io, std::uint64_t id, bool is_server, bool direct_writes)
    : strand_(io, this),
      reader_(reader_options_for(is_server, session_options{})),
      id_(id),
      is_server_(is_server),
      direct_writes_(direct_writes) {}

WSX_DECL session::~session() = default;

WSX_DECL const std::string& session::subprotocol() const noexcept {
    static const std::string none;
    return subprotocol_ ? *subprotocol_ : none;
}

WSX_DECL const std::string& session::extensions() const noexcept {
    static const std::string none;
    return deflate_ ? deflate_->extensions : none;
}

WSX_DECL void session::set_subprotocol(std::string p) {
    if (!p.empty()) subprotocol_ = std::make_unique<const std::string>(std::move(p));
}

WSX_DECL std::vector<session_handle> session::open_sessions() const {
    std::vector<session_handle> out;
    if (!endpoint_ || !endpoint_->registry) return out;
    for (auto& s : endpoint_->registry->open_on(endpoint_.get())) out.emplace_back(s);
    return out;
}

WSX_DECL session::timing_state& session::timing() {
    if (!timing_) timing_ = std::make_unique<timing_state>(strand_.get_inner_executor());
    return *timing_;
}

WSX_DECL session::closing_state& session::closing() {
    if (!closing_) closing_ = std::make_unique<closing_state>();
    return *closing_;
}

} // namespace wsx

#endif
