// Copyright (c) 2026 wsx developers. Distributed under the Boost Software License, Version 1.0.
// permessage-deflate negotiation (RFC 7692 7.1): what a server accepts from
// each offer and answers, which offers it declines (and then tries the next),
// the client's offer, and every way a server's answer must fail the client.

#include <wsx/protocol/deflate_negotiation.hpp>

#include "wsx_catch.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <system_error>

using wsx::error;
using namespace wsx::protocol;

namespace {

deflate_options on() {
    deflate_options o;
    o.enabled = true;
    return o;
}

deflate_params params(bool snct, bool cnct, int smwb, int cmwb) {
    deflate_params p;
    p.server_no_context_takeover = snct;
    p.client_no_context_takeover = cnct;
    p.server_max_window_bits = static_cast<std::uint8_t>(smwb);
    p.client_max_window_bits = static_cast<std::uint8_t>(cmwb);
    return p;
}

struct server_case {
    const char* offers;
    bool accepted;
    deflate_params agreed;
    const char* response;
};

void check_server(const deflate_options& opts, const server_case& c) {
    INFO("offers: " << c.offers);
    std::string response = "junk";
    const auto agreed = negotiate_deflate(std::string_view(c.offers), opts, response);
    REQUIRE(agreed.has_value() == c.accepted);
    if (c.accepted) {
        CHECK(*agreed == c.agreed);
        CHECK(response == c.response);
    } else {
        CHECK(response.empty());
    }
}

http_request request_with(const std::string& extension_lines) {
    const std::string in = "GET /chat HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                           "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n" +
                           extension_lines + "\r\n";
    http_request req;
    std::error_code ec;
    req.parse(in.data(), in.size(), ec);
    REQUIRE_FALSE(ec);
    REQUIRE(req.complete());
    return req;
}

http_response response_with(const std::string& extension_lines) {
    const std::string in = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
                           extension_lines + "\r\n";
    http_response res;
    std::error_code ec;
    res.parse(in.data(), in.size(), ec);
    REQUIRE_FALSE(ec);
    REQUIRE(res.complete());
    return res;
}

} // namespace

TEST_CASE("server: each parameter of a single offer, default policy") {
    const deflate_options opts = on();
    const server_case cases[] = {
        {"permessage-deflate", true, params(false, false, 15, 15), "permessage-deflate"},
        {"permessage-deflate; server_no_context_takeover", true, params(true, false, 15, 15),
         "permessage-deflate; server_no_context_takeover"},
        {"permessage-deflate; client_no_context_takeover", true, params(false, true, 15, 15),
         "permessage-deflate; client_no_context_takeover"},
        {"permessage-deflate; server_no_context_takeover; client_no_context_takeover", true,
         params(true, true, 15, 15), "permessage-deflate; server_no_context_takeover; client_no_context_takeover"},
        // Asked for => answered, even when equal to the default 15.
        {"permessage-deflate; server_max_window_bits=15", true, params(false, false, 15, 15),
         "permessage-deflate; server_max_window_bits=15"},
        {"permessage-deflate; server_max_window_bits=10", true, params(false, false, 10, 15),
         "permessage-deflate; server_max_window_bits=10"},
        {"permessage-deflate; server_max_window_bits=8", true, params(false, false, 8, 15),
         "permessage-deflate; server_max_window_bits=8"},
        // Without a value: the client supports the parameter; nothing to limit.
        {"permessage-deflate; client_max_window_bits", true, params(false, false, 15, 15), "permessage-deflate"},
        {"permessage-deflate; client_max_window_bits=9", true, params(false, false, 15, 9),
         "permessage-deflate; client_max_window_bits=9"},
        {"permessage-deflate; client_max_window_bits=15", true, params(false, false, 15, 15), "permessage-deflate"},
        // Whitespace around ';' and '=', quoted values, case of names.
        {"permessage-deflate ;server_max_window_bits = 12 ;  client_max_window_bits", true,
         params(false, false, 12, 15), "permessage-deflate; server_max_window_bits=12"},
        {"permessage-deflate; server_max_window_bits=\"11\"; client_max_window_bits=\"13\"", true,
         params(false, false, 11, 13), "permessage-deflate; server_max_window_bits=11; client_max_window_bits=13"},
        {"permessage-deflate; client_max_window_bits=\"1\\2\"", true, params(false, false, 15, 12),
         "permessage-deflate; client_max_window_bits=12"},
        {"PerMessage-Deflate; Server_No_Context_Takeover", true, params(true, false, 15, 15),
         "permessage-deflate; server_no_context_takeover"},
    };
    for (const auto& c : cases) check_server(opts, c);
}

