// The smallest program that needs the package to work: an echo server and a
// client in one io_context, one message there and back over loopback. With
// json=True, a second client sends a JSON object to an endpoint whose
// handler takes nlohmann::json and answers with send_json.
#include <wsx/wsx.hpp>
#include <wsx/version.hpp>

#include <cstdio>
#include <string>

#if defined(WSX_TEST_TLS)
#include <openssl/crypto.h>
#endif
#if defined(WSX_TEST_DEFLATE)
#include <zlib.h>
#endif
#if defined(WSX_TEST_JSON)
#include <wsx/json.hpp>
#endif

int main() {
    asio::io_context io;
    wsx::server server{io};
    server.endpoint("/echo").on_message([](wsx::session& s, const wsx::message& m) { s.send(m); });
    int clients = 1;
    auto closed = [&] {
        if (--clients == 0) server.stop();
    };
#if defined(WSX_TEST_JSON)
    ++clients;
    server.endpoint("/json").on_message(
        [](wsx::session& s, const nlohmann::json& j) { s.send_json(nlohmann::json{{"sum", j.at("a").get<int>() + j.at("b").get<int>()}}); });
#endif
    server.listen("127.0.0.1", 0);
    const std::string base = "ws://127.0.0.1:" + std::to_string(server.port());

    std::string echoed;
    wsx::client ws{io};
    ws.on_open([](wsx::session& s) { s.send("hello"); })
        .on_message([&](wsx::session& s, const wsx::message& m) {
            echoed = std::string(m.text());
            s.close();
        })
        .on_close([&](wsx::session&, const wsx::close_reason&) { closed(); });
    ws.connect(base + "/echo");

#if defined(WSX_TEST_JSON)
    int sum = 0;
    wsx::client js{io};
    js.on_open([](wsx::session& s) { s.send_json(nlohmann::json{{"a", 2}, {"b", 3}}); })
        .on_message([&](wsx::session& s, const nlohmann::json& j) {
            sum = j.value("sum", 0);
            s.close();
        })
        .on_close([&](wsx::session&, const wsx::close_reason&) { closed(); });
    js.connect(base + "/json");
#endif
    io.run();

    if (echoed != "hello") {
        std::printf("no echo\n");
        return 1;
    }
#if defined(WSX_TEST_TLS)
    std::printf("tls: %s\n", OpenSSL_version(OPENSSL_VERSION));
#endif
#if defined(WSX_TEST_DEFLATE)
    std::printf("deflate: zlib %s\n", zlibVersion());
#endif
#if defined(WSX_TEST_JSON)
    if (sum != 5) {
        std::printf("json: no sum (%d)\n", sum);
        return 1;
    }
    std::printf("json: nlohmann/json %d.%d.%d, 2 + 3 = %d\n", NLOHMANN_JSON_VERSION_MAJOR,
                NLOHMANN_JSON_VERSION_MINOR, NLOHMANN_JSON_VERSION_PATCH, sum);
#endif
    std::printf("wsx %s: echo ok\n", WSX_VERSION_STRING);
    return 0;
}
