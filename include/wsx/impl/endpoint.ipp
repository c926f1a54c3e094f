// Copyright (c) 2026 wsx developers. Distributed under the Boost Software License, Version 1.0.
#ifndef WSX_IMPL_ENDPOINT_IPP
#define WSX_IMPL_ENDPOINT_IPP

// wsx::server_endpoint: making its handler set, and its open sessions,
// read from the session registry, which endpoint.hpp only declares.
// Included by endpoint.hpp, or compiled once by src.hpp with
// WSX_SEPARATE_COMPILATION.

#include <wsx/endpoint.hpp>
#include <wsx/detail/endpoint_state.hpp>
#include <wsx/detail/session_registry.hpp>

#include <memory>
#include <vector>

namespace wsx {

WSX_DECL server_endpoint::server_endpoint(std::string_view pattern)
    : pattern_(pattern), state_(std::make_shared<detail::endpoint_state>()) {}

WSX_DECL std::vector<session_handle> server_endpoint::open_sessions() const {
    std::vector<session_handle> out;
    if (!state_->registry) return out;
    for (auto& s : state_->registry->open_on(state_.get())) out.emplace_back(s);
    return out;
}

} // namespace wsx

#endif
