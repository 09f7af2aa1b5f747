import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { LAUNCHER_NODE_FLAGS, LAUNCHER_SHEBANG, setsSemiSpace, shebangNodeFlags } from '../../../src/cluster/launcher-flags';
import { ROOT } from '../../helpers/processes';

describe('launcher flags', () => {
  it('are the ones on bin/thumbtack.js’s first line', () => {
    const firstLine = readFileSync(join(ROOT, 'bin', 'thumbtack.js'), 'utf8').split('\n')[0];
    expect(firstLine).toBe(LAUNCHER_SHEBANG);
    expect(shebangNodeFlags(firstLine ?? '')).toEqual(LAUNCHER_NODE_FLAGS);
  });

  it('are passed by the systemd unit, which runs node itself', () => {
    const unit = readFileSync(join(ROOT, 'deploy', 'thumbtack.service'), 'utf8');
    expect(unit).toContain(`ExecStart=/usr/bin/node ${LAUNCHER_NODE_FLAGS.join(' ')} /opt/thumbtack/bin/thumbtack.js`);
  });

  it('reads the Node flags of a shebang line, and none from a line without', () => {
    expect(shebangNodeFlags('#!/usr/bin/env -S node --a=1  --b')).toEqual(['--a=1', '--b']);
    expect(shebangNodeFlags('#!/usr/local/bin/node --c')).toEqual(['--c']);
    expect(shebangNodeFlags('#!/usr/bin/env node')).toEqual([]);
    expect(shebangNodeFlags('#!/bin/sh')).toEqual([]);
    expect(shebangNodeFlags("'use strict';")).toEqual([]);
  });

  it('knows when flags or NODE_OPTIONS choose the semi-space size', () => {
    expect(setsSemiSpace(['--max_semi_space_size', '8'], undefined)).toBe(true);
    expect(setsSemiSpace([], '--max-old-space-size=1 --max-semi-space-size=32')).toBe(true);
    expect(setsSemiSpace(['--expose-gc'], '--max-old-space-size=1')).toBe(false);
  });
});
