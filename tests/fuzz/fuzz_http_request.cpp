// Copyright (c) 2026 wsx developers. Distributed under the Boost Software License, Version 1.0.
// Fuzzes the HTTP header parser and the handshake checks on hostile bytes.
// The first input byte picks where the rest is split into two parse() calls;
// the result must match parsing it in one call (the parser's split
// invariance), and nothing may crash, read out of bounds or take more than
// the limits allow.

#include <wsx/protocol/handshake.hpp>
#include <wsx/protocol/http.hpp>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

namespace {

void check(bool ok) {
    if (!ok) __builtin_trap();
}

template <class Message>
std::size_t parse_in_two(Message& m, std::string_view in, std::size_t split, std::error_code& ec) {
    std::size_t n = m.parse(in.substr(0, split), ec);
    if (!ec && !m.complete()) {
        check(n == split);
        n += m.parse(in.substr(split), ec);
    }
    return n;
}

template <class Message>
void check_same(const Message& a, std::error_code ea, std::size_t na, const Message& b, std::error_code eb,
                std::size_t nb) {
    check(ea == eb);
    check(na == nb);
    check(a.complete() == b.complete());
    check(a.raw() == b.raw());
    check(a.header_count() == b.header_count());
    for (std::size_t i = 0; i < a.header_count(); ++i) {
        check(a.header_at(i).name == b.header_at(i).name);
        check(a.header_at(i).value == b.header_at(i).value);
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    const std::string_view in(reinterpret_cast<const char*>(data) + 1, size - 1);
    const std::size_t split = in.empty() ? 0 : data[0] % (in.size() + 1);

    // Small limits so that the fuzzer reaches them with short inputs.
    wsx::protocol::http_limits limits;
    limits.max_header_bytes = 1024;
    limits.max_headers = 16;
    limits.max_line = 256;

    {
        wsx::protocol::http_request req(limits);
        std::error_code ec;
        const std::size_t n = parse_in_two(req, in, split, ec);
        check(n <= in.size());
        check(req.raw().size() <= limits.max_header_bytes);
        check(req.header_count() <= limits.max_headers);

        wsx::protocol::http_request whole(limits);
        std::error_code ec_whole;
        const std::size_t n_whole = whole.parse(in, ec_whole);
        check_same(req, ec, n, whole, ec_whole, n_whole);

        if (req.complete()) {
            check(!ec);
            const std::error_code v = wsx::protocol::validate_upgrade(req);
            (void)wsx::http_status_for(v);
            const std::vector<std::string> supported = {"chat", "superchat"};
            const std::string_view sub = wsx::protocol::select_subprotocol(req, supported);
            check(sub.empty() || sub == "chat" || sub == "superchat");
            (void)wsx::protocol::offered_subprotocols(req);
            (void)req.list("Sec-WebSocket-Extensions");
            if (!v) {
                const std::string response = wsx::protocol::build_accept_response(req, sub);
                wsx::protocol::http_response res;
                std::error_code rec;
                check(res.parse(response, rec) == response.size() && !rec && res.complete());
                check(!wsx::protocol::verify_response(res, req.header("Sec-WebSocket-Key"), supported, false, nullptr));
            } else {
                const std::string response = wsx::protocol::build_error_response(v);
                wsx::protocol::http_response res;
                std::error_code rec;
                res.parse(response, rec);
                check(!rec && res.complete() && res.status() == wsx::http_status_for(v));
            }
            req.reset();
            check(req.raw().empty() && req.header_count() == 0 && !req.complete());
        }
    }
    {
        // The same bytes as a server's answer.
        wsx::protocol::http_response res(limits);
        std::error_code ec;
        const std::size_t n = parse_in_two(res, in, split, ec);
        wsx::protocol::http_response whole(limits);
        std::error_code ec_whole;
        const std::size_t n_whole = whole.parse(in, ec_whole);
        check_same(res, ec, n, whole, ec_whole, n_whole);
        if (res.complete()) {
            std::string chosen;
            (void)wsx::protocol::verify_response(res, "dGhlIHNhbXBsZSBub25jZQ==", {"chat"}, false, &chosen);
        }
    }
    return 0;
}
