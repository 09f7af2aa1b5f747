import type { ServerResponse } from 'node:http';
import type { BackendResponse } from './backend-response';
import type { Readable } from 'node:stream';
import type { RouteTarget } from '../config/route-types';
import { GRIP_FEATURE } from '../grip/grip-sig';
import { GRIP_INSTRUCT_TYPE, PrevIdWithoutLinkError, decodeInstruction, isGripResponse } from '../grip/instruction';
import { isEventsRequest } from '../grip/ws-over-http-headers';
import type { ClientResponse, Instruction } from '../grip/types';
import { ResponseFilterStream, responseFilters } from '../hold/filters';
import type { LongPollOwner } from '../hold/response-subscriber';
import { heldConnectionId, trackHeldConnection, type HeldEndpoint } from '../stats/held-connection';
import { logHeldStream, markHeld } from './access-log';
import type { ClientExchange } from './client-exchange';
import { backendHeaders, clientResponseHeaders } from './backend-headers';
import { sendBackendRequest, type BackendOutcome } from './backend-client';
import { backendPath } from './backend-path';
import { GRIP_BODY_LIMIT, pairsFromRaw, requestUri, type ClientRequestInfo } from './client-request';
import { flatHeaders, sendComplete, sendTextError } from './client-writer';
import { applyCors } from './cors';
import { readGripBody, streamsOverLimit } from './grip-body';
import { startLongPoll, startStream, startStreamOnSocket, writeStreamHead } from './hold-start';
import type { ProxyContext } from './proxy-context';
import { joinChunks } from '../core/join-chunks';
import { headerNameIs } from '../core/http-syntax';

const PROXY_ERROR = 'Error while proxying to origin.';

/**
 * One client HTTP request from arrival to its end: forwards it (with fail-over across targets), then either
 * relays the backend response as it is, or applies the GRIP instruction it carries (respond, hold as a
 * long-poll, or hold as a stream). Long-polls come back here to re-request the backend or to respond.
 */
export class HttpSession implements LongPollOwner {
  private inflight?: BackendResponse;
  private watchingClose = false;
  /** A client gone mid-request aborts the backend response (removed once a stream holds the client). */
  private readonly onClientClose = (): void => {
    this.inflight?.destroy();
  };

  constructor(
    private readonly ctx: ProxyContext,
    private readonly info: ClientRequestInfo,
    private readonly client: ClientExchange,
    /** Resolves when the client body has been read to its end (the copy in `info.body` is then final). */
    private readonly bodyDone: Promise<void>,
  ) {}

  /** The client's response object, made now if the lean front has not made it (client-exchange.ts). */
  private get res(): ServerResponse {
    return this.client.res;
  }

  private get debug(): boolean {
    return this.ctx.settings.debug || this.info.route.debug;
  }

  private get cors(): boolean {
    return this.ctx.settings.autoCrossOrigin || this.info.route.aco;
  }

