/**
 * The one finite-difference rule of the tests: the derivative of f at 0 from f(h) and f(-h), whose error
 * falls as h^2 (a one-sided difference's falls as h).
 */
export async function centralDifference(f: (t: number) => Promise<number>, h: number): Promise<number> {
  return ((await f(h)) - (await f(-h))) / (2 * h);
}
