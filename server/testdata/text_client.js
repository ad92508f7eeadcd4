// A plain WebSocket client (the npm "ws" package) for the plain-text room
// tests: it prints every frame it receives as one line on stdout, sends
// every line of stdin as one text frame, and closes when stdin ends.
const WebSocket = require('ws');
const readline = require('readline');

const ws = new WebSocket(process.argv[2]);
ws.on('open', () => {
  console.log('# open');
  const rl = readline.createInterface({ input: process.stdin });
  rl.on('line', (line) => ws.send(line));
  rl.on('close', () => ws.close(1000));
});
ws.on('message', (data) => console.log(data.toString()));
ws.on('close', (code) => {
  console.log('# closed ' + code);
  process.exit(0);
});
ws.on('error', (err) => {
  console.log('# error ' + err.message);
  process.exit(1);
});
