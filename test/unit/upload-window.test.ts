import { msUntilWindow } from '../../lib/upload-window.js';

const at = (hh: number, mm = 0) => new Date(2026, 10, 21, hh, mm, 0, 0);

describe('upload window', () => {
  test('inside a same-day window copies may start at once', () => {
    expect(msUntilWindow({ start: '01:00', end: '07:00' }, at(3))).toBe(0);
  });
  test('before the window the wait is the time until it opens', () => {
    expect(msUntilWindow({ start: '01:00', end: '07:00' }, at(0, 30))).toBe(30 * 60_000);
  });
  test('after the window the wait runs to the next day', () => {
    expect(msUntilWindow({ start: '01:00', end: '07:00' }, at(8))).toBe(17 * 3_600_000);
  });
  test('a window spanning midnight is open on both sides of it', () => {
    const window = { start: '23:00', end: '06:00' };
    expect(msUntilWindow(window, at(23, 30))).toBe(0);
    expect(msUntilWindow(window, at(2))).toBe(0);
    expect(msUntilWindow(window, at(12))).toBe(11 * 3_600_000);
  });
});
