/**
 * Runs `work` over `items` with at most `limit` in flight, in order of start. Resolves when all are done; the first
 * rejection rejects (callers that must go on catch inside `work`).
 */
export async function forEachBounded<T>(
  items: Iterable<T>,
  limit: number,
  work: (item: T) => Promise<void>,
): Promise<void> {
  const iterator = items[Symbol.iterator]();
  const worker = async (): Promise<void> => {
    for (let next = iterator.next(); next.done !== true; next = iterator.next()) await work(next.value);
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.floor(limit)) }, worker));
}
