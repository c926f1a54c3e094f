// hello_client [PORT]: the browser's WebSocket in C++; says hello to hello_server and leaves.
#include <wsx/wsx.hpp>
#include "../common/port.hpp"
#include <iostream>

int main(int argc, char** argv) {
    asio::io_context io;
    wsx::client ws{io};
    int status = 1;
    ws.on_open([](wsx::session& s) { s.send("hello"); })                                  // ws.onopen
        .on_message([](wsx::session& s, std::string text) {                               // ws.onmessage
            std::cout << text << std::endl;
            if (text == "hello") s.close();                                               // our own words came back
        })
        .on_close([&](wsx::session&, const wsx::close_reason& r) { status = r.code == 1000 ? 0 : 1; })  // ws.onclose
        .on_error([](wsx::session&, std::error_code ec) { std::cerr << ec.message() << std::endl; });  // ws.onerror
    ws.connect("ws://127.0.0.1:" + std::to_string(examples::port_argument(argc, argv, "hello_client [PORT]")) + "/chat/lobby");
    io.run();
    return status;
}
