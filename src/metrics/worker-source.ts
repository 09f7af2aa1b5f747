/**
 * How the supervisor's monitoring reaches its workers, wherever they run: the in-process worker directly,
 * worker processes through one request/reply round over the cluster IPC channel (`monitor` messages in
 * `cluster/messages.ts`). Either way the answers are the workers' plain-JSON snapshots, which the
 * supervisor sums (`supervisor-metrics.ts`, `dashboard-snapshot.ts`).
 */
import type { PrometheusSnapshot, WorkerDashboard, WorkerMonitor } from './worker-monitor';

/** A question to every worker. */
export type MonitorRequest =
  | { kind: 'prometheus' }
  | { kind: 'dashboard'; heldLimit: number; busiestLimit: number; advance: boolean }
  | { kind: 'close'; id: string };

/** One worker's answer. */
export type MonitorReply =
  | { kind: 'prometheus'; snapshot: PrometheusSnapshot }
  | { kind: 'dashboard'; part: WorkerDashboard }
  | { kind: 'close'; closed: boolean };

/** What the monitoring reads from all workers. */
export interface WorkerSource {
  /** Each worker's metrics snapshot. */
  prometheus(): Promise<PrometheusSnapshot[]>;
  /** Each worker's part of a dashboard snapshot. */
  dashboard(heldLimit: number, busiestLimit: number, advance: boolean): Promise<WorkerDashboard[]>;
  /** Closes the held connection with this id in whichever worker holds it; false when none does. */
  close(id: string): Promise<boolean>;
}

/** Answers a monitor request from one worker's monitor (in a worker process, or in-process). */
export async function answerMonitorRequest(monitor: WorkerMonitor, req: MonitorRequest): Promise<MonitorReply> {
  switch (req.kind) {
    case 'prometheus':
      return { kind: 'prometheus', snapshot: await monitor.prometheusSnapshot() };
    case 'dashboard':
      return { kind: 'dashboard', part: monitor.dashboardSnapshot(req.heldLimit, req.busiestLimit, req.advance) };
    case 'close':
      return { kind: 'close', closed: monitor.closeConnection(req.id) };
  }
}

/**
 * Workers reached through `ask`, which sends a request to every worker and resolves with the replies of
 * those that answered (a worker that died or did not answer in time is left out).
 */
export function remoteWorkers(ask: (req: MonitorRequest) => Promise<MonitorReply[]>): WorkerSource {
  return {
    prometheus: async () => (await ask({ kind: 'prometheus' })).flatMap((r) => (r.kind === 'prometheus' ? [r.snapshot] : [])),
    dashboard: async (heldLimit, busiestLimit, advance) =>
      (await ask({ kind: 'dashboard', heldLimit, busiestLimit, advance })).flatMap((r) => (r.kind === 'dashboard' ? [r.part] : [])),
    close: async (id) => (await ask({ kind: 'close', id })).some((r) => r.kind === 'close' && r.closed),
  };
}

/** Workers in this process (`workers=1`: the supervisor's own worker; none while it has not started). */
export function localWorkers(monitors: () => readonly WorkerMonitor[]): WorkerSource {
  return remoteWorkers((req) => Promise.all(monitors().map((m) => answerMonitorRequest(m, req))));
}
