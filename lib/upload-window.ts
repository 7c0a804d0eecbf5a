/**
 * How long until a daily upload window opens, in the host's local time (TZ).
 *
 * @param window - `{ start: "01:00", end: "07:00" }`; a window whose end is before its start spans midnight
 * @param now - the current time
 * @returns 0 inside the window, else ms until it next opens
 */
export function msUntilWindow(window: { start: string; end: string }, now: Date): number {
  const minutes = (hhmm: string) => {
    const [h, m] = hhmm.split(':').map(Number) as [number, number];
    return h * 60 + m;
  };
  const start = minutes(window.start);
  const end = minutes(window.end);
  const nowMin =
    now.getHours() * 60 + now.getMinutes() + now.getSeconds() / 60 + now.getMilliseconds() / 60000;
  const inside = start <= end ? nowMin >= start && nowMin < end : nowMin >= start || nowMin < end;
  if (inside || start === end) return 0;
  const untilStart = (start - nowMin + 24 * 60) % (24 * 60);
  return Math.round(untilStart * 60_000);
}
