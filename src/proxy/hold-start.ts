/**
 * Turns a decoded instruction into a held connection (spec grip-headers.md §5): the channel records
 * (route prefix, `sub=` channels, `connection_subscription_max`), a long-poll, or a stream whose head and
 * initial body (after the `build-id` filter) are written first. An unheld response with a next link becomes
 * a stream that follows the link.
 */
import type { ServerResponse } from 'node:http';
import type { Route } from '../config/route-types';
import type { Instruction } from '../grip/types';
import { ResponseFilterStream, responseFilters } from '../hold/filters';
import type { HeldChannel } from '../hold/next-link';
import { ResponseSubscriber, type LongPollOwner } from '../hold/response-subscriber';
import { clientCursors } from '../hold/stream-replay';
import { StreamSubscriber } from '../hold/stream-subscriber';
import type { LinkResponse, StreamOwner } from '../hold/stream-types';
import { heldConnectionId, type HeldEndpoint } from '../stats/held-connection';
import type { Socket } from 'node:net';
import type { ClientStream } from '../hold/client-stream';
import { chunkFrame, detachHeldSocket, holdLeanSocket } from './held-socket';
import { streamHead } from './stream-head';
import { requestUri, type ClientRequestInfo } from './client-request';
import { flatHeaders } from './client-writer';
import { fetchLink } from './link-fetcher';
import type { ProxyContext } from './proxy-context';
import { headerNameIs } from '../core/http-syntax';

let localIds = 0;

/** Shared by every connection whose route has no `sub=` channels (most): no empty Set per connection. */
const NO_IMPLICIT: ReadonlySet<string> = new Set<string>();
/** Likewise the filters of a channel without any (never modified in place). */
const NO_FILTERS: HeldChannel['filters'] = [];

/**
 * The channels an instruction subscribes a connection of `route` to: full name → record, then the target's
 * `sub=` channels (as-is). At most `max` in all; the rest are dropped with a warning.
 */
export function heldChannels(
  ctx: ProxyContext,
  route: Route,
  instruction: Pick<Instruction, 'channels'>,
): { channels: Map<string, HeldChannel>; implicit: ReadonlySet<string> } {
  const channels = new Map<string, HeldChannel>();
  let implicit: Set<string> | undefined;
  for (const c of instruction.channels) {
    const full = route.prefix + c.name;
    const record: HeldChannel = { name: c.name, filters: c.filters.length === 0 ? NO_FILTERS : [...c.filters] };
    if (c.prevId !== undefined) record.prevId = c.prevId;
    channels.set(full, record);
  }
  for (const t of route.targets) {
    for (const sub of t.subs) {
      (implicit ??= new Set<string>()).add(sub);
      if (!channels.has(sub)) channels.set(sub, { name: sub, filters: [] });
    }
  }
  const max = ctx.settings.connectionSubscriptionMax;
  if (channels.size > max) {
    ctx.logger.warn('too many channels for one connection; extra ones dropped', { route: route.id, max, given: channels.size });
    for (const key of [...channels.keys()].slice(max)) channels.delete(key);
  }
  return { channels, implicit: implicit ?? NO_IMPLICIT };
}

/** Holds the client as a long-poll. */
export function startLongPoll(ctx: ProxyContext, info: ClientRequestInfo, res: ServerResponse, owner: LongPollOwner, instruction: Instruction): void {
  const { channels } = heldChannels(ctx, info.route, instruction);
  new ResponseSubscriber(ctx.hold, res, owner, {
    channels,
    meta: instruction.meta,
    timeoutResponse: instruction.response,
    timeoutSec: instruction.timeoutSec,
  }).start();
}

/**
 * The HTTP side of one held stream: next-link requests on the client's route, channel mapping, ids. The
 * client's request (headers and all) is kept only when the stream has a next link to fetch with it: a
 * stream without one never gets one, and most held connections are such streams.
 */
class StreamSession implements StreamOwner {
  private localId?: string;
  private readonly route: Route;
  private readonly info?: ClientRequestInfo;

  constructor(
    private readonly ctx: ProxyContext,
    info: ClientRequestInfo,
    private readonly endpoint: HeldEndpoint,
    readonly debug: boolean,
    hasLink: boolean,
  ) {
    this.route = info.route;
    if (hasLink) this.info = info;
  }

  get routeId(): string {
    return this.route.id;
  }

  get connectionId(): string {
    return heldConnectionId(this.endpoint) ?? (this.localId ??= `stream-${++localIds}`);
  }

  fetchLink(uri: string, currentUri: string, extra: Array<[string, string]>): Promise<LinkResponse> {
    if (this.info === undefined) return Promise.resolve({ ok: false, detail: 'no next link on this stream' });
    return fetchLink(this.ctx, this.info, uri, currentUri, extra);
  }

  channelsOf(instruction: Instruction): Map<string, HeldChannel> {
    return heldChannels(this.ctx, this.route, instruction).channels;
  }
}

function isEventStream(headers: ReadonlyArray<readonly [string, string]>): boolean {
  for (const [k, v] of headers) if (headerNameIs(k, 'content-type')) return v.trim().toLowerCase().startsWith('text/event-stream');
  return false;
}

