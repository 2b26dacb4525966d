// Raw HTTP/1.1 over a socket, for requests fetch refuses to send (malformed request lines, bad
// percent escapes, foreign Host headers, absolute-form targets) and for watching a connection close.
import net from 'node:net';

export interface RawAnswer {
  /** 0 when no status line came back. */
  readonly status: number;
  readonly head: string;
  readonly body: string;
  /** True when the server closed the connection within the wait. */
  readonly closed: boolean;
  /** Everything the server sent (pipelined answers included). */
  readonly raw: string;
}

/**
 * Writes `text` to the server at `url` and collects what comes back until the server closes the
 * connection or `waitMs` passes.
 * @example await rawRequest(api.url, `GET /api/ml/models/%ZZ HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n\r\n`)
 */
export function rawRequest(url: string, text: string | Buffer, waitMs = 3000): Promise<RawAnswer> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = net.connect(Number(port), hostname);
    let data = '';
    let closed = false;
    const finish = () => {
      clearTimeout(timer);
      socket.destroy();
      const [head, ...rest] = data.split('\r\n\r\n');
      const m = /^HTTP\/1\.[01] (\d{3})/.exec(head);
      const raw = rest.join('\r\n\r\n');
      resolve({ status: m ? Number(m[1]) : 0, head, body: /transfer-encoding: chunked/i.test(head) ? dechunk(raw) : raw, closed, raw: data });
    };
    const timer = setTimeout(finish, waitMs);
    socket.on('data', (d) => (data += d.toString('utf8')));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      closed = true;
      finish();
    });
    socket.write(text);
  });
}

/** The port of a server URL. */
export function portOf(url: string): number {
  return Number(new URL(url).port);
}

/** The first chunked message body in `raw` (what follows it, a pipelined answer, is dropped). */
function dechunk(raw: string): string {
  let out = '';
  let at = 0;
  for (;;) {
    const eol = raw.indexOf('\r\n', at);
    if (eol < 0) return out;
    const size = parseInt(raw.slice(at, eol), 16);
    if (!size) return out;
    out += raw.slice(eol + 2, eol + 2 + size);
    at = eol + 2 + size + 2;
  }
}