  /** Forwards the request; `bodyStream` is the live client body on the first pass, absent on re-requests. */
  async run(bodyStream?: Readable, extraHeaders: Array<[string, string]> = []): Promise<void> {
    const { info, ctx } = this;
    const route = info.route;
    if (info.trusted === undefined) {
      const sig = info.headers.find(([k]) => headerNameIs(k, 'grip-sig'))?.[1];
      info.trusted = sig !== undefined && (await ctx.isTrustedSig(sig));
    }
    // A trusted upstream GRIP proxy acts on the instructions itself: relay them untouched.
    const grip = !route.noGrip && !info.trusted;
    const sig = grip ? await ctx.gripSig(route) : undefined;
    const path = backendPath(route, info.url);
    const tried: string[] = [];
    let outcome: BackendOutcome | undefined;
    let stream = bodyStream;
    for (let i = 0; i < route.targets.length; i++) {
      const target = route.targets[i] as RouteTarget;
      if (target.overHttp && !info.trusted && isEventsRequest(info.headers)) {
        sendTextError(this.res, 403, 'Forbidden', 'Client not allowed to send WebSocket events directly.');
        return;
      }
      const headers = backendHeaders(info, {
        target,
        gripSig: sig,
        gripFeature: grip ? GRIP_FEATURE : undefined,
        extra: extraHeaders,
        acceptPushpinRoute: ctx.settings.acceptPushpinRoute,
        acceptXForwardedProtocol: ctx.settings.acceptXForwardedProtocol,
        setXForwardedProtocol: ctx.settings.setXForwardedProtocol,
        xForwardedFor: ctx.settings.xForwardedFor,
        xForwardedForTrusted: ctx.settings.xForwardedForTrusted,
        cdnLoop: ctx.settings.cdnLoop,
        origHeadersPrefix: route.origHeaders ? 'eb9bf0f5-' : undefined,
      });
      tried.push(`${target.host}:${target.port}`);
      outcome = await sendBackendRequest({
        target,
        method: info.method,
        path,
        headers,
        body: stream ? undefined : info.body,
        bodyStream: stream,
        timeoutMs: ctx.settings.backendTimeoutMs,
        observer: ctx.backendObserver,
      });
      if (outcome.ok || outcome.failure !== 'connect' || i === route.targets.length - 1) break;
      // Fail over: the next target gets the buffered copy of the body, once it is complete.
      if (stream) {
        await this.bodyDone;
        stream = undefined;
      }
      if (info.bodyTooLarge) break;
      ctx.logger.info('target failed, trying the next', { route: route.id, detail: outcome.detail });
    }
    if (!outcome || !outcome.ok) {
      const detail = outcome && !outcome.ok ? outcome.detail : 'no targets';
      ctx.logger.warn('backend request failed', { route: route.id, detail });
      if (outcome && !outcome.ok && outcome.failure === 'timeout') {
        this.error(504, 'Gateway Timeout', `Timed out waiting for a response from ${tried.join(', ')}`);
      } else {
        this.error(502, 'Bad Gateway', `Unable to connect to any targets. Tried: ${tried.join(', ')}`);
      }
      return;
    }
    const response = outcome.response;
    if (this.client.destroyed) {
      response.destroy();
      this.client.settleAbandoned();
      return;
    }
    this.inflight = response;
    if (!this.watchingClose) {
      this.watchingClose = true;
      this.client.watchClose(this.onClientClose);
    }
    const headers = pairsFromRaw(response.rawHeaders);
    if (!grip || !isGripResponse(headers)) {
      this.passThrough(response, headers);
      return;
    }
    const target = tried[tried.length - 1] ?? '';
    const read = await readGripBody(response, GRIP_BODY_LIMIT);
    if (read.kind === 'over') {
      this.overLimit(response, headers, read.head, target);
      return;
    }
    this.inflight = undefined;
    if (read.kind === 'failed') {
      ctx.logger.warn('backend response broke off', { route: route.id, target, reason: 'connection closed before the GRIP body ended' });
      this.error(502, 'Bad Gateway', 'Backend closed the connection before the response ended');
      return;
    }
    const body = read.body;
    const decoded = decodeInstruction(
      { code: response.statusCode ?? 502, reason: response.statusMessage ?? '', headers, body },
      requestUri(info),
    );
    if (!decoded.ok) {
      if (decoded.error.code === 'GRIP_PREV_ID_NO_LINK') {
        this.startStreamThenEnd(decoded.error.message, headers, body, response.statusCode ?? 200, response.statusMessage ?? '');
        return;
      }
      ctx.logger.warn('invalid GRIP instruction', { route: route.id, reason: decoded.error.message });
      this.error(502, 'Bad Gateway', `Failed to parse accept instructions: ${decoded.error.message}`);
      return;
    }
    this.apply(decoded.value);
  }

