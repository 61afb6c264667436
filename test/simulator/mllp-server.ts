// A minimal MLLP receiver for the sender tests: splits frames on FS CR, answers each with an ACK
// whose MSA-1 the test chooses (or no answer at all), and records what arrived on which connection.
import { createServer, type Socket } from 'node:net';

export type Reply = 'AA' | 'AE' | 'AR' | 'none';

export interface Received {
  controlId: string;
  connection: number;
  text: string;
}

export interface TestServer {
  port: number;
  received: Received[];
  connections: number;
  close(): Promise<void>;
}

function controlId(text: string): string {
  return text.split('\r')[0]!.split('|')[9] ?? '';
}

function ack(code: string, id: string): Buffer {
  const text = `MSH|^~\\&|VIGIL|VIGIL|SIM|RGH|20260101000000||ACK^A01^ACK|ACK${id}|P|2.5.1\rMSA|${code}|${id}`;
  return Buffer.concat([Buffer.from([0x0b]), Buffer.from(text), Buffer.from([0x1c, 0x0d])]);
}

/** `reply` gets the control id and how many times it has arrived (1 on the first). */
export async function startServer(reply: (controlId: string, attempt: number) => Reply = () => 'AA'): Promise<TestServer> {
  const received: Received[] = [];
  const attempts = new Map<string, number>();
  const sockets = new Set<Socket>();
  let connections = 0;
  const server = createServer((socket) => {
    const connection = connections++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    let buffer = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      buffer = Buffer.concat([buffer, chunk]);
      for (;;) {
        let end = -1;
        for (let i = 0; i + 1 < buffer.length; i++) {
          if (buffer[i] === 0x1c && buffer[i + 1] === 0x0d) {
            end = i;
            break;
          }
        }
        if (end < 0) break;
        const body = buffer.subarray(buffer[0] === 0x0b ? 1 : 0, end).toString('utf8');
        buffer = buffer.subarray(end + 2);
        const id = controlId(body);
        const attempt = (attempts.get(id) ?? 0) + 1;
        attempts.set(id, attempt);
        received.push({ controlId: id, connection, text: body });
        const code = reply(id, attempt);
        if (code !== 'none') socket.write(ack(code, id));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('no port');
  return {
    port: address.port,
    received,
    get connections() {
      return connections;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
