/** The contract between a held stream (`stream-subscriber.ts`) and its HTTP session (`proxy/hold-start.ts`). */
import type { BackendResponse } from '../proxy/backend-response';
import type { Instruction, KeepAlive, NextLink } from '../grip/types';
import type { HeldChannel } from './next-link';
import type { ClientCursors } from './stream-replay';

/** The response of a next-link request, or why there is none. */
export type LinkResponse = { ok: true; response: BackendResponse } | { ok: false; detail: string };

/** What a stream needs from its HTTP session. */
export interface StreamOwner {
  readonly routeId: string;
  /** Debug mode of the route: error texts are appended to the stream before it ends. */
  readonly debug: boolean;
  readonly connectionId: string;
  /** GET `uri` with the extra headers (`Grip-Last`), through the client's route or straight to the link's host. */
  fetchLink(uri: string, currentUri: string, extra: Array<[string, string]>): Promise<LinkResponse>;
  /** The channels an instruction asks for: full name (route prefix) → channel, route `sub=` channels included. */
  channelsOf(instruction: Instruction): Map<string, HeldChannel>;
}

export interface StreamHoldOptions {
  /** Full name → channel. Empty for an unheld response that only follows its next link. */
  channels: Map<string, HeldChannel>;
  /** Route `sub=` channels: kept when a next link's instruction replaces the channels. */
  implicit: ReadonlySet<string>;
  meta: Record<string, string>;
  keepAlive?: KeepAlive;
  link?: NextLink;
  /** The URI the instruction came from (the client's; then each link in turn). */
  currentUri: string;
  /** A stream hold (false: an unheld response followed by its next link). */
  held: boolean;
  /** The response is `text/event-stream`: gaps are signalled in-band. */
  sse: boolean;
  /** The client's resume position (history replay); absent = none or history off. */
  cursors?: ClientCursors;
}
