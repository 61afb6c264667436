// A fake OpenAI-compatible endpoint for tests: a real HTTP server on 127.0.0.1 that speaks the
// chat-completions protocol (POST /v1/chat/completions, answers with `usage` tokens), records every
// request body it receives, and can be told to answer 429, 500 or slowly.
//
//   const fake = await startFakeOpenAI();                 // answers every request with 'ok'
//   fake.enqueue({ status: 429 }, { status: 500 });       // the next two requests fail, then the default
//   fake.enqueue({ delayMs: 2_000 });                     // a slow answer (for timeouts)
//   fake.respond = (req) => ({ content: JSON.stringify(...) });  // the default answer, per request
//   ... createLlmClient({ ...settings, baseUrl: fake.baseUrl }) ...
//   fake.requests[0].body.messages                        // what was sent
//   await fake.close();
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

export interface ChatRequestBody {
  model: string;
  messages: { role: string; content: string }[];
  max_tokens?: number;
  temperature?: number;
  [key: string]: unknown;
}

export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  /** The body as received, byte for byte (for "does this string appear anywhere" checks). */
  raw: string;
  /** Parsed, when it was JSON. */
  body: ChatRequestBody;
}

export interface FakeReply {
  /** HTTP status; 200 by default. Other statuses answer an OpenAI-style error body. */
  status?: number;
  /** Wait this long before answering (a slow endpoint). */
  delayMs?: number;
  /** The assistant message text of a 200. */
  content?: string;
  usage?: { prompt_tokens: number; completion_tokens: number };
  headers?: Record<string, string>;
}

export interface FakeOpenAI {
  /** The base URL to configure: http://127.0.0.1:<port>/v1 */
  readonly baseUrl: string;
  /** Every request received, in arrival order (whatever was answered). */
  readonly requests: RecordedRequest[];
  /** Replies for the next requests, in order; once used up, `respond` answers. */
  enqueue(...replies: FakeReply[]): void;
  /** The default answer; returns content 'ok' with 11 prompt and 7 completion tokens unless replaced. */
  respond: (request: RecordedRequest) => FakeReply;
  /** Most chat requests it was answering at one time (for concurrency limits). */
  readonly peakInFlight: number;
  /** Concatenation of every raw request body received (for leak checks). */
  allSent(): string;
  /** Forgets requests, queued replies and the peak, and restores the default answer. */
  reset(): void;
  close(): Promise<void>;
}

export const DEFAULT_USAGE = { prompt_tokens: 11, completion_tokens: 7 };

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (res.destroyed) return;
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

export async function startFakeOpenAI(): Promise<FakeOpenAI> {
  const queue: FakeReply[] = [];
  const requests: RecordedRequest[] = [];
  let counter = 0;
  // Aborts slow answers still waiting when the server closes.
  const closing = new AbortController();

  const answerOk: (request: RecordedRequest) => FakeReply = () => ({ content: 'ok' });
  const fake = { requests, respond: answerOk, peakInFlight: 0 };
  let inFlight = 0;

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const raw = await readBody(req);
    const path = (req.url ?? '').split('?')[0] ?? '';
    let body: ChatRequestBody;
    try {
      body = JSON.parse(raw) as ChatRequestBody;
    } catch {
      send(res, 400, { error: { message: 'body is not JSON', type: 'invalid_request_error' } });
      return;
    }
    const recorded: RecordedRequest = { method: req.method ?? '', path, headers: req.headers, raw, body };
    requests.push(recorded);
    if (req.method !== 'POST' || path !== '/v1/chat/completions') {
      send(res, 404, { error: { message: 'not found', type: 'invalid_request_error' } });
      return;
    }
    const reply = queue.shift() ?? fake.respond(recorded);
    inFlight++;
    fake.peakInFlight = Math.max(fake.peakInFlight, inFlight);
    // A client that gave up (timeout, abort) is no longer waited for.
    const gone = new AbortController();
    res.on('close', () => gone.abort());
    try {
      if (reply.delayMs) await sleep(reply.delayMs, undefined, { signal: AbortSignal.any([closing.signal, gone.signal]) });
    } finally {
      inFlight--;
    }
    const status = reply.status ?? 200;
    if (status !== 200) {
      send(res, status, { error: { message: `simulated ${status}`, type: status === 429 ? 'rate_limit_exceeded' : 'server_error', code: null } }, reply.headers);
      return;
    }
    counter++;
    send(
      res,
      200,
      {
        id: `chatcmpl-fake-${counter}`,
        object: 'chat.completion',
        created: Math.floor(Date.now() / 1000),
        model: body.model,
        choices: [{ index: 0, message: { role: 'assistant', content: reply.content ?? 'ok' }, finish_reason: 'stop' }],
        usage: { ...(reply.usage ?? DEFAULT_USAGE), total_tokens: (reply.usage ?? DEFAULT_USAGE).prompt_tokens + (reply.usage ?? DEFAULT_USAGE).completion_tokens },
      },
      reply.headers,
    );
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch(() => send(res, 500, { error: { message: 'fake server error', type: 'server_error' } }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return Object.assign(fake, {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    enqueue: (...replies: FakeReply[]) => {
      queue.push(...replies);
    },
    allSent: () => requests.map((r) => r.raw).join('\n'),
    reset: () => {
      requests.length = 0;
      queue.length = 0;
      fake.peakInFlight = 0;
      fake.respond = answerOk;
    },
    close: () =>
      new Promise<void>((resolve) => {
        // Slow answers still pending would hold close() open.
        closing.abort();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  });
}
