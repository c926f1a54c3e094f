// Copyright (c) 2026 wsx developers. Distributed under the Boost Software License, Version 1.0.
#ifndef WSX_REDIS_ERROR_HPP
#define WSX_REDIS_ERROR_HPP

// Why the Redis backplane lost or could not reach Redis, as the
// std::error_code its state callback receives (docs/scaling.md). None of
// them stops the server: local delivery goes on and the backplane retries.

#include <string>
#include <system_error>
#include <type_traits>

namespace wsx {

/// Why the Redis backplane is not connected, in the wsx.redis category.
enum class redis_error {
    /// The TCP connection to Redis could not be made (refused, unreachable).
    connect_failed = 1,
    /// The connection was not made within redis_options::connect_timeout.
    connect_timeout,
    /// Redis did not answer a command within redis_options::command_timeout.
    command_timeout,
    /// An established connection dropped (Redis stopped, restarted, or
    /// closed a slow subscriber at its output-buffer limit).
    connection_lost,
    /// Redis refused AUTH or SELECT (see redis_options password, user, db).
    setup_refused,
    /// The backplane was stopped (server::stop() or the server went away).
    stopped,
    /// Asked for something that needs Redis (server::cluster_subscribers())
    /// while not connected to it.
    not_connected,
    /// Redis answered a command with an error, or with a reply of the wrong type.
    command_failed,
};

/// The wsx.redis error category.
const std::error_category& redis_category() noexcept;

/// Makes redis_error usable as a std::error_code (found by ADL).
inline std::error_code make_error_code(redis_error e) noexcept { return {static_cast<int>(e), redis_category()}; }

namespace detail {
class redis_category_impl final : public std::error_category {
public:
    const char* name() const noexcept override { return "wsx.redis"; }
    std::string message(int ev) const override {
        switch (static_cast<redis_error>(ev)) {
        case redis_error::connect_failed:
            return "could not connect to Redis (is it running, and are redis_options host and port right?)";
        case redis_error::connect_timeout:
            return "no connection to Redis within the connect timeout (redis_options::connect_timeout)";
        case redis_error::command_timeout:
            return "Redis did not answer within the command timeout (redis_options::command_timeout)";
        case redis_error::connection_lost:
            return "the connection to Redis dropped (Redis stopped, or closed this client, e.g. at its "
                   "client-output-buffer-limit)";
        case redis_error::setup_refused:
            return "Redis refused AUTH or SELECT (check redis_options user, password and db)";
        case redis_error::stopped:
            return "the Redis backplane was stopped";
        case redis_error::not_connected:
            return "the Redis backplane is not connected to Redis now (it is reconnecting)";
        case redis_error::command_failed:
            return "Redis answered with an error (or an unexpected reply)";
        }
        return "unknown wsx.redis error";
    }
};
} // namespace detail

inline const std::error_category& redis_category() noexcept {
    static const detail::redis_category_impl cat;
    return cat;
}

} // namespace wsx

namespace std {
template <> struct is_error_code_enum<wsx::redis_error> : true_type {};
} // namespace std

#endif
