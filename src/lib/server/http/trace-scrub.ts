import type { RequestEvent } from '@sveltejs/kit';

interface SpanLike {
	setAttribute?(key: string, value: string): unknown;
}

/**
 * SvelteKit's server tracing records `http.url` = `event.url.href` on its root span before any hook
 * runs, so a one-time credential in the query string (`handoff_token`, an authorization `code`)
 * would reach the trace exporter (docs/SECURITY.md H13). Spans keep attributes mutable until they end:
 * overwriting the attribute with the cleaned URL keeps the credential out of the exported span.
 */
export function scrubTracedUrl(event: Pick<RequestEvent, 'url'>, cleanPathAndQuery: string): void {
	const tracing = (event as { tracing?: { enabled?: boolean; root?: SpanLike } }).tracing;
	if (!tracing?.enabled) return;
	try {
		tracing.root?.setAttribute?.('http.url', new URL(cleanPathAndQuery, event.url.origin).href);
	} catch {
		// Tracing must never break the answer.
	}
}