/** Writes the head of a stream: status, headers minus `Content-Length`, after `withCors`. */
export function writeStreamHead(
  res: ServerResponse,
  instruction: Instruction,
  withCors: (headers: Array<[string, string]>) => Array<[string, string]>,
): void {
  const r = instruction.response;
  res.writeHead(r.code, r.reason, flatHeaders(streamHeadHeaders(instruction, withCors)));
}

/** A stream head's headers: the instruction's, less `Content-Length`, after `withCors`. */
function streamHeadHeaders(
  instruction: Instruction,
  withCors: (headers: Array<[string, string]>) => Array<[string, string]>,
): Array<[string, string]> {
  return withCors(instruction.response.headers.filter(([k]) => !headerNameIs(k, 'content-length')));
}

/**
 * Starts a stream: the head (see `writeStreamHead`), the initial body after the response filters, then the
 * subscriber. A filter error ends the stream at once (debug: with the message), as Pushpin does. With
 * `headSent`, the head and the initial body were already relayed (an instruction body over the GRIP body
 * limit) and only the subscriber starts. Returns what the held connection's life is tied to: the socket
 * when the stream took it over from the HTTP server, else `res`.
 */
export function startStream(
  ctx: ProxyContext,
  info: ClientRequestInfo,
  res: ServerResponse,
  instruction: Instruction,
  withCors: (headers: Array<[string, string]>) => Array<[string, string]>,
  debug: boolean,
  headSent = false,
): HeldEndpoint {
  const r = instruction.response;
  if (!headSent) {
    writeStreamHead(res, instruction, withCors);
    const body = r.body.length > 0 ? new ResponseFilterStream(responseFilters(instruction.channels), instruction.meta).process(r.body) : { ok: true as const, out: r.body };
    if (!body.ok) {
      res.end(debug ? `\n\n${`filter error: ${body.error}`}\n` : undefined);
      return res;
    }
    if (body.out.length > 0) res.write(body.out);
    else res.flushHeaders();
  }
  // The head is out: from here on the stream writes straight to its socket when Node lets go of it.
  const detached = ctx.settings.leanStreams ? detachHeldSocket(res) : undefined;
  const endpoint: HeldEndpoint = detached?.socket ?? res;
  subscribeStream(ctx, info, instruction, debug, endpoint, detached?.stream ?? res);
  return endpoint;
}

/**
 * Starts a stream on a socket the lean front read, without a response object: the head (`streamHead`,
 * byte for byte what Node would write) and the initial body go out in one write, then the subscriber
 * starts on the socket. Undefined, with nothing written, where Node's response must do it: a head
 * `streamHead` does not build, a filter error on the initial body (Node's response ends the stream with
 * it), lean streams off.
 */
export function startStreamOnSocket(
  ctx: ProxyContext,
  info: ClientRequestInfo,
  socket: Socket,
  keepAliveTimeoutMs: number,
  instruction: Instruction,
  withCors: (headers: Array<[string, string]>) => Array<[string, string]>,
  debug: boolean,
): HeldEndpoint | undefined {
  if (!ctx.settings.leanStreams) return undefined;
  const r = instruction.response;
  const head = streamHead(r.code, r.reason, streamHeadHeaders(instruction, withCors), keepAliveTimeoutMs);
  if (head === undefined) return undefined;
  const body = r.body.length > 0 ? new ResponseFilterStream(responseFilters(instruction.channels), instruction.meta).process(r.body) : { ok: true as const, out: r.body };
  if (!body.ok) return undefined;
  const stream = holdLeanSocket(socket, true);
  if (stream === undefined) return undefined;
  const headBytes = Buffer.from(head, 'latin1');
  socket.write(body.out.length > 0 ? Buffer.concat([headBytes, chunkFrame(body.out)]) : headBytes);
  subscribeStream(ctx, info, instruction, debug, socket, stream);
  return socket;
}

/** The held stream's subscriber, on `endpoint` (its socket, or its response), writing to `stream`. */
function subscribeStream(
  ctx: ProxyContext,
  info: ClientRequestInfo,
  instruction: Instruction,
  debug: boolean,
  endpoint: HeldEndpoint,
  stream: ClientStream,
): void {
  const held = instruction.hold === 'stream';
  const { channels, implicit } = held ? heldChannels(ctx, info.route, instruction) : { channels: new Map<string, HeldChannel>(), implicit: NO_IMPLICIT };
  const cursors = held && ctx.hold.reliable.history !== undefined ? clientCursors(info.headers) : undefined;
  const session = new StreamSession(ctx, info, endpoint, debug, instruction.nextLink !== undefined);
  const sub = new StreamSubscriber(ctx.hold, endpoint, session, {
    channels,
    implicit,
    meta: instruction.meta,
    keepAlive: instruction.keepAlive,
    link: instruction.nextLink,
    currentUri: instruction.nextLink !== undefined ? requestUri(info) : '', // only links resolve against it
    held,
    sse: isEventStream(instruction.response.headers),
    cursors,
  }, stream);
  sub.start();
}
