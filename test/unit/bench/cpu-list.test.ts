import { cpuListSet } from '../../../tools/bench/cpu-list';
import { statusCpus } from '../../../tools/bench/proc-stats';

describe('cpuListSet', () => {
  it('expands numbers and ranges, sorted, without repeats', () => {
    expect(cpuListSet('0')).toEqual([0]);
    expect(cpuListSet('0-1')).toEqual([0, 1]);
    expect(cpuListSet('5,1-3,2')).toEqual([1, 2, 3, 5]);
  });

  it('refuses what taskset would not take', () => {
    for (const bad of ['', ',', '1,', '-1', '1-', '3-1', 'a', '1 2', '0-99999', '1-2-3']) expect(cpuListSet(bad)).toBeUndefined();
  });
});

describe('statusCpus', () => {
  it('reads Cpus_allowed_list from a /proc status text', () => {
    const status = 'Name:\tnode\nCpus_allowed:\t3\nCpus_allowed_list:\t0-1\nMems_allowed:\t1\n';
    expect(statusCpus(status)).toEqual([0, 1]);
    expect(statusCpus('Name:\tnode\nCpus_allowed_list:\t1\n')).toEqual([1]);
    expect(statusCpus('Name:\tnode\n')).toBeUndefined();
  });
});