  /**
   * A GRIP body over the 100,000-byte limit (grip-headers.md §1): a header-instructed stream starts now,
   * its body relayed as it arrives and the hold taken when it ends; anything else is refused with 502.
   */
  private overLimit(response: BackendResponse, headers: Array<[string, string]>, head: Buffer, target: string): void {
    const { info, ctx } = this;
    const route = info.route.id;
    const code = response.statusCode ?? 200;
    const decoded = isInstructBody(headers)
      ? undefined
      : decodeInstruction({ code, reason: response.statusMessage ?? '', headers, body: Buffer.alloc(0) }, requestUri(info));
    if (decoded !== undefined && !decoded.ok && !(decoded.error instanceof PrevIdWithoutLinkError)) {
      response.destroy();
      ctx.logger.warn('invalid GRIP instruction', { route, target, reason: decoded.error.message });
      this.error(502, 'Bad Gateway', `Failed to parse accept instructions: ${decoded.error.message}`);
      return;
    }
    const instruction = decoded === undefined ? undefined : decoded.ok ? decoded.value : (decoded.error as PrevIdWithoutLinkError).instruction;
    if (instruction === undefined || !streamsOverLimit(instruction)) {
      response.destroy();
      ctx.logger.warn('GRIP instruct response too large', { route, target, limit: GRIP_BODY_LIMIT });
      this.error(502, 'Bad Gateway', `GRIP instruct response too large from ${target}`);
      return;
    }
    if (info.bodyTooLarge) {
      response.destroy();
      sendTextError(this.res, 400, 'Bad Request', 'Request too large to accept GRIP instruct.');
      return;
    }
    ctx.logger.debug('GRIP body over the limit: relaying it before holding', { route, target });
    writeStreamHead(this.res, instruction, (h) => this.withCors(h));
    this.res.write(head);
    const broke = (): void => {
      if (this.res.destroyed) return;
      ctx.logger.warn('backend response broke off', { route, target, reason: 'connection closed during the stream body' });
      this.res.destroy();
    };
    response.once('aborted', broke);
    response.once('error', broke);
    response.once('end', () => {
      response.off('aborted', broke);
      response.off('error', broke);
      this.inflight = undefined;
      if (this.res.destroyed) return;
      if (!decoded?.ok) {
        // prev-id without a next link: Pushpin starts the stream, then ends it.
        this.res.end(this.debug && decoded !== undefined ? `\n\n${decoded.error.message}\n` : undefined);
        return;
      }
      trackHeldConnection(ctx.hold.stats, this.holdStream(instruction, true), info, ctx.settings.xForwardedFor);
    });
    response.pipe(this.res, { end: false });
  }

  /** Applies a decoded instruction (also used by the built-in test handler). */
  apply(instruction: Instruction): void {
    const { info, ctx } = this;
    if (instruction.hold === undefined && instruction.nextLink === undefined) {
      this.respondUnheld(instruction);
      return;
    }
    if (info.bodyTooLarge) {
      sendTextError(this.res, 400, 'Bad Request', 'Request too large to accept GRIP instruct.');
      return;
    }
    const direct = instruction.hold !== 'response' ? this.holdStreamOnSocket(instruction) : undefined;
    if (direct !== undefined) {
      logHeldStream(this.client.access, instruction.response.code);
      this.client.access = undefined;
      trackHeldConnection(ctx.hold.stats, direct, info, ctx.settings.xForwardedFor);
      return;
    }
    let endpoint: HeldEndpoint = this.res;
    if (instruction.hold === 'response') startLongPoll(ctx, info, this.res, this, instruction);
    else endpoint = this.holdStream(instruction, false);
    markHeld(this.res, instruction.hold === 'response' ? 'response' : 'stream');
    trackHeldConnection(ctx.hold.stats, endpoint, info, ctx.settings.xForwardedFor);
  }

  /**
   * A stream on a request the lean front read, while no response object was made: its head goes straight
   * to the socket (hold-start.ts). Undefined, with nothing done, when the response object must do it.
   */
  private holdStreamOnSocket(instruction: Instruction): HeldEndpoint | undefined {
    const client = this.client;
    if (client.hasResponse || client.keepAliveTimeoutMs === undefined || client.destroyed) return undefined;
    const endpoint = startStreamOnSocket(this.ctx, this.info, client.socket, client.keepAliveTimeoutMs, instruction, (headers) => this.withCors(headers), this.debug);
    if (endpoint !== undefined) client.unwatchClose(this.onClientClose);
    return endpoint;
  }

  /**
   * Starts the stream (`headSent`: head and initial body already relayed); from then on the stream owns the
   * client, so this session stops watching it. Returns what the held connection's life is tied to.
   */
  private holdStream(instruction: Instruction, headSent: boolean): HeldEndpoint {
    const endpoint = startStream(this.ctx, this.info, this.res, instruction, (headers) => this.withCors(headers), this.debug, headSent);
    this.client.unwatchClose(this.onClientClose);
    return endpoint;
  }

  /** An instruction without hold or link: the response now, its body after any `build-id` filter. */
  private respondUnheld(instruction: Instruction): void {
    const filters = responseFilters(instruction.channels);
    if (filters.length === 0 || instruction.response.body.length === 0) {
      this.respond(instruction.response);
      return;
    }
    const body = new ResponseFilterStream(filters, instruction.meta).process(instruction.response.body);
    if (!body.ok) {
      this.error(502, 'Bad Gateway', `filter error: ${body.error}`);
      return;
    }
    this.respond({ ...instruction.response, body: body.out });
  }

