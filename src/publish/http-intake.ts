import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import type { Logger } from '../core/logger';
import type { PublishItem } from './item-types';
import { authChallenges, checkPublishAuth, type PublishAuth } from './publish-auth';
import { decodePublishBody, negotiateResponseFormat } from './publish-request';
import { joinChunks } from '../core/join-chunks';

export interface HttpIntakeOptions {
  maxHeadersSize: number;
  maxBodySize: number;
  logger: Logger;
  /**
   * Receives every accepted batch, already validated as a whole; a returned promise delays the reply until
   * it settles (worker processes applied the items).
   */
  onItems: (items: PublishItem[]) => void | Promise<void>;
  /** `POST /recover`. */
  onRecover: () => void;
  /** Thumbtack's optional auth of `/publish/` and `/recover` (absent = off, as in Pushpin). */
  auth?: PublishAuth;
}

/**
 * Pushpin's HTTP publish API (spec publishing.md §4): `POST /publish/`, `POST /recover`, `GET /`, with the
 * same status codes and texts. Unlike Pushpin, which closes every connection, a connection whose request
 * was read to its end stays open when the client asks for keep-alive (HTTP/1.1's default): publishers such
 * as the GRIP libraries reuse it, and a new TCP connection per publish was most of a publish's cost.
 */
export class HttpIntake {
  readonly server: http.Server;

  constructor(private readonly opts: HttpIntakeOptions) {
    this.server = http.createServer({ maxHeaderSize: opts.maxHeadersSize }, (req, res) => {
      res.sendDate = false;
      this.onRequest(req, res);
    });
    this.server.on('clientError', (err: NodeJS.ErrnoException, socket: Duplex) => {
      const text = err.code === 'HPE_HEADER_OVERFLOW' ? 'Request header too large.\n' : 'Bad request.\n';
      if (socket.writable) {
        socket.end(`HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain\r\nConnection: close\r\nContent-Length: ${text.length}\r\n\r\n${text}`);
      } else socket.destroy();
    });
  }

  /** Whether `/publish/` and `/recover` require credentials. */
  get authenticated(): boolean {
    return this.opts.auth !== undefined;
  }

  listen(port: number, host: string): Promise<number> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen({ port, host }, () => {
        this.server.off('error', reject);
        resolve((this.server.address() as AddressInfo).port);
      });
    });
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  private onRequest(req: IncomingMessage, res: ServerResponse): void {
    const url = req.url ?? '/';
    if (url === '/') return this.drain(req, () => reply(res, 200, 'OK', 'Pushpin API\n'));
    const isPublish = url === '/publish' || url === '/publish/';
    const isRecover = url === '/recover' || url === '/recover/';
    if (!isPublish && !isRecover) return this.drain(req, () => reply(res, 404, 'Not Found', 'Not Found\n'));
    const auth = this.opts.auth;
    if (auth === undefined) return this.serve(req, res, isRecover);
    // The body stays paused (buffered) while the credentials are checked.
    checkPublishAuth(auth, req.headers.authorization, Date.now() / 1000).then(
      (checked) => {
        if (checked.ok) return this.serve(req, res, isRecover);
        this.opts.logger.warn('publish request refused', { reason: checked.error.message, peer: req.socket.remoteAddress, path: url });
        // Answered at once; any body is discarded unread (the connection closes after the reply).
        req.resume();
        reply(res, 401, 'Unauthorized', `Unauthorized: ${checked.error.message}.\n`, authChallenges(auth));
      },
      (err: unknown) => {
        this.opts.logger.error('publish auth check failed', { error: String(err) });
        this.drain(req, () => reply(res, 500, 'Internal Server Error', 'Internal error.\n'));
      },
    );
  }

  /** `/publish/` or `/recover` from an authorized client (or with auth off). */
  private serve(req: IncomingMessage, res: ServerResponse, isRecover: boolean): void {
    const method = req.method ?? 'GET';
    if (method !== 'POST') {
      return this.drain(req, () => reply(res, 405, 'Method Not Allowed', `Method not allowed: ${method}.\n`, [['Allow', 'POST']]));
    }
    const format = negotiateResponseFormat(req.headers.accept);
    if (format === 'not-acceptable') {
      return this.drain(req, () =>
        reply(res, 406, 'Not Acceptable', 'Not Acceptable. Supported formats are text/plain and application/json.\n'),
      );
    }
    const length = req.headers['content-length'];
    if (length === undefined || req.headers['transfer-encoding'] !== undefined) {
      return this.drain(req, () => reply(res, 411, 'Length Required', 'Request requires Content-Length.\n'));
    }
    if (Number(length) > this.opts.maxBodySize) {
      // Answer at once and discard the rest; the connection closes after the reply.
      req.resume();
      reply(res, 400, 'Bad Request', 'Request body too large.\n');
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= this.opts.maxBodySize) chunks.push(chunk);
    });
    req.once('end', () => {
      if (size > this.opts.maxBodySize) return reply(res, 400, 'Bad Request', 'Request body too large.\n');
      if (isRecover) {
        this.opts.onRecover();
        return success(res, format, 'Updated');
      }
      const decoded = decodePublishBody(joinChunks(chunks));
      if (!decoded.ok) {
        this.opts.logger.info('publish rejected', { reason: decoded.error.message });
        return reply(res, 400, 'Bad Request', decoded.error.message + '\n');
      }
      const applied = this.opts.onItems(decoded.value);
      if (applied === undefined) success(res, format, 'Published');
      else void applied.then(() => success(res, format, 'Published'));
    });
  }

  private drain(req: IncomingMessage, then: () => void): void {
    req.resume();
    if (req.complete) then();
    else req.once('end', then);
  }
}

function success(res: ServerResponse, format: 'text' | 'json', message: string): void {
  if (format === 'json') reply(res, 200, 'OK', JSON.stringify({ message }) + '\n', [], 'application/json');
  else reply(res, 200, 'OK', message + '\n');
}

function reply(
  res: ServerResponse,
  code: number,
  reason: string,
  body: string,
  extra: Array<[string, string]> = [],
  contentType = 'text/plain',
): void {
  // A body left unread (answered early) would be parsed as the next request: close after the reply then.
  // Otherwise Node keeps the connection as the request asks (HTTP/1.1 default; `Connection: close` closes).
  const keepAlive = res.req.complete && res.shouldKeepAlive;
  if (!keepAlive) res.shouldKeepAlive = false;
  const headers = ['Content-Type', contentType, ...extra.flat(), 'Content-Length', String(Buffer.byteLength(body))];
  if (!keepAlive) headers.push('Connection', 'close');
  res.writeHead(code, reason, headers);
  // Node sends head and body in one writev either way (it corks in end()); a string body spares a Buffer.
  res.end(body);
}
