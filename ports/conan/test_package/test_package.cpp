// The smallest program that needs the package to work: an echo server and a
// client in one io_context, one message there and back over loopback.
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

int main() {
    asio::io_context io;
    wsx::server server{io};
    server.endpoint("/echo").on_message([](wsx::session& s, const wsx::message& m) { s.send(m); });
    server.listen("127.0.0.1", 0);

    std::string echoed;
    wsx::client ws{io};
    ws.on_open([](wsx::session& s) { s.send("hello"); })
        .on_message([&](wsx::session& s, const wsx::message& m) {
            echoed = std::string(m.text());
            s.close();
        })
        .on_close([&](wsx::session&, const wsx::close_reason&) { server.stop(); });
    ws.connect("ws://127.0.0.1:" + std::to_string(server.port()) + "/echo");
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
    std::printf("wsx %s: echo ok\n", WSX_VERSION_STRING);
    return 0;
}
