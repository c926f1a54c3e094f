// Copyright (c) 2026 wsx developers. Distributed under the Boost Software License, Version 1.0.
#ifndef WSX_DETAIL_READ_TURN_HPP
#define WSX_DETAIL_READ_TURN_HPP

// The sends one turn of one connection's reading may make before the thread
// goes to other work.
//
// A turn is already bounded in bytes read. But a few bytes can cost much
// more than themselves: a 16-byte message published to a topic of 10,000
// subscribers is 10,000 sends, and 32 KiB of such messages would hold the
// thread for seconds and queue hundreds of megabytes before any other
// connection, timer or stop() ran. So every send on this thread counts (to
// the reading connection or to any other: a publish's deliveries, a loop over
// open_sessions()), and once a turn has made turn_sends of them the reader is
// paused after the message in hand; the rest of what was read waits for a
// later turn, and the socket is not read meanwhile.
//
// Turns of one thread never nest (a turn runs one connection's handlers),
// so one counter per thread serves them all; sends outside any turn (timers,
// other threads) move it too, harmlessly.

#include <cstddef>

namespace wsx::detail {

struct read_turn {
    // At least one message per turn, however many sends it makes.
    static constexpr std::size_t turn_sends = 4096;

    std::size_t sends = 0; // sends made on this thread, ever (wraps harmlessly)
    std::size_t end = 0;   // where the current turn's share ends

    void begin() noexcept { end = sends + turn_sends; }
    bool spent() const noexcept { return sends - end < (~std::size_t{0} >> 1); }
};

inline read_turn& this_thread_turn() noexcept {
    thread_local read_turn t;
    return t;
}

inline void count_send() noexcept { ++this_thread_turn().sends; }

} // namespace wsx::detail

#endif
