/**
 * Sizes both sides of Smart Handoff agree on: the issuer never mints what the app would refuse.
 * A handoff URL must pass proxies (nginx's request line fits in one 8 KiB buffer by default) and
 * Node's 16 KiB header limit with room to spare (docs/SECURITY.md H10).
 */
export const HANDOFF_LIMITS = Object.freeze({
	/** Longest `handoff_token`, in characters. */
	maxTokenLength: 4096,
	/** Longest `state`, in characters. */
	maxStateLength: 512
});
