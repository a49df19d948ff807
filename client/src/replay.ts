/**
 * Replay of stored events, oldest first, in pages: `GET …/events?after=<id>&limit=&type=` →
 * `{items, next}`, where `next` is the `after` of the following page, or null at the end of what is
 * stored now (`last=N` instead of `limit`: the newest N, `next` null). An unknown or pruned `after`
 * is a 4xx {@link SwitchboardError}.
 */
import type { HttpClient, QueryValue } from "./http.js";
import type { Page, ReplayOptions, SwitchboardEvent } from "./types.js";

/** One page of events. */
export type EventPage = Page<SwitchboardEvent>;

/** Fetches one page from `path` with the replay options and extra `filter` (e.g. `{ instance }`). */
export function fetchEventPage(http: HttpClient, path: string, opts: ReplayOptions, filter: Record<string, QueryValue> = {}): Promise<EventPage> {
  return http.request<EventPage>("GET", path, {
    query: { ...filter, after: opts.after, limit: opts.limit, last: opts.last, type: opts.types?.length ? opts.types : undefined },
    signal: opts.signal,
  });
}

/** The options of a paged replay: those of one page without `last` (which answers a single, final page). */
export type PagedReplayOptions = Omit<ReplayOptions, "last">;

/**
 * Every page after `opts.after`, following `next` until it is null. Pages are fetched lazily, one
 * per iteration step; a `last` slipped in by an untyped caller is not sent:
 * ```ts
 * for await (const page of api.replay({ after })) for (const event of page.items) handle(event);
 * ```
 */
export async function* iteratePages(
  http: HttpClient,
  path: string,
  opts: PagedReplayOptions,
  filter: Record<string, QueryValue> = {},
): AsyncGenerator<EventPage, void, undefined> {
  let after = opts.after;
  for (;;) {
    const page = await fetchEventPage(http, path, { ...opts, last: undefined, after }, filter);
    yield page;
    if (page.next === null || page.items.length === 0) return;
    after = page.next;
  }
}