  get routeId(): string {
    return this.info.route.id;
  }

  get connectionId(): string | undefined {
    return heldConnectionId(this.res);
  }

  respondError(debugText: string): void {
    this.error(502, 'Bad Gateway', debugText);
  }

  respond(response: ClientResponse): void {
    sendComplete(this.res, response.code, response.reason, this.withCors(response.headers), response.body);
  }

  rerequest(lastIds: Array<[string, string]>): void {
    const extra = lastIds.map(([channel, id]): [string, string] => ['Grip-Last', `${channel}; last-id=${id}`]);
    this.run(undefined, extra).catch((err: unknown) => {
      this.ctx.logger.error('re-request failed', { route: this.info.route.id, error: String(err) });
      this.error(502, 'Bad Gateway', String(err));
    });
  }

  private withCors(headers: Array<[string, string]>): Array<[string, string]> {
    return this.cors ? applyCors(headers, this.info.headers) : headers;
  }

  private passThrough(response: BackendResponse, headers: Array<[string, string]>): void {
    const out = this.withCors(clientResponseHeaders(headers, false));
    const code = response.statusCode ?? 502;
    const reason = response.statusMessage ?? '';
    const broke = (): void => {
      if (this.res.destroyed) return;
      this.ctx.logger.warn('backend response broke off', { route: this.info.route.id, reason: 'connection closed during the response body' });
      this.res.destroy();
    };
    response.once('aborted', broke);
    response.once('error', broke);
    const delimited = headers.some(([k]) => headerNameIs(k, 'content-length')) || this.info.method === 'HEAD';
    // A body that came whole with its head is written with it, without a pipe (most small responses).
    const whole = this.info.method === 'HEAD' ? undefined : response.takeWholeBody?.(Infinity);
    if (delimited) {
      this.res.writeHead(code, reason, flatHeaders(out));
      if (whole !== undefined) this.res.end(whole);
      else response.pipe(this.res);
      return;
    }
    if (whole !== undefined) {
      sendComplete(this.res, code, reason, out, whole);
      return;
    }
    // A body without a length that has fully arrived with its head is sent with a Content-Length, as
    // Pushpin does; one still arriving after this turn of the event loop is streamed chunked.
    const chunks: Buffer[] = [];
    const collect = (chunk: Buffer): void => void chunks.push(chunk);
    let ended = false;
    response.on('data', collect);
    response.once('end', () => {
      if (ended) return;
      ended = true;
      sendComplete(this.res, code, reason, out, joinChunks(chunks));
    });
    setImmediate(() => {
      if (ended) return;
      ended = true;
      response.off('data', collect);
      this.res.writeHead(code, reason, flatHeaders(out));
      for (const chunk of chunks) this.res.write(chunk);
      response.pipe(this.res);
    });
  }

  /** A stream hold that Pushpin starts and then ends at once (prev-id without a next link). */
  private startStreamThenEnd(reason: string, headers: Array<[string, string]>, body: Buffer, code: number, statusText: string): void {
    const kept = headers.filter(([k]) => {
      const lower = k.toLowerCase();
      return !lower.startsWith('grip-') && lower !== 'content-length' && lower !== 'connection' && lower !== 'transfer-encoding';
    });
    this.res.writeHead(code, statusText, flatHeaders(this.withCors(kept)));
    this.res.write(body);
    this.res.end(this.debug ? `\n\n${reason}\n` : undefined);
  }

  private error(code: number, reason: string, debugText: string): void {
    if (this.res.headersSent) {
      this.res.destroy();
      return;
    }
    sendTextError(this.res, code, reason, this.debug ? debugText : PROXY_ERROR);
  }
}

/** Whether the instructions are in an `application/grip-instruct` body (which must be read whole). */
function isInstructBody(headers: ReadonlyArray<readonly [string, string]>): boolean {
  const ct = headers.find(([k]) => headerNameIs(k, 'content-type'))?.[1];
  return ct !== undefined && (ct.split(';')[0] ?? '').trim().toLowerCase() === GRIP_INSTRUCT_TYPE;
}
