// A visit counter: keeps its count in a file under /app/data, so it survives restarts
// when that directory is a volume.
const fs = require('node:fs');
const http = require('node:http');
const path = require('node:path');

const dataDir = process.env.DATA_DIR || path.join(__dirname, 'data');
const counterFile = path.join(dataDir, 'visits.txt');
const port = Number(process.env.PORT || 3000);

function readCount() {
  try {
    return Number(fs.readFileSync(counterFile, 'utf8')) || 0;
  } catch {
    return 0;
  }
}

// Fail fast and loudly when the data directory is not writable by this process.
fs.mkdirSync(dataDir, { recursive: true });
fs.writeFileSync(counterFile, String(readCount()));

const server = http.createServer((req, res) => {
  if (req.url === '/health') {
    // Healthy means: up, and still able to write its data.
    fs.accessSync(dataDir, fs.constants.W_OK);
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end('ok\n');
    return;
  }
  const visits = readCount() + 1;
  fs.writeFileSync(counterFile, String(visits));
  res.writeHead(200, { 'content-type': 'text/plain' });
  res.end(`visit number ${visits}\n`);
});

server.listen(port, () => console.log(`counter listening on ${port} as uid ${process.getuid()}`));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
