/** Small prom-client helpers shared by the worker and supervisor metrics. */
import { Counter, Gauge, type Registry } from 'prom-client';

/** A label-less gauge read at collection time. */
export function readGauge(registers: Registry[], name: string, help: string, read: () => number): Gauge {
  return new Gauge({
    name,
    help,
    registers,
    collect() {
      this.set(read());
    },
  });
}

/** A label-less counter mirroring a cumulative number kept elsewhere, read at collection time. */
export function mirrorCounter(registers: Registry[], name: string, help: string, read: () => number): Counter {
  return new Counter({
    name,
    help,
    registers,
    collect() {
      this.reset();
      this.inc(read());
    },
  });
}
