// sync_client [PORT]: script style; each call waits for its answer, like standing at the café counter.
#include <wsx/wsx.hpp>
#include "../common/port.hpp"
#include <iostream>

int main(int argc, char** argv) {
    wsx::sync_client ws;
    ws.connect("ws://127.0.0.1:" + std::to_string(examples::port_argument(argc, argv, "sync_client [PORT]")) + "/chat/lobby");  // throws if it cannot
    ws.send("hello");
    while (auto m = ws.receive(std::chrono::seconds(5))) {   // std::nullopt: nothing came, or the connection closed
        std::cout << m->text() << std::endl;
        if (m->text() == "hello") break;                      // our own words came back
    }
    ws.close();
    std::cout << "closed " << ws.last_close().code << std::endl;
    return ws.last_close().code == 1000 ? 0 : 1;
}
