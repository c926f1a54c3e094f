// Copyright (c) 2026 wsx developers. Distributed under the Boost Software License, Version 1.0.
#ifndef WSX_RECONNECT_OPTIONS_HPP
#define WSX_RECONNECT_OPTIONS_HPP

// How a wsx::client reconnects (client::reconnect(); docs/client.md):
// exponential backoff with jitter, capped, optionally a limited number of
// attempts. The delay is a pure function of the options, the attempt
// number and one random number, so its bounds are tested exactly.
//
// Jitter spreads the clients a server restart dropped, so that they do not
// all come back in the same instant; it only shortens a delay, so
// max_delay stays a true maximum.

#include <wsx/error.hpp>
#include <wsx/protocol/close.hpp>

#include <chrono>
#include <cmath>
#include <functional>
#include <string>
#include <system_error>

namespace wsx {

/// When and how often a client reconnects after a connection it did not
/// close itself has ended.
struct reconnect_options {
    /// The delay before the first attempt (more than zero).
    std::chrono::milliseconds initial_delay{500};
    /// No delay is longer (at least initial_delay).
    std::chrono::milliseconds max_delay{30'000};
    /// Each further attempt waits this many times longer (at least 1).
    double multiplier = 2.0;
    /// The fraction (0 to 1) a delay may be shortened by at random: the
    /// delay is drawn from [d * (1 - jitter), d].
    double jitter = 0.2;
    /// Attempts after one connection ends before giving up; 0 for no limit.
    /// An attempt that opens resets the count.
    unsigned max_attempts = 0;
    /// Whether the end of a connection calls for a reconnect: given how it
    /// closed and the error on_error reported for it (none for a close
    /// frame without one). Empty: every end except a completed close
    /// handshake with 1000 (normal closure), which means both sides agreed
    /// the conversation is over; a failed connect, 1006, a server's 1001
    /// (going away) or 1011 all reconnect. client::close() never does.
    std::function<bool(const protocol::close_reason&, std::error_code)> retry_if;
};

/// What a client's on_reconnect handler is told, before it waits.
struct reconnect_event {
    /// 1 for the first attempt after a connection ended, then 2, 3, ...
    unsigned attempt = 0;
    /// How long the client waits before this attempt.
    std::chrono::milliseconds delay{0};
    /// What on_error reported for the connection that ended (empty when
    /// it ended with a close frame and no error: see `close`).
    std::error_code error;
    /// How that connection ended, as on_close saw it.
    protocol::close_reason close;
};

/// Throws std::system_error(error::bad_argument) saying which field is out
/// of range, so that a client never reconnects in a busy loop.
inline void validate(const reconnect_options& o) {
    auto bad = [](const char* what) {
        throw std::system_error(make_error_code(error::bad_argument), std::string("wsx: reconnect_options: ") + what);
    };
    if (o.initial_delay.count() <= 0) bad("initial_delay must be more than zero");
    if (o.max_delay < o.initial_delay) bad("max_delay must be at least initial_delay");
    if (!(o.multiplier >= 1.0) || !std::isfinite(o.multiplier)) bad("multiplier must be a finite number of at least 1");
    if (!(o.jitter >= 0.0 && o.jitter <= 1.0)) bad("jitter must be between 0 and 1");
}

/// The delay before attempt `attempt` (1, 2, ...): initial_delay *
/// multiplier^(attempt - 1), at most max_delay, then shortened by
/// jitter * `unit` of itself, where `unit` is a random number in [0, 1].
/// Never below 1 ms, so that no two attempts follow back to back.
inline std::chrono::milliseconds reconnect_delay(const reconnect_options& o, unsigned attempt, double unit) noexcept {
    const double max = static_cast<double>(o.max_delay.count());
    const double steps = attempt > 1 ? static_cast<double>(attempt - 1) : 0.0;
    double d = static_cast<double>(o.initial_delay.count()) * std::pow(o.multiplier, steps > 4096 ? 4096 : steps);
    if (!(d <= max)) d = max; // also inf and NaN
    if (unit < 0) unit = 0;
    if (unit > 1) unit = 1;
    d -= d * o.jitter * unit;
    auto ms = static_cast<std::chrono::milliseconds::rep>(d);
    return std::chrono::milliseconds(ms < 1 ? 1 : ms);
}

} // namespace wsx

#endif
