import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { buildConfig } from '../../../src/config/config';

/** The configuration files the docs tell people to copy must load without errors or warnings. */
describe('shipped configuration files', () => {
  it('deploy/pushpin.conf.production loads cleanly', () => {
    const file = resolve(__dirname, '../../../deploy/pushpin.conf.production');
    const built = buildConfig(readFileSync(file, 'utf8'), file);
    expect(built.errors).toEqual([]);
    expect(built.warnings).toEqual([]);
    expect(built.config.workers).toBe(0);
    expect(built.config.pushInHttpAuthBasic).toContain('publisher:');
    expect(built.config.prometheusPort).toBe('127.0.0.1:9100');
  });
});
