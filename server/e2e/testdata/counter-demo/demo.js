// The classic WebSocket synchronisation demo's client, unchanged but for
// the server address, which comes from ?server= (Switchboard's /counter).
window.addEventListener("DOMContentLoaded", () => {
  const server = new URLSearchParams(location.search).get("server") || "ws://localhost:6789/";
  const websocket = new WebSocket(server);

  document.querySelector(".minus").addEventListener("click", () => {
    websocket.send(JSON.stringify({ action: "minus" }));
  });

  document.querySelector(".plus").addEventListener("click", () => {
    websocket.send(JSON.stringify({ action: "plus" }));
  });

  websocket.onmessage = ({ data }) => {
    const event = JSON.parse(data);
    switch (event.type) {
      case "state":
        document.querySelector(".value").textContent = event.value;
        break;
      case "users":
        const users = `${event.count} user${event.count == 1 ? "" : "s"}`;
        document.querySelector(".users").textContent = users;
        break;
      default:
        console.error("unsupported event", event);
    }
  };
});
