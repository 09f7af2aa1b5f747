import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

/** Debian's Chromium, which `.ci/run` installs. */
export const CHROMIUM = '/usr/bin/chromium';

/** A missing browser is a broken setup, not a reason to skip: throws, naming what `what` needs. */
export function requireChromium(what: string): void {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: ${what} needs Debian's chromium (apt-get install -y chromium)`);
}

/** Launches headless Chromium with the flags this closed network needs (after `requireChromium`). */
export async function launchChromium(what: string): Promise<Browser> {
  requireChromium(what);
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}
