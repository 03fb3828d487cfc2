/**
 * Loaded into serverless-offline by `npm run soak` (NODE_OPTIONS `--expose-gc --import`), never
 * into the function's bundle. serverless-offline runs each concurrent instance of the function in
 * its own worker thread, with its own heap; this probe makes each worker load it too, and answers
 * `GET /heap` on 127.0.0.1:KMS_SOAK_HEAP_PORT with every instance's used heap after a full GC.
 *
 * Plain JavaScript: it runs before any TypeScript loader exists.
 */
import { createServer } from 'node:http';
import { syncBuiltinESMExports } from 'node:module';
import { pathToFileURL } from 'node:url';
import { getHeapStatistics } from 'node:v8';
import workerThreads from 'node:worker_threads';

const CHANNEL = 'kms-soak-heap';
const REPLY_WAIT_MS = 1500;
const channel = new BroadcastChannel(CHANNEL);
// Never what keeps a thread alive.
channel.unref();

const usedAfterGc = () => {
  globalThis.gc?.();
  return getHeapStatistics().used_heap_size;
};

if (workerThreads.isMainThread) {
  const port = Number(process.env.KMS_SOAK_HEAP_PORT);
  if (port > 0) {
    // Every worker started from now on first imports this file, then its own entry.
    const Original = workerThreads.Worker;
    const self = import.meta.url;
    workerThreads.Worker = class ProbedWorker extends Original {
      constructor(entry, options = {}) {
        if (options.eval) {
          super(entry, options);
          return;
        }
        const url =
          entry instanceof URL || String(entry).startsWith('file:')
            ? String(entry)
            : pathToFileURL(String(entry)).href;
        super(`import(${JSON.stringify(self)}).then(() => import(${JSON.stringify(url)}))`, {
          ...options,
          eval: true,
        });
      }
    };
    syncBuiltinESMExports();

    const server = createServer((req, res) => {
      if (req.url !== '/heap') {
        res.writeHead(404).end();
        return;
      }
      const workers = [];
      const replies = new BroadcastChannel(CHANNEL);
      replies.onmessage = (event) => {
        if (event.data?.kind === 'heap') workers.push(event.data.used);
      };
      channel.postMessage({ kind: 'measure' });
      setTimeout(() => {
        replies.close();
        const main = usedAfterGc();
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ main, workers, rss: process.memoryUsage().rss }));
      }, REPLY_WAIT_MS);
    });
    // Another node process started with the same NODE_OPTIONS finds the port taken: it stays quiet.
    server.on('error', () => {});
    server.listen(port, '127.0.0.1');
    server.unref();
  }
} else {
  channel.onmessage = (event) => {
    if (event.data?.kind === 'measure') channel.postMessage({ kind: 'heap', used: usedAfterGc() });
  };
}