TEST_CASE("server: invalid offers are declined") {
    const deflate_options opts = on();
    const char* invalid[] = {
        "permessage-deflate; server_max_window_bits",        // value required
        "permessage-deflate; server_max_window_bits=7",
        "permessage-deflate; server_max_window_bits=16",
        "permessage-deflate; server_max_window_bits=0",
        "permessage-deflate; server_max_window_bits=010",    // leading zero
        "permessage-deflate; server_max_window_bits=08",
        "permessage-deflate; server_max_window_bits=+9",
        "permessage-deflate; server_max_window_bits=9.0",
        "permessage-deflate; server_max_window_bits=\"\"",
        "permessage-deflate; server_max_window_bits=\"1 0\"", // unescaped, not a token
        "permessage-deflate; server_max_window_bits=\"10",   // unterminated
        "permessage-deflate; server_max_window_bits=",
        "permessage-deflate; client_max_window_bits=7",
        "permessage-deflate; client_max_window_bits=16",
        "permessage-deflate; client_max_window_bits=abc",
        "permessage-deflate; server_no_context_takeover=1",  // takes no value
        "permessage-deflate; client_no_context_takeover=\"x\"",
        "permessage-deflate; server_no_context_takeover; server_no_context_takeover", // duplicates
        "permessage-deflate; client_no_context_takeover; client_no_context_takeover",
        "permessage-deflate; server_max_window_bits=10; server_max_window_bits=10",
        "permessage-deflate; client_max_window_bits; client_max_window_bits=10",
        "permessage-deflate; client_max_window_bits=10; client_max_window_bits",
        "permessage-deflate; unknown_param",                  // unknown
        "permessage-deflate; x=1",
        "permessage-deflate;",                                 // empty parameter
        "permessage-deflate; ; server_no_context_takeover",
        "permessage-deflate server_no_context_takeover",       // missing ';'
        "permessage-deflate; server_no_context_takeover junk",
        "permessage-deflate; =10",
    };
    for (const char* offer : invalid) check_server(opts, {offer, false, {}, ""});
}

TEST_CASE("server: the first acceptable offer wins, others are skipped") {
    const deflate_options opts = on();
    const server_case cases[] = {
        {"permessage-deflate; server_max_window_bits=10, permessage-deflate", true, params(false, false, 10, 15),
         "permessage-deflate; server_max_window_bits=10"},
        {"permessage-deflate; bogus, permessage-deflate; client_max_window_bits=12", true,
         params(false, false, 15, 12), "permessage-deflate; client_max_window_bits=12"},
        {"x-webkit-deflate-frame, permessage-deflate; client_no_context_takeover", true, params(false, true, 15, 15),
         "permessage-deflate; client_no_context_takeover"},
        {"permessage-deflate; server_max_window_bits=99, permessage-deflate; server_max_window_bits=7", false, {},
         ""},
        {"foo; a=\"x,y\", permessage-deflate; server_max_window_bits=\"9\"", true, params(false, false, 9, 15),
         "permessage-deflate; server_max_window_bits=9"},
        {"permessage-deflate; server_max_window_bits=\"10,\", permessage-deflate", true, params(false, false, 15, 15),
         "permessage-deflate"},
        {"foo, bar; baz=1", false, {}, ""},
        {"", false, {}, ""},
        {" , ,", false, {}, ""},
    };
    for (const auto& c : cases) check_server(opts, c);
}

TEST_CASE("server: policy combines with the offer") {
    deflate_options opts = on();
    opts.server_no_context_takeover = true;
    opts.client_no_context_takeover = true;
    opts.server_max_window_bits = 12;
    opts.client_max_window_bits = 10;
    const server_case cases[] = {
        // Our limits apply unasked; client_max_window_bits only when offered.
        {"permessage-deflate", true, params(true, true, 12, 15),
         "permessage-deflate; server_no_context_takeover; client_no_context_takeover; server_max_window_bits=12"},
        {"permessage-deflate; client_max_window_bits", true, params(true, true, 12, 10),
         "permessage-deflate; server_no_context_takeover; client_no_context_takeover; server_max_window_bits=12; "
         "client_max_window_bits=10"},
        // The smaller of the two wins, either way.
        {"permessage-deflate; server_max_window_bits=14; client_max_window_bits=9", true, params(true, true, 12, 9),
         "permessage-deflate; server_no_context_takeover; client_no_context_takeover; server_max_window_bits=12; "
         "client_max_window_bits=9"},
        {"permessage-deflate; server_max_window_bits=9; client_max_window_bits=14", true, params(true, true, 9, 10),
         "permessage-deflate; server_no_context_takeover; client_no_context_takeover; server_max_window_bits=9; "
         "client_max_window_bits=10"},
    };
    for (const auto& c : cases) check_server(opts, c);
}

