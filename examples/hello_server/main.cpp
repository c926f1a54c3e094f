// hello_server [PORT]: the design's server, servlet style; each handler is one annotation.
#include <wsx/wsx.hpp>
#include "../common/port.hpp"
#include <iostream>

int main(int argc, char** argv) {
    asio::io_context io;
    wsx::server server{io};

    server.endpoint("/chat/{room}")                                                    // @ServerEndpoint
        .on_open([](wsx::session& s) {                                                 // @OnOpen
            s.send("joined " + std::string(s.path_param("room")));
        })
        .on_message([](wsx::session& s, const wsx::message& m) {                       // @OnMessage
            for (auto& peer : s.open_sessions()) peer.send(m);                         // everyone in the room, s too
        })
        .on_close([](wsx::session& s, const wsx::close_reason& r) {                    // @OnClose
            std::cout << "close #" << s.id() << " " << r.code << std::endl;
        })
        .on_error([](wsx::session& s, std::error_code ec) {                            // @OnError
            std::cout << "error #" << s.id() << ": " << ec.message() << std::endl;
        });

    // This machine only; port 0 picks a free one.
    server.listen("127.0.0.1", examples::port_argument(argc, argv, "hello_server [PORT]"));
    std::cout << "listening on port " << server.port() << std::endl;
    io.run();
}
