// A consumer that uses the library, not just its headers: the protocol core
// must accept a known handshake key and answer the RFC 6455 1.3 value.
//
// Built with WSX_CONSUMER_TLS / WSX_CONSUMER_DEFLATE it also links wsx::tls /
// wsx::deflate and calls OpenSSL / zlib through them, which proves that the
// targets carry their dependency's headers and libraries. The wsx headers of
// those parts are used when they exist (__has_include), so the test grows
// with them.
#include <wsx/wsx.hpp>
#include <wsx/version.hpp>
#include <cstdio>
#include <cstring>

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
    std::printf("wsx %s ok\n", WSX_VERSION_STRING);
    return 0;
}
