/**
 * Liveness and readiness (pure): `/health/live` answers 200 while the process runs; `/health/ready` answers
 * 503 while the instance is draining or while a link it depends on is down (a ZeroMQ SUB intake in connect
 * mode with no publisher connected; a future inter-process bus adds its own links), 200 otherwise.
 */

/** A link readiness depends on. */
export interface HealthLink {
  /** What kind of link: `zmq-sub` (push_in_sub_specs in connect mode), later `bus`. */
  kind: string;
  endpoint: string;
  up: boolean;
}

export interface HealthState {
  draining: boolean;
  links: HealthLink[];
}

export interface HealthReport {
  status: 200 | 503;
  body: { status: 'ready' | 'not-ready'; draining: boolean; links: HealthLink[]; reasons: string[] };
}

/** The `/health/ready` answer for a state. */
export function readiness(state: HealthState): HealthReport {
  const reasons: string[] = [];
  if (state.draining) reasons.push('draining');
  for (const link of state.links) if (!link.up) reasons.push(`${link.kind} link ${link.endpoint} has no peer`);
  const ready = reasons.length === 0;
  return {
    status: ready ? 200 : 503,
    body: { status: ready ? 'ready' : 'not-ready', draining: state.draining, links: state.links, reasons },
  };
}
