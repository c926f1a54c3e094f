// A consumer that uses the library, not just its headers: the protocol core
// must accept a known handshake key and answer the RFC 6455 1.3 value.
#include <wsx/wsx.hpp>
#include <wsx/version.hpp>
#include <cstdio>

int main() {
    auto accept = wsx::protocol::accept_key("dGhlIHNhbXBsZSBub25jZQ==");
    if (accept != "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=") {
        std::printf("wrong accept key: %s\n", accept.c_str());
        return 1;
    }
    std::printf("wsx %s ok\n", WSX_VERSION_STRING);
    return 0;
}
