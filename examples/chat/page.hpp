// Copyright (c) 2026 wsx developers. Distributed under the Boost Software License, Version 1.0.
#ifndef WSX_EXAMPLES_CHAT_PAGE_HPP
#define WSX_EXAMPLES_CHAT_PAGE_HPP

// The browser half of the chat, embedded so the binary needs no file next
// to it. The script is the note's browser side: new WebSocket(...), then
// onopen / onmessage / onclose / onerror, and send() with objects turned
// into JSON. Element ids (#name #room #join #text #send #messages #status
// #extensions) are what the browser tests drive; keep them.

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
  status: <span id="status">closed</span>
</p>
<p class="info">
  <!-- What the server agreed to in the handshake, e.g. "permessage-deflate; server_no_context_takeover". -->
  extensions: <span id="extensions">none</span>
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

function show(line, kind) {
  const li = document.createElement("li");
  li.textContent = line;             // text, never HTML: peers cannot inject markup
  if (kind) li.className = kind;
  $("messages").appendChild(li);
  li.scrollIntoView();
}

function setStatus(state) {
  $("status").textContent = state;
  $("text").disabled = $("send").disabled = state !== "open";
}

function join() {
  if (ws) ws.close();
  const name = $("name").value.trim() || "guest";
  const room = $("room").value.trim() || "lobby";
  location.hash = encodeURIComponent(room);
  const scheme = location.protocol === "https:" ? "wss://" : "ws://";
  // 1. the client socket asks the server socket to connect
  const socket = new WebSocket(scheme + location.host + "/chat/" + encodeURIComponent(room) +
                               "?name=" + encodeURIComponent(name));
  ws = socket;
  setStatus("connecting");
  $("extensions").textContent = "none";

  // 2. the server registered us: we may send from now on. The handshake is
  // over, so socket.extensions says whether messages may be compressed.
  socket.onopen = () => {
    $("extensions").textContent = socket.extensions || "none";
    setStatus("open");
  };

  // 4. a message from the server: JSON text back into an object
  socket.onmessage = (e) => {
    let m;
    try { m = JSON.parse(e.data); } catch (err) { return; }
    if (m === null || typeof m !== "object") return;
    if (m.type === "join") show(m.name + " joined " + m.room + " (" + m.count + " here)", "event");
    else if (m.type === "leave") show(m.name + " left (" + m.count + " here)", "event");
    else if (m.type === "message") show(String(m.name) + ": " + String(m.text));
  };

  socket.onclose = (e) => {
    if (ws !== socket) return;       // an older connection, replaced by a new join
    setStatus("closed");
    show("connection closed (" + e.code + ")", "event");
  };

  socket.onerror = () => show("connection error", "event");
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
try {
  if (location.hash.length > 1) $("room").value = decodeURIComponent(location.hash.slice(1));
} catch (err) { /* a malformed #fragment: keep the default room */ }
</script>
</body>
</html>
)page";

} // namespace chat

#endif
