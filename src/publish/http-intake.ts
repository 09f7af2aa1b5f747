import type { Logger } from '../core/logger';
import type { PublishItem } from './item-types';
import { IntakeServer, type IntakeReply, type IntakeRequest } from './intake-server';
import { authChallenges, checkPublishAuth, type PublishAuth } from './publish-auth';
import { decodePublishBody, negotiateResponseFormat } from './publish-request';

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
 * same status codes and texts, served by `IntakeServer` (HTTP/1.1 on plain sockets). Unlike Pushpin, which
 * closes every connection, a connection stays open when the client asks for keep-alive (HTTP/1.1's
 * default): publishers such as the GRIP libraries reuse it, and a new TCP connection per publish was most
 * of a publish's cost.
 */
export class HttpIntake {
  private readonly http: IntakeServer;

  constructor(private readonly opts: HttpIntakeOptions) {
    this.http = new IntakeServer({ maxHeadBytes: opts.maxHeadersSize, maxBodyBytes: opts.maxBodySize, logger: opts.logger }, (req) => this.onRequest(req));
  }

  /** The listening socket. */
  get server(): IntakeServer['server'] {
    return this.http.server;
  }

  /** Whether `/publish/` and `/recover` require credentials. */
  get authenticated(): boolean {
    return this.opts.auth !== undefined;
  }

  listen(port: number, host: string): Promise<number> {
    return this.http.listen(port, host);
  }

  close(): Promise<void> {
    return this.http.close();
  }

  private onRequest(req: IntakeRequest): IntakeReply | Promise<IntakeReply> {
    const url = req.head.url;
    if (url === '/') return text(200, 'OK', 'Pushpin API\n');
    const isPublish = url === '/publish' || url === '/publish/';
    const isRecover = url === '/recover' || url === '/recover/';
    if (!isPublish && !isRecover) return text(404, 'Not Found', 'Not Found\n');
    const auth = this.opts.auth;
    if (auth === undefined) return this.serve(req, isRecover);
    return checkPublishAuth(auth, req.head.headers.get('authorization'), Date.now() / 1000).then(
      (checked) => {
        if (checked.ok) return this.serve(req, isRecover);
        this.opts.logger.warn('publish request refused', { reason: checked.error.message, peer: req.peer(), path: url });
        return text(401, 'Unauthorized', `Unauthorized: ${checked.error.message}.\n`, authChallenges(auth));
      },
      (err: unknown) => {
        this.opts.logger.error('publish auth check failed', { error: String(err) });
        return text(500, 'Internal Server Error', 'Internal error.\n');
      },
    );
  }

  /** `/publish/` or `/recover` from an authorized client (or with auth off). */
  private serve(req: IntakeRequest, isRecover: boolean): IntakeReply | Promise<IntakeReply> {
    const { head } = req;
    if (head.method !== 'POST') return text(405, 'Method Not Allowed', `Method not allowed: ${head.method}.\n`, [['Allow', 'POST']]);
    const format = negotiateResponseFormat(head.headers.get('accept'));
    if (format === 'not-acceptable') return text(406, 'Not Acceptable', 'Not Acceptable. Supported formats are text/plain and application/json.\n');
    if (head.contentLength === undefined || head.transferEncoding) return text(411, 'Length Required', 'Request requires Content-Length.\n');
    // (A Content-Length over the limit was answered by the server without reading the body.)
    if (isRecover) {
      this.opts.onRecover();
      return format === 'json' ? UPDATED_JSON : UPDATED_TEXT;
    }
    const decoded = decodePublishBody(req.body);
    if (!decoded.ok) {
      this.opts.logger.info('publish rejected', { reason: decoded.error.message });
      return text(400, 'Bad Request', decoded.error.message + '\n');
    }
    const done = format === 'json' ? PUBLISHED_JSON : PUBLISHED_TEXT;
    const applied = this.opts.onItems(decoded.value);
    return applied === undefined ? done : applied.then(() => done);
  }
}

function text(code: number, reason: string, body: string, extra?: Array<[string, string]>): IntakeReply {
  return { code, reason, contentType: 'text/plain', body, extra };
}

/** Success replies, frozen: the server serializes each once. */
function success(format: 'text' | 'json', message: string): IntakeReply {
  const reply = format === 'json' ? { code: 200, reason: 'OK', contentType: 'application/json', body: JSON.stringify({ message }) + '\n' } : text(200, 'OK', message + '\n');
  return Object.freeze(reply);
}

const PUBLISHED_TEXT = success('text', 'Published');
const PUBLISHED_JSON = success('json', 'Published');
const UPDATED_TEXT = success('text', 'Updated');
const UPDATED_JSON = success('json', 'Updated');
