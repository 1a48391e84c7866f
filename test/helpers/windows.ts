/**
 * Vendor budgets count in fixed windows aligned on the clock (src/platform/budget.ts), as the
 * vendors do. A test that spends a budget and then asserts what is left must not straddle a
 * window's boundary (with a day-long window: midnight UTC), where the count starts again.
 */
export async function awayFromWindowEdge(windowS: number, needS: number): Promise<void> {
  const ms = windowS * 1000;
  const left = ms - (Date.now() % ms);
  if (left < needS * 1000) await new Promise((r) => setTimeout(r, left + 1000));
}
