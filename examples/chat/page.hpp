// Copyright (c) 2026 wsx developers. Distributed under the Boost Software License, Version 1.0.
#ifndef WSX_EXAMPLES_CHAT_PAGE_HPP
#define WSX_EXAMPLES_CHAT_PAGE_HPP

// The browser half of the chat, embedded so the binary needs no file next
// to it. The script is the note's browser side: new WebSocket(...), then
// onopen / onmessage / onclose / onerror, and send() with objects turned
// into JSON. Every line on the page starts with the handler that printed it,
// and #status follows ws.readyState (CONNECTING, OPEN, CLOSING, CLOSED).
// #count is how many are in the room, from the "count" of the last join or
// leave the server sent this connection ("-" when not in a room).
// Element ids (#name #room #join #leave #text #send #messages #status
// #count #extensions) are what the browser tests drive; keep them.

namespace chat {

inline constexpr const char* page = R"page(<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>wsx chat</title>
<style>
  body { font-family: system-ui, sans-serif; max-width: 40rem; margin: 2rem auto; padding: 0 1rem; }
  #messages { list-style: none; padding: 0.5rem; border: 1px solid #ccc; height: 20rem; overflow-y: auto; }
  #messages li.event { color: #777; font-style: italic; }
  #messages code { color: #07c; }
  #status { font-weight: bold; }
  .info { color: #555; font-size: 0.9em; }
  form { display: flex; gap: 0.5rem; }
  #text { flex: 1; }
</style>
</head>
<body>
<h1>wsx chat</h1>
<p>
  <label>name <input id="name" value="guest" maxlength="32"></label>
  <label>room <input id="room" value="lobby" maxlength="64"></label>
  <button id="join" type="button">join</button>
  <button id="leave" type="button" disabled>leave</button>
</p>
<p class="info">
  readyState: <span id="status">CLOSED</span>
  <!-- Members of the room now, this page included: the "count" of each join and leave. -->
  &middot; in the room: <span id="count">-</span>
  <!-- What the server agreed to in the handshake, e.g. "permessage-deflate; server_no_context_takeover". -->
  &middot; extensions: <span id="extensions">none</span>
</p>
<ul id="messages"></ul>
<form id="form">
  <input id="text" autocomplete="off" maxlength="1000" placeholder="say something" disabled>
  <button id="send" type="submit" disabled>send</button>
</form>
<script>
"use strict";
const $ = (id) => document.getElementById(id);
let ws = null;

// The close codes of RFC 6455 section 7.4.1 a chat may see.
const meaning = {
  1000: "normal closure", 1001: "going away", 1002: "protocol error", 1003: "unsupported data",
  1005: "no status received", 1006: "abnormal closure (no close frame)", 1007: "invalid payload data",
  1008: "policy violation", 1009: "message too big", 1010: "mandatory extension missing",
  1011: "internal server error", 1012: "service restart", 1013: "try again later", 1015: "TLS handshake failure",
};

// One line: the handler that ran, then what it saw.
function show(handler, line, kind) {
  const li = document.createElement("li");
  const tag = document.createElement("code");
  tag.textContent = handler;
  li.append(tag, " " + line);        // text nodes, never HTML: peers cannot inject markup
  if (kind) li.className = kind;
  $("messages").appendChild(li);
  li.scrollIntoView();
}

// The names of WebSocket.CONNECTING (0), OPEN, CLOSING and CLOSED (3).
function showState() {
  const state = ws ? ws.readyState : WebSocket.CLOSED;
  $("status").textContent = ["CONNECTING", "OPEN", "CLOSING", "CLOSED"][state];
  $("text").disabled = $("send").disabled = state !== WebSocket.OPEN;
  $("leave").disabled = state !== WebSocket.OPEN && state !== WebSocket.CONNECTING;
}

function join() {
  if (ws) ws.close(1000, "changed room");
  const name = $("name").value.trim() || "guest";
  const room = $("room").value.trim() || "lobby";
  location.hash = encodeURIComponent(room);
  const scheme = location.protocol === "https:" ? "wss://" : "ws://";
  // 1. the client socket asks the server socket to connect
  const socket = new WebSocket(scheme + location.host + "/chat/" + encodeURIComponent(room) +
                               "?name=" + encodeURIComponent(name));
  ws = socket;
  showState();
  $("extensions").textContent = "none";
  $("count").textContent = "-";      // known again at our own join

  // 2. the server registered us: we may send from now on. The handshake is
  // over, so socket.extensions says whether messages may be compressed.
  socket.onopen = () => {
    $("extensions").textContent = socket.extensions || "none";
    showState();
    show("onopen", "connected to " + socket.url, "event");
  };

  // 4. a message from the server: JSON text back into an object
  socket.onmessage = (e) => {
    let m;
    try { m = JSON.parse(e.data); } catch (err) { return; }
    if (m === null || typeof m !== "object") return;
    // Every join and leave says how many are in the room now.
    if ((m.type === "join" || m.type === "leave") && ws === socket && Number.isInteger(m.count))
      $("count").textContent = String(m.count);
    if (m.type === "join") show("onmessage", m.name + " joined " + m.room + " (" + m.count + " here)", "event");
    else if (m.type === "leave") show("onmessage", m.name + " left (" + m.count + " here)", "event");
    else if (m.type === "message") show("onmessage", String(m.name) + ": " + String(m.text));
  };

  // 5. closed, by either side or by the network: the code says which.
  socket.onclose = (e) => {
    if (ws !== socket) return;       // an older connection, replaced by a new join
    showState();
    $("count").textContent = "-";    // no longer in the room
    show("onclose", e.code + " " + (meaning[e.code] || "application code") +
         (e.reason ? ', reason "' + e.reason + '"' : ", no reason"), "event");
  };

  // The browser says no more than "it failed" (on purpose); onclose follows with 1006.
  socket.onerror = () => {
    if (ws === socket) show("onerror", "the connection failed", "event");
  };
}

function leave() {
  if (!ws) return;
  ws.close(1000, "left the room");   // CLOSING until the server answers the close
  showState();
  $("count").textContent = "-";      // no more joins or leaves reach a closing socket
}

// 3. send: an object goes as JSON text
$("form").addEventListener("submit", (e) => {
  e.preventDefault();
  const text = $("text").value;
  if (!ws || ws.readyState !== WebSocket.OPEN || text === "") return;
  ws.send(JSON.stringify({ type: "message", name: $("name").value.trim() || "guest", text: text }));
  $("text").value = "";
});
$("join").addEventListener("click", join);
$("leave").addEventListener("click", leave);
try {
  if (location.hash.length > 1) $("room").value = decodeURIComponent(location.hash.slice(1));
} catch (err) { /* a malformed #fragment: keep the default room */ }
</script>
</body>
</html>
)page";

} // namespace chat

#endif
