// A consumer that uses the library, not just its headers: the protocol core
// must accept a known handshake key and answer the RFC 6455 1.3 value.
//
// Built with WSX_CONSUMER_TLS / WSX_CONSUMER_DEFLATE it also links wsx::tls /
// wsx::deflate and calls OpenSSL / zlib through them, which proves that the
// targets carry their dependency's headers and libraries. The wsx headers of
// those parts are used when they exist (__has_include), so the test grows
// with them. With WSX_CONSUMER_JSON it links wsx::json and sends a JSON
// object over loopback to a handler taking nlohmann::json, which answers
// with send_json.
//
// Without a part, the part's dependency must stay out: <wsx/wsx.hpp> may
// not include its headers (checked below), and consumer/CMakeLists.txt
// makes the dependency unfindable.
#include <wsx/wsx.hpp>
#include <wsx/version.hpp>
#include <cstdio>
#include <cstring>
#include <string>

#if !defined(WSX_CONSUMER_TLS) && defined(OPENSSL_VERSION_NUMBER)
#error "<wsx/wsx.hpp> includes OpenSSL's headers in a program that did not ask for wsx::tls"
#endif
#if !defined(WSX_CONSUMER_DEFLATE) && defined(ZLIB_VERSION)
#error "<wsx/wsx.hpp> includes zlib's headers in a program that did not ask for wsx::deflate"
#endif
#if !defined(WSX_CONSUMER_JSON) && defined(NLOHMANN_JSON_VERSION_MAJOR)
#error "<wsx/wsx.hpp> includes nlohmann/json in a program that did not ask for wsx::json"
#endif

#if defined(WSX_CONSUMER_TLS)
#include <openssl/crypto.h>
#if __has_include(<wsx/tls.hpp>)
#include <wsx/tls.hpp>
#define WSX_CONSUMER_TLS_HEADER 1
#endif
#endif

#if defined(WSX_CONSUMER_DEFLATE)
#include <zlib.h>
#if __has_include(<wsx/deflate.hpp>)
#include <wsx/deflate.hpp>
#define WSX_CONSUMER_DEFLATE_HEADER 1
#endif
#endif

#if defined(WSX_CONSUMER_JSON)
#include <wsx/json.hpp>
#endif

namespace {

#if defined(WSX_CONSUMER_TLS)
bool check_tls() {
    const char* v = OpenSSL_version(OPENSSL_VERSION);
    if (!v || std::strstr(v, "SSL") == nullptr) {
        std::printf("OpenSSL_version gave no version\n");
        return false;
    }
    std::printf("tls: %s\n", v);
#if defined(WSX_CONSUMER_TLS_HEADER)
    asio::io_context io;
    // Throws error::tls_unavailable unless <wsx/tls.hpp> installed TLS.
    wsx::client ws{io, wsx::tls_client_options{}};
    if (ws.ready_state() != wsx::ready_state::closed) {
        std::printf("a new client is not closed\n");
        return false;
    }
    std::printf("tls: <wsx/tls.hpp> used\n");
#endif
    return true;
}
#endif

#if defined(WSX_CONSUMER_DEFLATE)
bool check_deflate() {
    // A real round trip through the linked zlib.
    const char text[] = "wsx wsx wsx wsx wsx wsx wsx wsx";
    unsigned char packed[128];
    uLongf packed_size = sizeof packed;
    if (compress(packed, &packed_size, reinterpret_cast<const Bytef*>(text), sizeof text) != Z_OK) return false;
    char back[sizeof text];
    uLongf back_size = sizeof back;
    if (uncompress(reinterpret_cast<Bytef*>(back), &back_size, packed, packed_size) != Z_OK ||
        back_size != sizeof text || std::memcmp(back, text, sizeof text) != 0) {
        std::printf("zlib round trip failed\n");
        return false;
    }
    std::printf("deflate: zlib %s\n", zlibVersion());
#if defined(WSX_CONSUMER_DEFLATE_HEADER)
    wsx::deflate_options d = wsx::enable_deflate();
    if (!d.enabled) {
        std::printf("enable_deflate() did not enable deflate\n");
        return false;
    }
    std::printf("deflate: <wsx/deflate.hpp> used\n");
#endif
    return true;
}
#endif

#if defined(WSX_CONSUMER_JSON)
bool check_json() {
    // nlohmann/json through wsx::json's include path, and wsx's codec on top:
    // the server decodes into nlohmann::json before its handler runs, and
    // both sides encode with send_json.
    asio::io_context io;
    wsx::server server{io};
    server.endpoint("/sum").on_message([](wsx::session& s, const nlohmann::json& j) {
        s.send_json(nlohmann::json{{"sum", j.value("a", 0) + j.value("b", 0)}});
    });
    server.listen("127.0.0.1", 0);
    nlohmann::json answer;
    wsx::client ws{io};
    ws.on_open([](wsx::session& s) { s.send_json(nlohmann::json{{"a", 2}, {"b", 3}}); })
        .on_message([&](wsx::session& s, const nlohmann::json& j) {
            answer = j;
            s.close();
        })
        .on_close([&](wsx::session&, const wsx::close_reason&) { server.stop(); });
    ws.connect("ws://127.0.0.1:" + std::to_string(server.port()) + "/sum");
    io.run();
    if (answer != nlohmann::json{{"sum", 5}}) {
        std::printf("json: the answer was %s, not {\"sum\":5}\n", answer.dump().c_str());
        return false;
    }
    std::printf("json: nlohmann/json %d.%d.%d, <wsx/json.hpp> used: %s\n", NLOHMANN_JSON_VERSION_MAJOR,
                NLOHMANN_JSON_VERSION_MINOR, NLOHMANN_JSON_VERSION_PATCH, answer.dump().c_str());
    return true;
}
#endif

} // namespace

int main() {
    auto accept = wsx::protocol::accept_key("dGhlIHNhbXBsZSBub25jZQ==");
    if (accept != "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=") {
        std::printf("wrong accept key: %s\n", accept.c_str());
        return 1;
    }
#if defined(WSX_CONSUMER_TLS)
    if (!check_tls()) return 1;
#endif
#if defined(WSX_CONSUMER_DEFLATE)
    if (!check_deflate()) return 1;
#endif
#if defined(WSX_CONSUMER_JSON)
    if (!check_json()) return 1;
#endif
    std::printf("wsx %s ok\n", WSX_VERSION_STRING);
    return 0;
}
