import { createServer, type Server } from 'node:http';

/** A loopback HTTP server serving `files` by path (e.g. '/model.tgz'); anything else is a 404. */
export async function serveFiles(files: Record<string, Buffer>): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    const body = files[req.url ?? ''];
    if (!body) { res.statusCode = 404; res.end('missing'); return; }
    res.setHeader('content-length', body.length);
    res.end(body);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as { port: number }).port}`, server };
}
