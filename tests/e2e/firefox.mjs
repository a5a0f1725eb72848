// Firefox ESR for the end-to-end tests: playwright-core cannot drive stock
// Firefox (it needs its own patched build), puppeteer-core can, over
// WebDriver BiDi; adapter.mjs gives the tests the part of playwright's Page
// they use on top of puppeteer's (SPINLAB_BROWSER=firefox).
import puppeteer from 'puppeteer-core';
import { Page } from './adapter.mjs';

export const FIREFOX = process.env.FIREFOX ?? '/usr/bin/firefox-esr';

/** Opens Firefox ESR on a fresh profile; returns { page, close }. */
export async function openFirefox(profileDir) {
  const browser = await puppeteer.launch({
    browser: 'firefox',
    executablePath: FIREFOX,
    headless: true,
    userDataDir: profileDir,
    protocolTimeout: 300_000,
  });
  const page = (await browser.pages())[0] ?? (await browser.newPage());
  return { page: new Page(page), close: () => browser.close() };
}