TEST_CASE("server: disabled never accepts; bad options throw") {
    deflate_options opts;
    std::string response = "junk";
    CHECK_FALSE(negotiate_deflate(std::string_view("permessage-deflate"), opts, response).has_value());
    CHECK(response.empty());

    opts = on();
    opts.server_max_window_bits = 7;
    CHECK_THROWS_AS(negotiate_deflate(std::string_view("permessage-deflate"), opts, response), std::system_error);
    opts = on();
    opts.client_max_window_bits = 16;
    CHECK_THROWS_AS(make_deflate_offer(opts), std::system_error);
    opts = on();
    opts.compression_level = 10;
    CHECK_THROWS_AS(check_deflate_options(opts), std::system_error);
    opts = on();
    opts.mem_level = 0;
    CHECK_THROWS_AS(check_deflate_options(opts), std::system_error);
    opts = on();
    CHECK_NOTHROW(check_deflate_options(opts));
}

TEST_CASE("server: offers spread over several header lines") {
    const http_request req = request_with("Sec-WebSocket-Extensions: foo, permessage-deflate; bad\r\n"
                                          "Sec-WebSocket-Extensions: permessage-deflate; server_max_window_bits=11\r\n");
    std::string response;
    const auto agreed = negotiate_deflate(req, on(), response);
    REQUIRE(agreed.has_value());
    CHECK(*agreed == params(false, false, 11, 15));
    CHECK(response == "permessage-deflate; server_max_window_bits=11");

    const http_request none = request_with("");
    CHECK_FALSE(negotiate_deflate(none, on(), response).has_value());
    CHECK(response.empty());
}

TEST_CASE("client: the offer reflects the options") {
    deflate_options opts;
    CHECK(make_deflate_offer(opts).empty());
    opts = on();
    CHECK(make_deflate_offer(opts) == "permessage-deflate; client_max_window_bits");
    opts.client_max_window_bits = 12;
    CHECK(make_deflate_offer(opts) == "permessage-deflate; client_max_window_bits=12");
    opts.server_max_window_bits = 10;
    opts.server_no_context_takeover = true;
    opts.client_no_context_takeover = true;
    CHECK(make_deflate_offer(opts) == "permessage-deflate; server_no_context_takeover; client_no_context_takeover; "
                                      "server_max_window_bits=10; client_max_window_bits=12");

    // A server of the same library accepts every offer a client makes.
    for (int s = 8; s <= 15; ++s)
        for (int c = 8; c <= 15; ++c)
            for (int flags = 0; flags < 4; ++flags) {
                deflate_options o = on();
                o.server_max_window_bits = static_cast<std::uint8_t>(s);
                o.client_max_window_bits = static_cast<std::uint8_t>(c);
                o.server_no_context_takeover = (flags & 1) != 0;
                o.client_no_context_takeover = (flags & 2) != 0;
                std::string response;
                const auto server_view = negotiate_deflate(make_deflate_offer(o), on(), response);
                REQUIRE(server_view.has_value());
                std::optional<deflate_params> client_view;
                REQUIRE_FALSE(verify_deflate_response(response, o, client_view));
                REQUIRE(client_view.has_value());
                CHECK(*client_view == *server_view);
                CHECK(*server_view == params(o.server_no_context_takeover, o.client_no_context_takeover, s, c));
            }
}

TEST_CASE("client: valid answers") {
    struct ok_case {
        deflate_options opts;
        const char* response;
        bool accepted;
        deflate_params agreed;
    };
    deflate_options plain = on();
    deflate_options asks = on();
    asks.server_no_context_takeover = true;
    asks.server_max_window_bits = 12;
    deflate_options ours = on();
    ours.client_max_window_bits = 11;
    ours.client_no_context_takeover = true;
    const ok_case cases[] = {
        {plain, "", false, {}},
        {plain, "permessage-deflate", true, params(false, false, 15, 15)},
        // The server may add any of these unasked (client_max_window_bits:
        // because we always offer it).
        {plain, "permessage-deflate; server_no_context_takeover", true, params(true, false, 15, 15)},
        {plain, "permessage-deflate; client_no_context_takeover", true, params(false, true, 15, 15)},
        {plain, "permessage-deflate; server_max_window_bits=9", true, params(false, false, 9, 15)},
        {plain, "permessage-deflate; client_max_window_bits=8", true, params(false, false, 15, 8)},
        {plain, "permessage-deflate; client_max_window_bits=\"10\"", true, params(false, false, 15, 10)},
        {asks, "permessage-deflate; server_no_context_takeover; server_max_window_bits=12", true,
         params(true, false, 12, 15)},
        {asks, "permessage-deflate; server_max_window_bits=8; server_no_context_takeover", true,
         params(true, false, 8, 15)},
        // Our own limits stand even when not echoed.
        {ours, "permessage-deflate", true, params(false, true, 15, 11)},
        {ours, "permessage-deflate; client_max_window_bits=9", true, params(false, true, 15, 9)},
        {ours, "permessage-deflate; client_max_window_bits=11", true, params(false, true, 15, 11)},
    };
    for (const auto& c : cases) {
        INFO("response: " << c.response);
        std::optional<deflate_params> agreed = params(true, true, 1, 1);
        REQUIRE_FALSE(verify_deflate_response(std::string_view(c.response), c.opts, agreed));
        REQUIRE(agreed.has_value() == c.accepted);
        if (c.accepted) CHECK(*agreed == c.agreed);
    }
}

