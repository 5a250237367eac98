// A tiny web server for the lab: answers every request with its node's name. Runs inside a lab
// namespace: `node web.ts NAME [PORT]`.
import { createServer } from 'node:http';

const name = process.argv[2] ?? 'node';
const port = Number(process.argv[3] ?? 80);
createServer((_req, res) => {
  res.writeHead(200, { 'content-type': 'text/plain', connection: 'close' });
  res.end(`${name}\n`);
}).listen(port, '0.0.0.0');
