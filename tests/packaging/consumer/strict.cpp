// A consumer that builds with -Wall -Wextra -Wshadow -Wconversion -Werror
// (consumer/CMakeLists.txt, WSX_CONSUMER_STRICT): wsx's headers reach it as
// SYSTEM includes, so none of their warnings may become its errors. The
// templates a program instantiates (the server, the client, an endpoint
// class, the sync client, the optional parts) are instantiated here too,
// since a warning inside a template shows only when it is used.
#include <wsx/wsx.hpp>
#if defined(WSX_CONSUMER_TLS) && __has_include(<wsx/tls.hpp>)
#include <wsx/tls.hpp>
#define WSX_STRICT_TLS 1
#endif
#if defined(WSX_CONSUMER_DEFLATE) && __has_include(<wsx/deflate.hpp>)
#include <wsx/deflate.hpp>
#define WSX_STRICT_DEFLATE 1
#endif

#include <cstdio>
#include <memory>
#include <string>
#include <string_view>

namespace {

struct counter {
    int& total;
    void on_open(wsx::session& s) { s.send("#" + std::to_string(++total)); }
    void on_message(wsx::session& s, std::string text) { s.send(text); }
    void on_close(wsx::session&, const wsx::close_reason&) {}
    void on_error(wsx::session&, std::error_code) {}
};

template <class Server, class Client> void use(asio::io_context& io, Server& server, Client& client, int& total) {
    server.endpoint("/echo")
        .on_open([](wsx::session& s) { s.send(s.path()); })
        .on_message([](wsx::session& s, const wsx::message& m) { s.send(m); })
        .on_close([](wsx::session&, const wsx::close_reason&) {})
        .on_error([](wsx::session&, std::error_code) {});
    server.template endpoint<counter>("/count", [&total] { return counter{total}; });
    client.on_message([](wsx::session&, std::string_view) {});
    (void)io;
}

} // namespace

int main() {
    asio::io_context io;
    int total = 0;
    wsx::server server{io};
    wsx::client client{io};
    use(io, server, client, total);
    server.listen("127.0.0.1", 0);
    wsx::sync_client sync;
    std::printf("strict: port %u, sync client %s\n", static_cast<unsigned>(server.port()),
                sync.is_open() ? "open" : "closed");
#if defined(WSX_STRICT_TLS)
    wsx::client tls_client{io, wsx::tls_client_options{}};
    std::printf("strict: tls client %s\n", tls_client.ready_state() == wsx::ready_state::closed ? "closed" : "?");
#endif
#if defined(WSX_STRICT_DEFLATE)
    wsx::deflate_options d = wsx::enable_deflate();
    std::printf("strict: deflate %s\n", d.enabled ? "on" : "off");
#endif
    server.stop();
    io.run();
    return 0;
}
