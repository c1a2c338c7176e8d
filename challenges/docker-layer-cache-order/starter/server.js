// A tiny quote-of-the-day service. No dependencies beyond Node itself.
const http = require('node:http');
const { quotes } = require('./quotes.js');

const port = Number(process.env.PORT || 3000);

const server = http.createServer((req, res) => {
  if (req.url === '/health') {
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end('ok\n');
    return;
  }
  const day = Math.floor(Date.now() / 86_400_000);
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ quote: quotes[day % quotes.length] }) + '\n');
});

server.listen(port, () => console.log(`quotes listening on ${port}`));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
