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
#if defined(WSX_CONSUMER_JSON)
#include <wsx/json.hpp>
#define WSX_STRICT_JSON 1
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

#if defined(WSX_STRICT_JSON)
struct point {
    int x = 0;
    int y = 0;
};
void to_json(nlohmann::json& j, const point& p) { j = nlohmann::json{{"x", p.x}, {"y", p.y}}; }
void from_json(const nlohmann::json& j, point& p) {
    j.at("x").get_to(p.x);
    j.at("y").get_to(p.y);
}

// The JSON codec's templates, for nlohmann::json and for a struct.
template <class Server, class Client> void use_json(Server& server, Client& client) {
    server.endpoint("/json")
        .on_message([](wsx::session& s, const nlohmann::json& j) { s.send_json(j); });
    server.endpoint("/point").on_message([](wsx::session& s, const point& p) {
        s.send_json(point{p.y, p.x});
        s.publish_json("points", p);
    });
    server.publish_json("points", point{1, 2});
    client.on_message([](wsx::session&, const nlohmann::json&) {});
}
#endif

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
#if defined(WSX_STRICT_JSON)
    wsx::client json_client{io};
    use_json(server, json_client);
#endif
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
#if defined(WSX_STRICT_JSON)
    std::printf("strict: json %s\n", std::string(wsx::encode_json(point{3, 4}).text()).c_str());
#endif
    server.stop();
    io.run();
    return 0;
}