TEST_CASE("client: answers that fail the handshake") {
    struct bad_case {
        deflate_options opts;
        const char* response;
    };
    deflate_options plain = on();
    deflate_options asks = on();
    asks.server_no_context_takeover = true;
    asks.server_max_window_bits = 12;
    deflate_options ours = on();
    ours.client_max_window_bits = 11;
    const bad_case cases[] = {
        {deflate_options{}, "permessage-deflate"},                        // not offered at all
        {plain, "x-webkit-deflate-frame"},                                // another extension
        {plain, "permessage-deflate, x-other"},
        {plain, "permessage-deflate, permessage-deflate"},                // twice
        {plain, "permessage-deflate; foo"},                               // unknown
        {plain, "permessage-deflate; server_no_context_takeover; server_no_context_takeover"},
        {plain, "permessage-deflate; server_no_context_takeover=1"},
        {plain, "permessage-deflate; server_max_window_bits"},           // no value
        {plain, "permessage-deflate; server_max_window_bits=16"},
        {plain, "permessage-deflate; server_max_window_bits=7"},
        {plain, "permessage-deflate; client_max_window_bits"},           // a response needs the value
        {plain, "permessage-deflate; client_max_window_bits=07"},
        {plain, "permessage-deflate; client_max_window_bits=9; client_max_window_bits=9"},
        {asks, "permessage-deflate; server_max_window_bits=12"},        // asked-for snct missing
        {asks, "permessage-deflate; server_no_context_takeover"},       // asked-for smwb missing
        {asks, "permessage-deflate; server_no_context_takeover; server_max_window_bits=13"}, // above ours
        {ours, "permessage-deflate; client_max_window_bits=12"},        // raised our value
    };
    for (const auto& c : cases) {
        INFO("response: " << c.response);
        std::optional<deflate_params> agreed = params(true, true, 1, 1);
        CHECK(verify_deflate_response(std::string_view(c.response), c.opts, agreed) ==
              make_error_code(error::handshake_bad_extension));
        CHECK_FALSE(agreed.has_value());
    }
}

TEST_CASE("client: answers spread over several header lines") {
    std::optional<deflate_params> agreed;
    const http_response one = response_with("Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits=10\r\n");
    REQUIRE_FALSE(verify_deflate_response(one, on(), agreed));
    REQUIRE(agreed.has_value());
    CHECK(*agreed == params(false, false, 15, 10));

    const http_response two = response_with("Sec-WebSocket-Extensions: permessage-deflate\r\n"
                                            "Sec-WebSocket-Extensions: permessage-deflate\r\n");
    CHECK(verify_deflate_response(two, on(), agreed) == make_error_code(error::handshake_bad_extension));

    const http_response none = response_with("");
    REQUIRE_FALSE(verify_deflate_response(none, on(), agreed));
    CHECK_FALSE(agreed.has_value());
}

TEST_CASE("agreed parameters seen from each side") {
    const deflate_params p = params(true, false, 10, 12);
    CHECK(p.local_no_context_takeover(role::server));
    CHECK_FALSE(p.local_no_context_takeover(role::client));
    CHECK_FALSE(p.peer_no_context_takeover(role::server));
    CHECK(p.peer_no_context_takeover(role::client));
    CHECK(p.local_max_window_bits(role::server) == 10);
    CHECK(p.local_max_window_bits(role::client) == 12);
    CHECK(p.peer_max_window_bits(role::server) == 12);
    CHECK(p.peer_max_window_bits(role::client) == 10);
    CHECK(p.can_share_compressed(role::server, 10));
    CHECK(p.can_share_compressed(role::server, 9));
    CHECK_FALSE(p.can_share_compressed(role::server, 11)); // the peer keeps only 10 bits
    CHECK_FALSE(p.can_share_compressed(role::client, 9));  // the client keeps its context
    CHECK(deflate_response_string(p) ==
          "permessage-deflate; server_no_context_takeover; server_max_window_bits=10; client_max_window_bits=12");
}
